"""Suite-wide guarantee: no test leaves a background training thread or training process behind."""

from __future__ import annotations

import pytest

from tests.jobtools import GUARD, job_processes, job_threads, wait_for


@pytest.fixture(autouse=True)
def no_job_left_behind():
    threads_before, procs_before = job_threads(), job_processes()
    yield
    leftover = [t for t in job_threads() if t not in threads_before]
    for t in leftover:
        t.join(GUARD)
    assert not [t for t in leftover if t.is_alive()], "a job thread outlived its test"
    wait_for(lambda: not [p for p in job_processes() if p not in procs_before],
             "every training process started by the test to end")
