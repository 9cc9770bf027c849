"""``streamlit run`` with every script run profiled: one cProfile file per run, for :mod:`bench.page_cost`.

::

    LAB_PROFILE_DIR=/tmp/prof python -m bench.profiled_server app.py --server.headless true ...

Each call of Streamlit's ``ScriptRunner._run_script`` (a page run, a rerun, a fragment rerun) is
profiled in its own thread and dumped to ``$LAB_PROFILE_DIR/run-<n>.prof`` (n = 1, 2, ... in the
order the runs end). The server's event-loop thread (websocket, message serialization) is
profiled as a whole and dumped to ``main.prof`` on SIGUSR1. Both use the thread's CPU time
as the clock. A measuring tool, not part of the app.
"""

from __future__ import annotations

import cProfile
import itertools
import os
import signal
import sys
import threading
import time
from pathlib import Path


def _install(out: Path) -> None:
    from streamlit.runtime.scriptrunner import script_runner

    counter = itertools.count(1)
    lock = threading.Lock()
    original = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):
        prof = cProfile.Profile(time.thread_time)   # CPU time of this thread: holds on a busy box
        prof.enable()
        try:
            return original(self, rerun_data)
        finally:
            prof.disable()
            with lock:
                n = next(counter)
            prof.dump_stats(str(out / f"run-{n}.prof"))

    script_runner.ScriptRunner._run_script = profiled


def main() -> None:
    out = Path(os.environ["LAB_PROFILE_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    _install(out)
    main_prof = cProfile.Profile(time.thread_time)   # CPU time of this thread: holds on a busy box
    signal.signal(signal.SIGUSR1, lambda *_: main_prof.dump_stats(str(out / "main.prof")))
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    main_prof.enable()
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
