"""Stop within a second whatever the preset (issue 14): a child stuck in one long sequence is signalled,
the weights it sent last are kept, Resume goes on from them; the server's per-job budget stops a job too.

No test measures speed: the bounds below are guards far above the ~0.7 s the stop path takes
(STOP_GRACE + KILL_GRACE), and far below the minutes that a sequence-granular stop used to take.
"""

from __future__ import annotations

import signal
import time

import pytest

from lab.job_queue import JobManager
from lab.jobs import Job
from tests.jobtools import ENDLESS, GUARD, job_processes, wait_for

SLOW_STOP = 15.0     # a stop that takes this long is the old bug (minutes), not a loaded machine


@pytest.fixture()
def hanging(monkeypatch, tmp_path):
    """A flag file the hook touches once the child is inside its endless step."""
    flag = tmp_path / "hanging"
    monkeypatch.setenv("LAB_TEST_HANG_FLAG", str(flag))
    return flag


def _stop_timed(job: Job) -> float:
    t0 = time.monotonic()
    job.stop()
    assert job.join(GUARD)
    return time.monotonic() - t0


def test_stop_ends_a_child_stuck_inside_one_sequence_by_signal_and_keeps_its_last_weights(hanging):
    job = Job(ENDLESS, chunk=10, hook="tests.jobtools:hang_after_30")
    job.start()
    wait_for(hanging.exists, "the child to reach its endless step")
    wait_for(lambda: job.trained() is not None and job.trained().seen == job.snapshot().progress.sequences,
             "the record carrying the state it took before it hung")
    before = job.snapshot()
    took = _stop_timed(job)
    snap = job.snapshot()
    assert snap.status == "stopped" and snap.progress.sequences == before.progress.sequences >= 30
    assert job.worker.proc.returncode in (-signal.SIGTERM, -signal.SIGKILL)     # it had to be signalled
    assert took < SLOW_STOP, f"stop took {took:.1f} s"
    assert 30 <= job.trained().seen <= snap.progress.sequences     # the state it sent last


def test_a_child_ignoring_sigterm_is_killed(hanging):
    job = Job(ENDLESS, chunk=10, hook="tests.jobtools:ignore_sigterm_and_hang")
    job.start()
    wait_for(hanging.exists, "the child to hang")
    assert _stop_timed(job) < SLOW_STOP
    assert job.worker.proc.returncode == -signal.SIGKILL
    assert job.snapshot().status == "stopped"


def test_a_child_that_inherited_sigterm_as_ignored_still_ends_on_sigterm(hanging):
    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)       # ignored dispositions survive exec
    try:
        job = Job(ENDLESS, chunk=10, hook="tests.jobtools:hang_after_30")
        job.start()
        wait_for(lambda: job.worker is not None, "the child to be started")
    finally:
        signal.signal(signal.SIGTERM, old)
    wait_for(hanging.exists, "the child to hang")
    assert _stop_timed(job) < SLOW_STOP
    assert job.worker.proc.returncode == -signal.SIGTERM


def test_the_server_stops_a_job_over_its_budget_and_says_why():
    manager = JobManager(capacity=1)
    job = Job(ENDLESS, chunk=10, budget_s=0.5)
    nxt = Job(ENDLESS, chunk=10, seed=1, budget_s=0.5)
    try:
        manager.submit(job)
        manager.submit(nxt)
        assert job.join(GUARD)
        snap = job.snapshot()
        assert snap.status == "stopped" and "budget" in snap.message and "Resume" in snap.message
        wait_for(lambda: nxt.snapshot().status in ("running", "stopped"), "the queued job to get its turn")
    finally:
        manager.shutdown(GUARD)


def test_a_stopped_job_leaves_no_child_behind(hanging):
    job = Job(ENDLESS, chunk=10, hook="tests.jobtools:hang_after_30")
    job.start()
    wait_for(hanging.exists, "the child to hang")
    job.stop()
    assert job.join(GUARD)
    wait_for(lambda: job_processes() == [], "no worker child left")


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="budget"):
        Job(ENDLESS, budget_s=0)
