"""The app's server, from outside: ``streamlit run app.py`` on a free loopback port, healthy, then stopped.

One implementation for the benchmarks (:mod:`bench.classroom`, :mod:`bench.page_cost`) and the browser
tests (``tests/e2e/conftest.py``)::

    with serve_app() as url:           # http://127.0.0.1:PORT, answering /_stcore/health
        ...

The server runs in its own process group (its training workers included), so :func:`stop_server`
ends all of it: SIGTERM, then SIGKILL after 15 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent      # the directory holding app.py
HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0
STREAMLIT = ("-m", "streamlit", "run")


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer its health check in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, log, runner: Sequence[str] = STREAMLIT, env: dict[str, str] | None = None
                 ) -> subprocess.Popen:
    """Start ``python <runner> app.py`` headless on ``HOST:port``, output to the file ``log``.

    ``runner`` is how app.py is run (default ``-m streamlit run``; e.g. ``-m bench.profiled_server``);
    ``env`` adds variables. Jobs always run in worker processes (``LAB_SYNC_JOBS`` is removed).
    """
    cmd = [sys.executable, *runner, "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", HOST, "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    full_env = {k: v for k, v in os.environ.items() if k != "LAB_SYNC_JOBS"} | (env or {})
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=full_env,
                            start_new_session=True)


def _tail(log, chars: int = 3000) -> str:
    if log is None:
        return ""
    log.flush()
    log.seek(0)
    return "\n" + log.read()[-chars:]


def wait_healthy(proc: subprocess.Popen, url: str, timeout: float = START_TIMEOUT_S, log=None) -> None:
    """Return once ``url/_stcore/health`` answers 200; raise :class:`ServerDidNotStart` (with the end of
    ``log``, if given) when the server exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerDidNotStart(f"streamlit exited with code {proc.returncode}:{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerDidNotStart(f"streamlit did not become healthy within {timeout:.0f} s:{_tail(log)}")
        time.sleep(0.25)


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL it if it is still there after 15 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def serve_app(port: int = 0, runner: Sequence[str] = STREAMLIT, env: dict[str, str] | None = None
              ) -> Iterator[tuple[str, subprocess.Popen]]:
    """A healthy server on ``port`` (default: a free one): yields ``(base URL, process)``; stopped after."""
    port = port or free_port()
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile("w+") as log:
        proc = start_server(port, log, runner, env)
        try:
            wait_healthy(proc, url, log=log)
            yield url, proc
        finally:
            stop_server(proc)
