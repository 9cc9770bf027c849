"""Background jobs: start, watch, stop, resume, fail, queue — and never leave a thread behind."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from lab.jobs import Job, JobManager
from lab.runs import load_run
from tests.jobtools import ENDLESS, GUARD, SHORT, wait_for


def test_a_job_trains_in_the_background_until_stopped_and_resumes_the_same_run():
    job = Job(ENDLESS, chunk=10)
    assert job.snapshot().status == "new" and job.snapshot().progress.sequences == 0
    job.start()
    assert job.alive and job.snapshot().status == "running"
    wait_for(lambda: job.snapshot().progress.sequences >= 30, "30 sequences")
    first = job.snapshot()
    wait_for(lambda: job.snapshot().progress.sequences > first.progress.sequences, "the snapshot to grow")
    job.stop()
    assert job.join(GUARD) and not job.alive
    stopped = job.snapshot()
    assert stopped.status == "stopped" and stopped.finished
    assert job.snapshot().progress.sequences == stopped.progress.sequences      # nothing moves any more
    run = job.run
    job.resume()
    wait_for(lambda: job.snapshot().progress.sequences > stopped.progress.sequences, "the resumed run to go on")
    assert job.run is run and job.snapshot().status == "running"
    job.stop()
    job.join(GUARD)
    assert job.snapshot().status == "stopped"


def test_a_snapshot_is_a_copy_that_later_training_does_not_change():
    job = Job(ENDLESS, chunk=100, synchronous=True)
    snap = job.step(2)
    params = {k: v.copy() for k, v in snap.params.items()}
    seq, err = snap.curves["seq"].copy(), snap.curves["err"].copy()
    job.step(3)
    assert all(np.array_equal(snap.params[k], v) for k, v in params.items())
    assert np.array_equal(snap.curves["seq"], seq) and np.array_equal(snap.curves["err"], err, equal_nan=True)
    later = job.snapshot()
    assert later.progress.sequences == 500 and len(later.curves["seq"]) == 5
    assert later.params["W_h"].shape[0] == 1 and not np.array_equal(later.params["W_h"], params["W_h"])
    assert [s for s, _ in later.checkpoints] == [0, 100, 200, 400]


def test_synchronous_start_trains_to_the_end_in_the_callers_thread():
    job = Job(SHORT, chunk=25, synchronous=True)
    threads_before = threading.active_count()
    job.start()
    assert threading.active_count() == threads_before and not job.alive
    snap = job.snapshot()
    assert snap.status == "done" and snap.progress.sequences == 60 and snap.progress.done
    assert snap.summary["sequences_seen"] == 60


def test_capacity_one_queues_the_second_job_and_starts_it_when_the_first_stops():
    manager = JobManager(capacity=1)
    a, b, c = Job(ENDLESS, chunk=10), Job(ENDLESS, chunk=10, seed=1), Job(ENDLESS, chunk=10, seed=2)
    for job in (a, b, c):
        manager.submit(job)
    assert a.snapshot().status == "running" and a.snapshot().queue_position is None
    assert (b.snapshot().status, b.snapshot().queue_position) == ("queued", 1)
    assert (c.snapshot().status, c.snapshot().queue_position) == ("queued", 2)
    assert manager.running() == [a] and manager.queued() == [b, c]
    assert b.snapshot().progress.sequences == 0
    a.stop()
    a.join(GUARD)
    wait_for(lambda: b.snapshot().status == "running", "the queued job to start")
    assert (c.snapshot().status, c.snapshot().queue_position) == ("queued", 1)
    assert a.snapshot().status == "stopped" and manager.running() == [b]
    wait_for(lambda: b.snapshot().progress.sequences > 0, "the second job to train")
    a.resume()                                            # back through the queue, behind c
    assert (a.snapshot().status, a.snapshot().queue_position) == ("queued", 2)
    manager.cancel(c)
    assert c.snapshot().status == "stopped" and a.snapshot().queue_position == 1
    manager.shutdown(GUARD)
    assert manager.running() == [] and manager.queued() == []
    assert {j.snapshot().status for j in (a, b, c)} == {"stopped"}


def test_an_exception_in_the_worker_fails_the_job_and_releases_its_slot():
    manager = JobManager(capacity=1)
    bad, nxt = Job(ENDLESS, chunk=10), Job(SHORT, chunk=10)

    def explode(n):
        raise FloatingPointError("the sky fell")

    bad.run.advance = explode
    manager.submit(bad)
    manager.submit(nxt)
    bad.join(GUARD)
    snap = bad.snapshot()
    assert snap.status == "failed" and snap.error == "FloatingPointError: the sky fell" and snap.finished
    assert "Traceback" in bad.error_detail and "explode" in bad.error_detail
    wait_for(lambda: nxt.snapshot().status == "done", "the next job to run to the end")
    nxt.join(GUARD)
    assert manager.running() == [] and manager.queued() == []
    bad.resume()                                          # a failed job does not come back to life
    assert bad.snapshot().status == "failed" and manager.running() == []


def test_a_diverging_run_ends_done_and_says_so_in_the_snapshot():
    job = Job(replace(ENDLESS, lr=float("inf")), chunk=10, synchronous=True)
    job.start()
    snap = job.snapshot()
    assert snap.status == "done" and snap.progress.failed == 1
    assert "diverged" in snap.message and np.isfinite(snap.params["W_h"]).all()   # last good weights kept


def test_a_finished_job_saves_a_run_that_loads_back(tmp_path):
    job = Job(SHORT, chunk=30, synchronous=True)
    job.start()
    saved = load_run(job.save(tmp_path / "run"))
    assert saved.summary["sequences_seen"] == 60
    np.testing.assert_array_equal(saved.trial_params()["W_h"], job.snapshot().params["W_h"])


def test_step_refuses_to_run_beside_a_worker_thread():
    job = Job(ENDLESS, chunk=10)
    job.start()
    try:
        with pytest.raises(RuntimeError, match="worker thread"):
            job.step()
        with pytest.raises(RuntimeError, match="training"):
            job.save("/nonexistent")
    finally:
        job.stop()
        job.join(GUARD)


def test_default_capacity_is_at_least_one_and_shutdown_of_an_idle_manager_is_harmless():
    manager = JobManager()
    assert manager.capacity >= 1
    manager.shutdown()
    assert manager.running() == [] and manager.queued() == []


def test_joining_a_job_while_its_worker_is_being_started_waits_instead_of_raising(monkeypatch):
    """Regression: shutdown() could join a worker thread that start() had created but not yet started."""
    import lab.jobs as jobs_mod

    entered = threading.Event()

    class SlowStart(threading.Thread):
        def start(self):
            entered.set()
            threading.Event().wait(0.3)          # the window in which another thread may join
            super().start()

    job = Job(ENDLESS, chunk=10, worker="thread")
    errors: list[BaseException] = []

    def joiner():
        entered.wait(5)
        try:
            job.join(0.1)
        except BaseException as exc:             # before the fix: "cannot join thread before it is started"
            errors.append(exc)

    t = threading.Thread(target=joiner)          # a plain thread, made before the patch below
    t.start()
    monkeypatch.setattr(jobs_mod.threading, "Thread", SlowStart)
    job.start()
    monkeypatch.undo()
    t.join(10)
    job.stop()
    assert job.join(GUARD)
    assert errors == []
