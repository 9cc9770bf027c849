"""Faults a classroom meets: closed tabs, reconnects, damaged run files, diverging runs, a full server.

Engine-level contracts are tested on :mod:`lab.jobs` directly; what a student sees
is tested on the Experiments page under Streamlit's AppTest (with background jobs where
the fault needs them, and ``LAB_SYNC_JOBS=1`` where a rerun must show progress).
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import lab.runs as runs_module
from lab.job_queue import JobManager
from lab.jobs import Job
from lab.runs import RunFileError, load_run
from tests import jobtools
from tests.jobtools import ENDLESS, GUARD, SHORT, job_threads, wait_for
from ui import experiment_view, session_job

ROOT = Path(__file__).resolve().parent.parent





def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=GUARD)
    at.query_params.update(query)
    return at


def _texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


# ----------------------------------------------------------------------------- a tab closed mid-training


def test_a_session_closed_mid_training_stops_its_jobs_frees_the_queue_and_leaves_no_thread():
    """A session with one training and one queued job (cap 1) is released, as the registry does when nobody
    looked at it for its ttl."""
    manager = JobManager(capacity=1)
    running, queued = Job(ENDLESS, chunk=10), Job(ENDLESS, chunk=10, seed=1)
    manager.submit(running)
    manager.submit(queued)
    wait_for(lambda: running.snapshot().progress.sequences >= 10, "the first job to train")
    holder = session_job.SessionJobs()
    holder.handles["lstm"] = session_job.Handle(running, "LSTM", ENDLESS, 0, 1)
    holder.handles["rnn"] = session_job.Handle(queued, "RNN baseline", ENDLESS, 1, 1)
    holder.stop_all()
    assert running.join(GUARD) and not running.alive and not running.worker.alive
    assert running.snapshot().status == "stopped" and queued.snapshot().status == "stopped"
    assert queued.worker is None                                 # the queued job never started a child
    assert manager.running() == [] and manager.queued() == []
    wait_for(lambda: not job_threads(), "every thread of the jobs to end")


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_dropped_connection_keeps_the_run_and_the_reconnected_page_shows_it(monkeypatch):
    # Streamlit clears the session's resource caches when a websocket disconnects
    # (AppSession.clear_session_caches) and keeps the session (its session_state) for the reconnect.
    # Here every resource cache is cleared (a superset, through the public API).
    monkeypatch.delenv("LAB_SYNC_JOBS", raising=False)
    manager = JobManager(capacity=1)
    clock = _Clock()
    registry = session_job.Registry(ttl=300, clock=clock)
    monkeypatch.setattr(session_job, "job_manager", lambda: manager)
    monkeypatch.setattr(session_job, "registry", lambda: registry)
    at = _page().run()
    at.button(key="live_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (job,) = manager.running()
    try:
        wait_for(lambda: job.snapshot().progress.sequences > 0, "the job to train")
        st.cache_resource.clear()                                # the websocket drops
        clock.now += 120                                         # a long Wi-Fi hiccup, still within the ttl
        at.run()                                                 # the browser reconnects: same session
        assert not at.exception, [e.value for e in at.exception]
        assert job.snapshot().status == "running" and manager.running() == [job]
        assert any(t.startswith("**LSTM:** Training") for t in _texts(at, "info")), _texts(at, "info")
        assert not any("Nothing trained yet" in c.value for c in at.caption)
    finally:
        manager.shutdown(GUARD)


def test_a_session_nobody_looks_at_for_the_ttl_is_released_and_its_jobs_stop(monkeypatch):
    manager = JobManager(capacity=1)
    clock = _Clock()
    registry = session_job.Registry(ttl=300, clock=clock)
    job = Job(ENDLESS, chunk=10)
    manager.submit(job, client="abc")
    holder = registry.holder("abc")
    holder.handles["lstm"] = session_job.Handle(job, "LSTM", ENDLESS, 0, 1)
    try:
        clock.now += 299
        assert registry.sweep() == [] and job.snapshot().status == "running"
        registry.holder("abc")                                   # a poll: the clock starts again
        clock.now += 299
        assert registry.sweep() == [] and len(registry) == 1
        clock.now += 2
        assert registry.sweep() == ["abc"] and len(registry) == 0
        assert job.join(GUARD) and job.snapshot().status == "stopped"
        assert manager.running() == []
    finally:
        registry.close()
        manager.shutdown(GUARD)


def test_a_session_gets_one_job_per_slot_and_the_queue_has_a_cap():
    manager = JobManager(capacity=1, max_queue=1, per_client=2)
    a, b, c = (Job(ENDLESS, chunk=10, seed=s) for s in range(3))
    other, late = Job(ENDLESS, chunk=10, seed=4), Job(ENDLESS, chunk=10, seed=5)
    try:
        manager.submit(a, client="s1")
        manager.submit(b, client="s1")                           # queued (1 of 1)
        manager.submit(c, client="s1")                           # a third for the same session: refused
        assert c.snapshot().status == "stopped" and "Stop one first" in c.snapshot().message
        manager.submit(other, client="s2")                       # the queue is full: refused
        assert other.snapshot().status == "stopped" and "server is full" in other.snapshot().message
        a.stop()                                                 # a stopping job no longer counts
        wait_for(lambda: b.snapshot().status == "running", "the queued job to take the free slot")
        manager.submit(late, client="s1")
        assert late.snapshot().status in ("queued", "running")
    finally:
        manager.shutdown(GUARD)


# ----------------------------------------------------------------------------- a reconnect


def test_a_rerun_in_the_same_session_shows_the_same_job_going_on(monkeypatch):
    monkeypatch.setenv("LAB_SYNC_JOBS", "1")     # each rerun trains one chunk in the script thread
    at = _page().run()
    assert not at.exception
    at.button(key="live_start").click().run()
    assert not at.exception
    first = [t for t in _texts(at, "info") if t.startswith("**LSTM:** Training")]
    assert first, _texts(at, "info")
    at.run()                                     # the browser reconnects: same session, same holder
    later = [t for t in _texts(at, "info") if t.startswith("**LSTM:**")]
    assert later and later[0] != first[0]        # more sequences: the same job went on, not a new one
    seqs = [int(t.split("Training… ")[1].split(" ")[0].replace(",", "")) for t in (first[0], later[0])
            if "Training… " in t]
    assert len(seqs) < 2 or seqs[1] > seqs[0]


def test_a_new_reader_of_a_running_job_sees_its_progress_and_status():
    manager = JobManager(capacity=1)
    job = Job(ENDLESS, chunk=10)
    manager.submit(job)
    try:
        wait_for(lambda: job.snapshot().progress.sequences >= 20, "the job to train")
        (again,) = manager.running()            # what a reconnecting session finds: the very same job
        assert again is job
        snap = again.snapshot()
        assert snap.status == "running" and snap.job_id == job.id and snap.progress.sequences >= 20
    finally:
        manager.shutdown(GUARD)


# ----------------------------------------------------------------------------- damaged run files


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory) -> Path:
    job = Job(SHORT, chunk=30, synchronous=True)
    job.start()
    job.join()
    return job.save(tmp_path_factory.mktemp("runs") / "good")


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "run"))


def _edit_config(run: Path, **changes) -> None:
    f = run / "config.json"
    cfg = json.loads(f.read_text())
    cfg.update(changes)
    f.write_text(json.dumps(cfg))


def test_a_truncated_arrays_file_is_a_run_file_error_that_names_the_file(saved_run, tmp_path):
    run = _copy(saved_run, tmp_path)
    data = (run / "arrays.npz").read_bytes()
    (run / "arrays.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(RunFileError, match=r"arrays\.npz.*(truncated|cannot be read)"):
        load_run(run)


def test_a_truncated_config_is_a_run_file_error_saying_it_is_not_json(saved_run, tmp_path):
    run = _copy(saved_run, tmp_path)
    text = (run / "config.json").read_text()
    (run / "config.json").write_text(text[: len(text) // 3])
    with pytest.raises(RunFileError, match=r"config\.json: not valid JSON"):
        load_run(run)


@pytest.mark.parametrize(("changes", "message"), [
    ({"trials": "many"}, "'trials' should be int"),
    ({"trials": 5}, "shape"),
    ({"checkpoint_trial": 3}, "checkpoint_trial 3 is not one of"),
    ({"format": "something-else"}, "not a saved run of this lab"),
    ({"preset_name": "exp4_adding_T100"}, "differs from the preset's name"),
    ({"extra": 1}, "unknown entry 'extra'"),
])
def test_a_config_edited_by_hand_into_nonsense_is_a_run_file_error_saying_what_is_wrong(saved_run, tmp_path,
                                                                                         changes, message):
    run = _copy(saved_run, tmp_path)
    _edit_config(run, **changes)
    with pytest.raises(RunFileError, match=message):
        load_run(run)


def test_weights_edited_to_nan_or_pickled_objects_are_refused(saved_run, tmp_path):
    run = _copy(saved_run, tmp_path)
    with np.load(run / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["params.W_h"] = arrays["params.W_h"].copy()
    arrays["params.W_h"].flat[0] = np.nan
    np.savez(run / "arrays.npz", **arrays)
    with pytest.raises(RunFileError, match="NaN"):
        load_run(run)
    arrays["params.W_h"] = np.array([{"evil": 1}], dtype=object)
    np.savez(run / "arrays.npz", **arrays)
    with pytest.raises(RunFileError, match="pickled"):
        load_run(run)


def test_the_experiments_page_with_a_damaged_shipped_run_shows_an_error_not_an_exception(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    fam = shipped / "4"
    source = runs_module.SHIPPED_DIR / "4"
    if (source / "config.json").is_file():
        shutil.copytree(source, fam)
    else:                                       # no shipped run yet: make one of experiment 4
        job = Job(SHORT, chunk=30, synchronous=True)
        job.start()
        job.join()
        job.save(fam)
    data = (fam / "arrays.npz").read_bytes()
    (fam / "arrays.npz").write_bytes(data[: len(data) // 2])
    monkeypatch.setattr(runs_module, "SHIPPED_DIR", shipped)
    experiment_view.load_shipped.clear()
    try:
        at = _page(exp="4").run()
    finally:
        experiment_view.load_shipped.clear()
    assert not at.exception, [e.value for e in at.exception]
    errors = _texts(at, "error")
    assert any("could not be loaded" in e and "arrays.npz" in e for e in errors), errors
    assert any("Train live" in h.value for h in at.header)     # the rest of the page is there


# ----------------------------------------------------------------------------- a diverging run


def test_a_diverging_job_stops_says_so_and_keeps_its_last_good_weights(monkeypatch):
    monkeypatch.setenv("LAB_ENGINE", "numpy")          # the poison wraps the readable learner's per-sequence step
    job = Job(ENDLESS, chunk=10, synchronous=True, hook="tests.jobtools:poison_after_25")
    job.start()
    assert job.join()
    snap = job.snapshot()
    assert snap.status == "done" and snap.progress.failed == 1 and snap.error == ""
    assert "diverged" in snap.message and "last good weights kept" in snap.message
    poison = jobtools.POISONED[-1]
    for name, value in snap.params.items():
        assert np.isfinite(value).all(), name
        np.testing.assert_array_equal(value, poison.last_good[name])
    assert session_job.describe(snap).startswith("Done")


# ----------------------------------------------------------------------------- a full server


def test_jobs_beyond_the_cap_queue_with_their_position_instead_of_failing():
    manager = JobManager(capacity=2)
    jobs = [Job(ENDLESS, chunk=10, seed=s) for s in range(5)]
    try:
        for job in jobs:
            manager.submit(job)
        snaps = [j.snapshot() for j in jobs]
        assert [s.status for s in snaps] == ["running"] * 2 + ["queued"] * 3
        assert [s.queue_position for s in snaps[2:]] == [1, 2, 3]
        assert session_job.describe(snaps[3]) == "Waiting for a free worker: position 2 in the queue."
        jobs[0].stop()
        wait_for(lambda: jobs[2].snapshot().status == "running", "the first queued job to start")
        assert [j.snapshot().queue_position for j in jobs[3:]] == [1, 2]
        assert not any(j.snapshot().status == "failed" for j in jobs)
    finally:
        manager.shutdown(GUARD)


@contextmanager
def _train_on_a_full_server(monkeypatch):
    """The Experiments page after "Train live" on a server whose one worker is busy: (at, manager, blocker)."""
    monkeypatch.delenv("LAB_SYNC_JOBS", raising=False)
    manager = JobManager(capacity=1)
    blocker = Job(ENDLESS, chunk=10)
    manager.submit(blocker)
    monkeypatch.setattr(session_job, "job_manager", lambda: manager)
    try:
        at = _page().run()
        at.button(key="live_start").click().run()
        assert not at.exception, [e.value for e in at.exception]
        yield at, manager, blocker
    finally:
        manager.shutdown(GUARD)


def test_the_experiments_page_shows_the_queue_position_when_the_server_is_full(monkeypatch):
    with _train_on_a_full_server(monkeypatch) as (at, manager, _):
        assert not _texts(at, "error")
        waiting = [w for w in _texts(at, "warning") if "Waiting for a free worker" in w]
        assert waiting and "position 1 in the queue" in waiting[0]
        assert len(manager.queued()) == 1 and manager.queued()[0].snapshot().status == "queued"


def test_a_queued_panel_refreshes_every_few_seconds_and_every_second_once_its_job_trains(monkeypatch):
    from ui import live_view

    with _train_on_a_full_server(monkeypatch) as (at, manager, blocker):
        assert at.session_state["_live_refresh"] == live_view.QUEUED_REFRESH_S > live_view.REFRESH_S
        blocker.stop()
        wait_for(lambda: [j.snapshot().status for j in manager.running()] == ["running"]
                 and manager.running()[0] is not blocker, "the queued job to start")
        at.run()
        assert at.session_state["_live_refresh"] == live_view.REFRESH_S
        manager.running()[0].stop()
        wait_for(lambda: not manager.running(), "the job to stop")
        at.run()
        assert at.session_state["_live_refresh"] is None         # nothing trains: no refresh at all
