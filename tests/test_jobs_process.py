"""Jobs whose training runs in a child process (worker="process"): same guarantees as threads, no leftovers."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from lab import job_worker
from lab.jobs import Job, JobManager
from tests.jobtools import ENDLESS, GUARD, SHORT, close_a_session_mid_training, wait_for
from ui import session_job


@pytest.fixture()
def workers(monkeypatch):
    """Every WorkerProcess made during the test, to check that none outlives it."""
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


def test_a_process_job_trains_in_a_child_process_until_stopped_and_resumes_the_same_run(workers):
    job = Job(ENDLESS, chunk=10, worker="process")
    job.start()
    assert job.alive and job.snapshot().status == "running"
    wait_for(lambda: job.snapshot().progress.sequences >= 30, "30 sequences from the child")
    (worker,) = workers
    assert worker.proc.pid != os.getpid() and worker.proc.poll() is None
    job.stop()
    assert job.join(GUARD) and not job.alive and worker.proc.poll() is not None
    stopped = job.snapshot()
    assert stopped.status == "stopped" and stopped.progress.sequences >= 30
    run = job.run                                           # rebuilt from the state the child sent last
    assert run.seen == stopped.progress.sequences
    np.testing.assert_array_equal(run.params["W_h"][:1], stopped.params["W_h"])
    job.resume()
    wait_for(lambda: job.snapshot().progress.sequences > stopped.progress.sequences, "the resumed run to go on")
    assert len(workers) == 2
    job.stop()
    assert job.join(GUARD) and job.snapshot().status == "stopped"


def test_a_process_job_publishes_the_same_snapshot_as_a_thread_job_would():
    job = Job(SHORT, chunk=25, worker="process")
    job.start()
    assert job.join(GUARD)
    snap = job.snapshot()
    ref = Job(SHORT, chunk=25, synchronous=True)
    ref.start()
    want = ref.snapshot()
    assert snap.status == want.status == "done" and snap.progress.sequences == want.progress.sequences == 60
    np.testing.assert_array_equal(snap.curves["seq"], want.curves["seq"])
    np.testing.assert_allclose(snap.curves["err"], want.curves["err"])
    assert [s for s, _ in snap.checkpoints] == [s for s, _ in want.checkpoints]
    for name, value in want.params.items():
        np.testing.assert_allclose(snap.params[name], value)
    assert snap.summary["sequences_seen"] == 60


def test_a_process_job_beyond_the_cap_queues_and_starts_when_the_first_stops(workers):
    manager = JobManager(capacity=1)
    a, b = Job(ENDLESS, chunk=10, worker="process"), Job(ENDLESS, chunk=10, seed=1, worker="process")
    try:
        manager.submit(a)
        manager.submit(b)
        assert (b.snapshot().status, b.snapshot().queue_position) == ("queued", 1)
        wait_for(lambda: a.snapshot().progress.sequences > 0, "the first job to train")
        a.stop()
        wait_for(lambda: b.snapshot().progress.sequences > 0, "the queued job to start and train")
        assert a.snapshot().status == "stopped" and manager.running() == [b]
    finally:
        manager.shutdown(GUARD)
    assert {a.snapshot().status, b.snapshot().status} == {"stopped"}


def test_an_exception_in_the_child_fails_the_job_with_its_traceback_and_frees_the_slot(workers):
    manager = JobManager(capacity=1)
    bad = Job(ENDLESS, chunk=10, worker="process", hook="tests.jobtools:explode_after_15")
    nxt = Job(SHORT, chunk=30, worker="process")
    manager.submit(bad)
    manager.submit(nxt)
    assert bad.join(GUARD)
    snap = bad.snapshot()
    assert snap.status == "failed" and snap.error == "FloatingPointError: the sky fell"
    assert "Traceback" in bad.error_detail and "the sky fell" in bad.error_detail
    wait_for(lambda: nxt.snapshot().status == "done", "the next job to run to the end")
    assert nxt.join(GUARD) and manager.running() == []


def test_a_child_that_dies_keeps_the_last_weights_and_resume_continues_from_them(workers):
    job = Job(ENDLESS, chunk=10, worker="process")
    job.start()
    wait_for(lambda: job.snapshot().progress.sequences >= 50 and job._state is not None, "the child to train")
    workers[0].proc.kill()
    assert job.join(GUARD)
    snap = job.snapshot()
    assert snap.status == "stopped" and "ended unexpectedly" in snap.message and "Resume" in snap.message
    kept = job.run.seen
    assert 0 < kept <= snap.progress.sequences
    job.resume()
    wait_for(lambda: job.snapshot().progress.sequences > snap.progress.sequences, "the resumed run to go on")
    assert len(workers) == 2
    job.stop()
    assert job.join(GUARD) and job.snapshot().status == "stopped"


def test_a_child_that_dies_before_sending_anything_fails_the_job_instead_of_hanging(workers):
    job = Job(ENDLESS, chunk=10, worker="process", hook="tests.jobtools:die_at_once")
    job.start()
    assert job.join(GUARD)
    snap = job.snapshot()
    assert snap.status == "failed" and "ended unexpectedly" in snap.error


def test_a_diverging_process_job_ends_done_says_so_and_keeps_finite_weights():
    job = Job(replace(ENDLESS, lr=float("inf")), chunk=10, worker="process")
    job.start()
    assert job.join(GUARD)
    snap = job.snapshot()
    assert snap.status == "done" and snap.progress.failed == 1
    assert "diverged" in snap.message and np.isfinite(snap.params["W_h"]).all()


def test_closing_a_session_stops_its_process_jobs_and_reaps_the_children(workers):
    close_a_session_mid_training("process")
    assert len(workers) == 1                     # the queued job never started a child


def test_the_child_trains_at_a_lower_cpu_priority(workers):
    job = Job(ENDLESS, chunk=10, worker="process")
    job.start()
    try:
        wait_for(lambda: job.snapshot().progress.sequences > 0, "the child to train")
        pid = workers[0].proc.pid
        assert os.getpriority(os.PRIO_PROCESS, pid) >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + job_worker.NICE)
    finally:
        job.stop()
        job.join(GUARD)


def test_a_worker_whose_parent_closes_the_pipe_stops_and_sends_its_state():
    worker = job_worker.WorkerProcess(job_worker.Start(job_worker.Spec(ENDLESS, trials=1), chunk=10, every=0.0))
    updates = worker.updates()
    first = next(updates)
    assert first.progress.sequences >= 1
    worker.stop()
    rest = list(updates)
    assert worker.end.status == "stopped" and worker.proc.poll() is not None
    last = (rest[-1] if rest else first)
    run = job_worker.restore_run(job_worker.Spec(ENDLESS, trials=1), last.state)
    assert run.seen == last.progress.sequences


def test_the_app_trains_in_processes_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("LAB_JOB_WORKER", raising=False)
    assert session_job.job_worker() == "process"
    monkeypatch.setenv("LAB_JOB_WORKER", "thread")
    assert session_job.job_worker() == "thread"
    with pytest.raises(ValueError, match="worker"):
        Job(SHORT, worker="fork")
