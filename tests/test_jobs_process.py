"""The child process a job trains in: a separate, niced interpreter that sends records and dies cleanly."""

from __future__ import annotations

import os

from lab import job_worker
from lab.jobs import Job
from tests.jobtools import ENDLESS, GUARD, wait_for


def test_a_job_trains_in_a_child_process_and_a_resume_starts_a_new_child():
    job = Job(ENDLESS, chunk=10)
    job.start()
    wait_for(lambda: job.snapshot().progress.sequences >= 30, "30 sequences from the child")
    first = job.worker
    assert first.proc.pid != os.getpid() and first.alive
    job.stop()
    assert job.join(GUARD) and not first.alive
    job.resume()
    wait_for(lambda: job.worker is not first, "a second child")
    job.stop()
    assert job.join(GUARD) and not job.worker.alive and job.snapshot().status == "stopped"


def test_a_child_that_dies_keeps_the_last_weights_and_resume_continues_from_them():
    job = Job(ENDLESS, chunk=10)
    job.start()
    wait_for(lambda: job.snapshot().progress.sequences >= 50 and job.trained() is not None, "the child to train")
    job.worker.proc.kill()
    assert job.join(GUARD)
    snap = job.snapshot()
    assert snap.status == "stopped" and "ended unexpectedly" in snap.message and "Resume" in snap.message
    kept = job.trained().seen
    assert 0 < kept <= snap.progress.sequences
    job.resume()
    wait_for(lambda: job.snapshot().progress.sequences > snap.progress.sequences, "the resumed run to go on")
    assert "ended unexpectedly" not in job.snapshot().message
    job.stop()
    assert job.join(GUARD) and job.snapshot().status == "stopped"
    assert job.snapshot().curves["seq"][0] == 100 and job.trained().seen >= kept


def test_a_child_that_dies_before_sending_anything_fails_the_job_instead_of_hanging():
    job = Job(ENDLESS, chunk=10, hook="tests.jobtools:die_at_once")
    job.start()
    assert job.join(GUARD)
    snap = job.snapshot()
    assert snap.status == "failed" and "ended unexpectedly" in snap.error


def test_the_child_trains_at_a_lower_cpu_priority():
    job = Job(ENDLESS, chunk=10)
    job.start()
    try:
        wait_for(lambda: job.snapshot().progress.sequences > 0, "the child to train")
        pid = job.worker.proc.pid
        assert os.getpriority(os.PRIO_PROCESS, pid) >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + job_worker.NICE)
    finally:
        job.stop()
        job.join(GUARD)


def test_a_worker_whose_parent_closes_the_pipe_stops_and_its_last_record_carries_the_state():
    worker = job_worker.WorkerProcess(job_worker.Start(job_worker.Spec(ENDLESS, trials=1), chunk=10, every=0.0))
    updates = worker.updates()
    first = next(updates)
    assert first.progress.sequences >= 1
    worker.stop()
    last = ([first] + list(updates))[-1]
    assert worker.end.status == "stopped" and not worker.alive
    assert last.state is not None and last.state["seen"] == last.progress.sequences

