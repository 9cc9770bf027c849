"""Background jobs: start, watch, stop, resume, fail, queue — and never leave a thread or a child behind."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from lab.job_queue import JobManager
from lab.jobs import Job
from lab.runs import load_run
from tests.jobtools import ENDLESS, GUARD, SHORT, wait_for


def test_a_job_trains_in_the_background_until_stopped_and_resumes_from_where_it_stopped():
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
    assert job.trained().seen == stopped.progress.sequences            # the child's last record carries its state
    np.testing.assert_array_equal(job.trained().params["W_h"][:1], stopped.params["W_h"])
    job.resume()
    wait_for(lambda: job.snapshot().progress.sequences > stopped.progress.sequences, "the resumed run to go on")
    assert job.snapshot().status == "running"
    job.stop()
    assert job.join(GUARD) and job.snapshot().status == "stopped"
    assert np.all(np.diff(job.snapshot().curves["seq"]) > 0)           # one history, no restart from zero


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


def test_the_synchronous_double_trains_only_when_stepped_and_join_trains_the_rest_in_the_callers_thread():
    job = Job(SHORT, chunk=25, synchronous=True)
    threads_before = threading.active_count()
    job.start()
    assert job.snapshot().status == "running" and job.snapshot().progress.sequences == 0
    assert job.step().progress.sequences == 25
    job.stop()
    assert job.step().progress.sequences == 25 and job.snapshot().status == "stopped"     # stopped: no training
    job.resume()
    assert job.join() and threading.active_count() == threads_before and not job.alive
    snap = job.snapshot()
    assert snap.status == "done" and snap.progress.sequences == 60 and snap.progress.done
    assert snap.summary["sequences_seen"] == 60


def test_a_process_job_publishes_the_same_snapshot_as_the_synchronous_double():
    job, ref = Job(SHORT, chunk=25), Job(SHORT, chunk=25, synchronous=True)
    for j in (job, ref):
        j.start()
        assert j.join(GUARD)
    snap, want = job.snapshot(), ref.snapshot()
    assert snap.status == want.status == "done" and snap.progress.sequences == want.progress.sequences == 60
    np.testing.assert_array_equal(snap.curves["seq"], want.curves["seq"])
    np.testing.assert_allclose(snap.curves["err"], want.curves["err"])
    assert [s for s, _ in snap.checkpoints] == [s for s, _ in want.checkpoints]
    for name, value in want.params.items():
        np.testing.assert_allclose(snap.params[name], value)
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
    assert b.snapshot().progress.sequences == 0 and b.worker is None
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


def test_an_exception_in_the_child_fails_the_job_with_its_traceback_and_frees_the_slot():
    manager = JobManager(capacity=1)
    bad = Job(ENDLESS, chunk=10, hook="tests.jobtools:explode_after_15")
    nxt = Job(SHORT, chunk=30)
    manager.submit(bad)
    manager.submit(nxt)
    assert bad.join(GUARD)
    snap = bad.snapshot()
    assert snap.status == "failed" and snap.error == "FloatingPointError: the sky fell" and snap.finished
    assert "Traceback" in bad.error_detail and "the sky fell" in bad.error_detail
    wait_for(lambda: nxt.snapshot().status == "done", "the next job to run to the end")
    assert nxt.join(GUARD) and manager.running() == [] and manager.queued() == []
    bad.resume()                                          # a failed job does not come back to life
    assert bad.snapshot().status == "failed" and manager.running() == []


@pytest.mark.parametrize("synchronous", [False, True])
def test_a_diverging_run_ends_done_says_so_and_keeps_finite_weights(synchronous):
    job = Job(replace(ENDLESS, lr=float("inf")), chunk=10, synchronous=synchronous)
    job.start()
    assert job.join(GUARD)
    snap = job.snapshot()
    assert snap.status == "done" and snap.progress.failed == 1
    assert "diverged" in snap.message and np.isfinite(snap.params["W_h"]).all()   # last good weights kept


@pytest.mark.parametrize("synchronous", [False, True])
def test_a_finished_job_saves_a_run_that_loads_back(tmp_path, synchronous):
    job = Job(SHORT, chunk=30, synchronous=synchronous)
    job.start()
    assert job.join(GUARD)
    saved = load_run(job.save(tmp_path / "run"))
    snap = job.snapshot()
    assert saved.summary["sequences_seen"] == 60 and saved.trials == 1
    np.testing.assert_array_equal(saved.trial_params()["W_h"], snap.params["W_h"])
    assert [s for s, _ in saved.checkpoints] == [s for s, _ in snap.checkpoints]


def test_a_process_job_cannot_be_stepped_nor_saved_while_it_trains():
    job = Job(ENDLESS, chunk=10)
    with pytest.raises(RuntimeError, match="nothing trained"):
        job.save("/nonexistent")
    job.start()
    try:
        with pytest.raises(RuntimeError, match="child process"):
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


def test_joining_a_job_while_its_thread_is_being_started_waits_instead_of_raising(monkeypatch):
    """Regression: shutdown() could join a worker thread that start() had created but not yet started."""
    import lab.jobs as jobs_mod

    entered = threading.Event()

    class SlowStart(threading.Thread):
        def start(self):
            entered.set()
            threading.Event().wait(0.3)          # the window in which another thread may join
            super().start()

    job = Job(ENDLESS, chunk=10)
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
