"""Stop within a second whatever the preset (issue 14): a child stuck in one long sequence is signalled,
the weights it sent last are kept, Resume goes on from them; the server's per-job budget stops a job too.

No test measures speed: the bounds below are guards far above the ~0.7 s the stop path takes
(STOP_GRACE + KILL_GRACE), and far below the minutes that a sequence-granular stop used to take.
"""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest

from lab import job_worker
from lab.jobs import Job, JobManager
from tests.jobtools import ENDLESS, GUARD, job_processes, wait_for

SLOW_STOP = 15.0     # a stop that takes this long is the old bug (minutes), not a loaded machine


@pytest.fixture()
def workers(monkeypatch):
    made: list[job_worker.WorkerProcess] = []
    real = job_worker.WorkerProcess

    class Recorded(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(job_worker, "WorkerProcess", Recorded)
    yield made
    for w in made:
        assert w.proc.poll() is not None, "a worker process outlived its test"


@pytest.fixture()
def hanging(monkeypatch, tmp_path):
    """A flag file the hook touches once the child is inside its endless step."""
    flag = tmp_path / "hanging"
    monkeypatch.setenv("LAB_TEST_HANG_FLAG", str(flag))
    return flag


def test_stop_ends_a_child_stuck_inside_one_sequence_by_signal_and_keeps_its_last_weights(workers, hanging):
    job = Job(ENDLESS, chunk=10, worker="process", hook="tests.jobtools:hang_after_30")
    job.start()
    wait_for(hanging.exists, "the child to reach its endless step")
    wait_for(lambda: job._state is not None, "a state from the child")
    before = job.snapshot()
    t0 = time.monotonic()
    job.stop()
    assert job.join(GUARD)
    took = time.monotonic() - t0
    snap = job.snapshot()
    assert snap.status == "stopped" and snap.progress.sequences == before.progress.sequences >= 30
    assert workers[0].proc.returncode in (-signal.SIGTERM, -signal.SIGKILL)     # it had to be signalled
    assert took < SLOW_STOP, f"stop took {took:.1f} s"
    assert 30 <= job.run.seen <= snap.progress.sequences      # the state it sent last


def test_resume_after_a_killed_child_goes_on_from_the_kept_state(workers):
    job = Job(ENDLESS, chunk=10, worker="process")
    job.start()
    wait_for(lambda: job._state is not None and job.snapshot().progress.sequences >= 20, "a state from the child")
    job.stop()
    assert job.join(GUARD) and job.snapshot().status == "stopped"
    kept = job.run.seen
    job.resume()
    wait_for(lambda: job.snapshot().progress.sequences > kept + 20, "the resumed child to train on")
    job.stop()
    assert job.join(GUARD)
    seq = job.snapshot().curves["seq"]
    assert np.all(np.diff(seq) > 0)                           # one history, no restart from zero
    assert job.run.seen >= kept


def test_a_child_ignoring_sigterm_is_killed(workers, hanging):
    job = Job(ENDLESS, chunk=10, worker="process", hook="tests.jobtools:ignore_sigterm_and_hang")
    job.start()
    wait_for(hanging.exists, "the child to hang")
    t0 = time.monotonic()
    job.stop()
    assert job.join(GUARD) and time.monotonic() - t0 < SLOW_STOP
    assert workers[0].proc.returncode == -signal.SIGKILL
    assert job.snapshot().status == "stopped"


def test_the_server_stops_a_job_over_its_budget_and_says_why(workers):
    manager = JobManager(capacity=1)
    job = Job(ENDLESS, chunk=10, worker="process", budget_s=0.5)
    nxt = Job(ENDLESS, chunk=10, seed=1, worker="process", budget_s=0.5)
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
    job = Job(ENDLESS, chunk=10, worker="process", hook="tests.jobtools:hang_after_30")
    job.start()
    wait_for(hanging.exists, "the child to hang")
    job.stop()
    assert job.join(GUARD)
    wait_for(lambda: job_processes() == [], "no worker child left")


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="budget"):
        Job(ENDLESS, worker="process", budget_s=0)
