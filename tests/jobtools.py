"""Helpers shared by the tests of background jobs (tests/test_jobs.py, tests/test_faults.py)."""

from __future__ import annotations

import threading
import time

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
