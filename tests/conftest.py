"""Suite-wide guarantee: no test leaves a background training thread behind."""

from __future__ import annotations

import pytest

from tests.jobtools import GUARD, job_threads


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    before = job_threads()
    yield
    leftover = [t for t in job_threads() if t not in before]
    for t in leftover:
        t.join(GUARD)
    assert not [t for t in leftover if t.is_alive()], "a job thread outlived its test"
