"""Helpers shared by the tests of background jobs (tests/test_jobs.py, tests/test_faults.py)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

GUARD = 60.0     # seconds: only a guard against hanging, never a measurement


def wait_for(cond, what: str) -> None:
    """Poll ``cond()`` until it holds; fail (never hang) after GUARD seconds."""
    deadline = time.monotonic() + GUARD
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}")
        time.sleep(0.01)


def job_threads() -> list[threading.Thread]:
    """The worker threads of lstm_core.jobs that exist right now."""
    return [t for t in threading.enumerate() if t.name.startswith("lstm-job-")]


def job_processes() -> list[int]:
    """Pids of this process's children that run a training job (lstm_core.job_worker), alive right now."""
    kids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            kids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:                      # the thread ended meanwhile
            continue
    found = []
    for pid in kids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"job_worker" in cmd:
            found.append(pid)
    return found
