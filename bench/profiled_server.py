"""``streamlit run`` with every script run profiled: one cProfile file per run, for :mod:`bench.page_cost`.

::

    LAB_PROFILE_DIR=/tmp/prof python -m bench.profiled_server app.py --server.headless true ...

Each call of Streamlit's ``ScriptRunner._run_script`` (a page run, a rerun, a fragment rerun) is
profiled in its own thread and dumped to ``$LAB_PROFILE_DIR/run-<n>.prof`` (n = 1, 2, ... in the
order the runs end); with ``LAB_PROFILE_CPU_ONLY=1`` only the run's thread CPU time is written, to
``run-<n>.cpu`` (no profiler overhead). The server's event-loop thread (websocket, message serialization) is
profiled from the start, or from a SIGUSR2 on, and dumped to ``main.prof`` on SIGUSR1. Both use the thread's CPU time
as the clock. ``LAB_JSON_ENGINE=json`` makes Plotly write JSON without orjson. A measuring tool,
not part of the app.
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

    def timed(self, rerun_data):
        t0 = time.thread_time()
        try:
            return original(self, rerun_data)
        finally:
            used = time.thread_time() - t0
            with lock:
                n = next(counter)
            (out / f"run-{n}.cpu").write_text(f"{used:.6f}\n")

    if os.environ.get("LAB_PROFILE_CPU_ONLY") == "1":
        profiled = timed

    script_runner.ScriptRunner._run_script = profiled


def main() -> None:
    out = Path(os.environ["LAB_PROFILE_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    _install(out)
    if os.environ.get("LAB_JSON_ENGINE"):        # "json": measure the server as if orjson were not installed
        import plotly.io

        plotly.io.json.config.default_engine = os.environ["LAB_JSON_ENGINE"]
    profs = [cProfile.Profile(time.thread_time)]     # CPU time of this thread: holds on a busy box

    def restart(*_):                      # SIGUSR2: profile the event loop from now on (after the warm-up)
        profs[0].disable()
        profs[0] = cProfile.Profile(time.thread_time)
        profs[0].enable()

    signal.signal(signal.SIGUSR1, lambda *_: profs[0].dump_stats(str(out / "main.prof")))
    signal.signal(signal.SIGUSR2, restart)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    profs[0].enable()
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
