"""Load benchmarks of the whole app (server + browsers); see ``python -m bench.classroom --help``."""
