"""Suite-wide: the kernels are compiled once before any test, and no test leaves a training thread or process behind."""

from __future__ import annotations

import pytest

from tests.jobtools import GUARD, job_processes, job_threads, wait_for


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels():
    """Compile every kernel once, into the on-disk cache, before the first test: the app servers and worker
    processes the tests start then load them (well under a second) instead of each compiling for 10-20 s
    on a fresh clone — which timed browser tests out on a loaded machine."""
    from lstm_core.nets import warm

    warm.prepare_all()


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
