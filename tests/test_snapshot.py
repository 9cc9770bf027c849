"""A trial under way kept as a snapshot (``lab.snapshot``): going on from it gives the uninterrupted numbers.

Bit for bit: the weights, each trial's result, the learning curve and the checkpoints of a run continued
from a snapshot equal those of a run never stopped, for every kind of stopping rule and the sequential
construction; and a sweep stopped mid-trial goes on from where the trial stood.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import numpy as np
import pytest

from lab.backends import LocalPool
from lab.snapshot import continue_from, read_snapshot, snapshot_bytes
from lab.stop import Stop
from lab.sweep import run_rows
from lab.trial_store import DIR, Snapshot, TrialStore, kept_rows
from lab.trials import Row, TrialTask, run_trial
from lstm_core.__main__ import main as cli
from lstm_core.experiments import get_preset
from lstm_core.experiments.train import TrialRun
from ui.reproduce_table import under_way_frame, under_way_note

_2C = get_preset("classroom_exp2c_q10_p10")
SOLVES = replace(_2C, name="tiny_2c", trials=3, stop=replace(_2C.stop, window=100, test_size=100, max_sequences=2300))


def _finish(run: TrialRun) -> TrialRun:
    while not run.done():
        run.advance(37 - run.seen % 37)      # blocks end where they would have, had the run never stopped
    run.result()
    return run


def _same(a: TrialRun, b: TrialRun) -> None:
    assert a.seen == b.seen
    assert [asdict(r) for r in a.results] == [asdict(r) for r in b.results]
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name]), name
    assert a.curve_seq == b.curve_seq
    assert np.array_equal(np.asarray(a.curve_err), np.asarray(b.curve_err), equal_nan=True)
    assert np.array_equal(np.asarray(a.curve_ok), np.asarray(b.curve_ok), equal_nan=True)
    assert [s for s, _ in a.checkpoints] == [s for s, _ in b.checkpoints]
    for (_, p), (_, q) in zip(a.checkpoints, b.checkpoints):
        assert all(np.array_equal(p[n], q[n]) for n in p)


CASES = {   # preset, run options, cap, where to cut (sequences): each kind of stopping rule once
    "Exp 4: ST3 on a test set, one trial of a row": (get_preset("exp4_adding_T100"), {"trial_ids": [2]}, 1500, 500),
    "Exp 1: tested every 100 sequences, 2 trials in lockstep": (get_preset("exp1_3x2_lr0.5"), {"trials": 2}, 1200, 450),
    "Exp 2c: a streak confirmed on a test set, trials solve after the cut": (SOLVES, {"trials": 3}, 2300, 700),
    "Exp 2b: the cell added (sequential construction) before the cut": (get_preset("exp2b_lstm_p100"),
                                                                        {"trial_ids": [1]}, 3700, 3400),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_continued_from_a_snapshot_ends_with_the_numbers_of_one_never_stopped(case):
    preset, opts, cap, cut = CASES[case]
    reference = _finish(TrialRun(preset, seed=3, max_sequences=cap, **opts))
    cut_run = TrialRun(preset, seed=3, max_sequences=cap, **opts)
    cut_run.advance(cut)
    cut_run.to_draw_boundary()
    assert cut_run.at_draw_boundary() and not cut_run.done()
    snap = read_snapshot(snapshot_bytes(cut_run, {"trial": 7}), {"trial": 7})
    assert snap["meta"]["seen"] == cut_run.seen >= cut
    again = TrialRun(preset, seed=3, max_sequences=cap, **opts)
    continue_from(again, snap)
    _same(reference, _finish(again))
    if case.startswith("Exp 2c"):
        assert any(r.solved for r in reference.results)
    if case.startswith("Exp 2b"):
        assert reference.results[0].grown_at is not None and reference.results[0].grown_at < snap["meta"]["seen"]


def test_a_snapshot_needs_a_run_at_a_draw_boundary():
    run = TrialRun(SOLVES, trials=1, max_sequences=2300)
    run.advance(37)                                   # inside the first pre-drawn chunk
    assert not run.at_draw_boundary()
    with pytest.raises(ValueError, match="draw boundary"):
        snapshot_bytes(run, {})
    run.to_draw_boundary()
    assert run.at_draw_boundary() and run.seen == run.chunk_size


def test_bytes_that_are_not_a_snapshot_of_this_trial_are_refused(tmp_path):
    run = TrialRun(SOLVES, trials=1, max_sequences=2300)
    run.advance(run.chunk_size)
    data = snapshot_bytes(run, {"trial": 0, "seed": 0})
    with pytest.raises(ValueError, match="trial 0, expected 1"):
        read_snapshot(data, {"trial": 1})
    for bad in (b"", b"not a zip", data[: len(data) // 2]):
        with pytest.raises(ValueError, match="snapshot"):
            read_snapshot(bad, {})
    row = Row(SOLVES, trials=3, seed=0, max_sequences=2300)     # a finished trial's file is no snapshot
    store = TrialStore.for_row(tmp_path, row)
    store.save(run_trial(TrialTask(SOLVES, 0, 0, 2300)))
    with pytest.raises(ValueError, match="not a trial snapshot"):
        read_snapshot(store.path(0).read_bytes(), {})


def _stopping_after(calls: int):
    n = [0]

    def should_stop() -> bool:
        n[0] += 1
        return n[0] > calls
    return should_stop


def _payloads_equal(a: dict, b: dict) -> None:
    assert asdict(a["result"]) == asdict(b["result"]) and a["seen"] == b["seen"]
    assert all(np.array_equal(a["params"][n], b["params"][n]) for n in a["params"])
    for name in ("curve_seq", "curve_err", "curve_ok"):
        assert np.array_equal(a[name], b[name], equal_nan=True), name
    assert [s for s, _ in a["checkpoints"]] == [s for s, _ in b["checkpoints"]]


def test_a_stopped_trial_returns_a_snapshot_and_going_on_from_it_gives_the_uninterrupted_payload():
    task = TrialTask(SOLVES, 0, 0, 2300, chunk=100, snapshot_every=3600.0)
    whole = run_trial(task)
    assert whole["result"].solved and "snapshot" not in whole
    stopped = run_trial(task, _stopping_after(40))    # 40 looks at the flag, STEP = 10 sequences each
    assert stopped["interrupted"] and isinstance(stopped["snapshot"], bytes)
    meta = read_snapshot(stopped["snapshot"], task.snapshot_meta())["meta"]
    assert 0 < meta["seen"] < whole["seen"]
    went_on = run_trial(replace(task, resume=stopped["snapshot"]))
    assert not went_on["interrupted"]
    _payloads_equal(whole, went_on)
    assert went_on["seconds"] >= stopped["seconds"]   # the trial's own time runs on from the snapshot's


def test_a_trial_under_way_sends_snapshots_with_its_reports_and_a_task_without_a_store_none():
    got: list[dict] = []
    task = TrialTask(SOLVES, 0, 1, 2300, chunk=100, snapshot_every=0.0)    # one at every look
    run_trial(task, report=got.append)
    snaps = [m for m in got if "snapshot" in m]
    assert len(snaps) >= 5
    for m in snaps:
        assert read_snapshot(m["snapshot"], task.snapshot_meta())["meta"]["seen"] == m["seen"]
    plain: list[dict] = []
    run_trial(replace(task, snapshot_every=None), report=plain.append)
    assert plain and not any("snapshot" in m for m in plain)


def test_a_snapshot_of_another_row_or_engine_is_not_resumed_from(monkeypatch):
    task = TrialTask(SOLVES, 0, 0, 2300, snapshot_every=3600.0)
    data = run_trial(task, _stopping_after(20))["snapshot"]
    for other in (replace(task, trial=1), replace(task, seed=1), replace(task, max_sequences=2000)):
        with pytest.raises(ValueError):
            run_trial(replace(other, resume=data))
    monkeypatch.setattr("lab.trials.engine_fingerprint", lambda: "other-engine")
    with pytest.raises(ValueError, match="engine"):
        run_trial(replace(task, resume=data))


def test_the_store_keeps_the_newest_snapshot_until_the_trial_ends(tmp_path):
    row = Row(SOLVES, trials=3, seed=0, max_sequences=2300)
    store = TrialStore.for_row(tmp_path, row)
    task = TrialTask(SOLVES, 0, 2, 2300, snapshot_every=3600.0)
    early = run_trial(task, _stopping_after(10))["snapshot"]
    later = run_trial(task, _stopping_after(30))["snapshot"]
    store.save_snapshot(2, early)
    store.save_snapshot(2, later)
    at = read_snapshot(later, {})["meta"]["seen"]
    assert store.snapshots() == {2: Snapshot(later, at)}
    assert store.save_snapshot(1, later) is None and "not kept" in store.notes[-1]   # trial 2's, not 1's
    store.snapshot_path(0).write_bytes(b"damaged")                          # as a later run finds it
    again = TrialStore.for_row(tmp_path, row)
    assert set(again.snapshots()) == {2} and any("trial-0.snapshot.npz: not used" in n for n in again.notes)
    store.snapshot_path(0).unlink()
    store.save(run_trial(TrialTask(SOLVES, 0, 2, 2300)))                   # trial 2 ends: its snapshot goes
    assert not store.snapshot_path(2).exists() and store.snapshots() == {}
    assert store.save_snapshot(2, later) is None                            # a late one changes nothing


def test_a_sweep_stopped_mid_trial_keeps_its_snapshot(tmp_path):
    """A row far from its end, stopped at its first progress record: the trial's snapshot is kept."""
    preset = get_preset("exp4_adding_T100")
    row = Row(preset, trials=1, seed=0, max_sequences=5_000_000)
    store = TrialStore.for_row(tmp_path, row)
    stop = Stop()

    def on_progress(p):
        if p.seen[0] > 0 and not stop:                 # once: a second request aborts the sweep
            stop.request()

    with LocalPool(1) as pool:
        outcome = list(run_rows([row], pool, chunk=50, stop=stop, on_progress=on_progress,
                                finish_interrupted=False, stores=[store]))[-1]
    assert outcome.interrupted
    snaps = store.snapshots()
    assert list(snaps) == [0]
    assert 0 < snaps[0].seen == read_snapshot(snaps[0].data, {})["meta"]["seen"] < 5_000_000


def test_the_command_goes_on_from_a_trial_under_way(tmp_path, capsys):
    """Trial 0 of a classroom row finished and trial 1 stopped mid-way, as an interrupted sweep leaves them:
    the same command goes on from trial 1's snapshot and writes what an uninterrupted sweep writes."""
    name, cap = "classroom_exp4_adding_T20", 300
    argv = ["reproduce", name, "--trials", "2", "--max-sequences", str(cap), "--workers", "1"]
    assert cli([*argv, "--results-dir", str(tmp_path / "fresh")]) == 0
    reference = json.loads((tmp_path / "fresh" / f"{name}.json").read_text())
    preset = get_preset(name)
    store = TrialStore.for_row(tmp_path / "resumed", Row(preset, trials=2, seed=0, max_sequences=cap))
    store.save(run_trial(TrialTask(preset, 0, 0, cap)))
    stopped = run_trial(TrialTask(preset, 0, 1, cap, snapshot_every=3600.0), _stopping_after(8))
    assert store.save_snapshot(1, stopped["snapshot"]) is not None
    at = read_snapshot(stopped["snapshot"], {})["meta"]["seen"]
    kept = kept_rows(tmp_path / "resumed")                # the snapshot is no finished trial, nor a bad file
    assert [(k.done, k.unreadable, k.running) for k in kept] == [((0,), 0, ((1, at),))]
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path / "resumed")]) == 0
    assert f"under way (snapshots): trial 1 at {at:,} sequences" in capsys.readouterr().out
    assert cli([*argv, "--results-dir", str(tmp_path / "resumed")]) == 0
    err = capsys.readouterr().err
    assert "resuming: 1 of 2 trials" in err
    assert f"1 trial(s) under way go on from their snapshots (trial 1 at {at:,}" in err
    got = json.loads((tmp_path / "resumed" / f"{name}.json").read_text())
    drop = ("seconds", "trials_resumed", "trial_seconds", "command")
    assert {k: v for k, v in got.items() if k not in drop} == {k: v for k, v in reference.items() if k not in drop}
    assert not (tmp_path / "resumed" / DIR).exists()


def test_a_row_with_only_trials_under_way_is_listed_with_where_they_stand(tmp_path, capsys):
    name, cap = "classroom_exp4_adding_T20", 300
    preset = get_preset(name)
    store = TrialStore.for_row(tmp_path, Row(preset, trials=preset.trials, seed=0, max_sequences=cap))
    stopped = run_trial(TrialTask(preset, 0, 3, cap, snapshot_every=3600.0), _stopping_after(8))
    store.save_snapshot(3, stopped["snapshot"])
    at = read_snapshot(stopped["snapshot"], {})["meta"]["seen"]
    (kept,) = kept_rows(tmp_path)
    assert (kept.done, kept.running, kept.cap, kept.resumable) == ((), ((3, at),), cap, True)
    assert kept.running_text() == f"trial 3 at {at:,} sequences"
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{name}: 0 of {preset.trials} trials kept" in out and f"under way (snapshots): trial 3 at {at:,}" in out
    note = under_way_note(kept)
    assert f"trial 3 at {at:,} sequences is kept where it stood, to go on from" in note
    assert under_way_frame([kept]).iloc[0]["Under way"] == f"{at:,} (trial 3)"
    store.snapshot_path(3).write_bytes(b"damaged")                        # a damaged snapshot: nothing under way
    assert kept_rows(tmp_path) == []


def test_a_snapshot_that_says_it_is_this_trials_but_holds_another_net_is_not_gone_on_from(tmp_path):
    row = Row(SOLVES, trials=3, seed=0, max_sequences=2300)
    store = TrialStore.for_row(tmp_path, row)
    other = TrialRun(get_preset("classroom_exp4_adding_T20"), trials=1, max_sequences=2300)
    other.advance(other.chunk_size)
    forged = snapshot_bytes(other, store._snapshot_meta(1))          # the right meta, another net's weights
    with pytest.raises(ValueError, match="not this net's"):
        continue_from(TrialRun(SOLVES, trial_ids=[1], max_sequences=2300), read_snapshot(forged, {}))
    store.save_snapshot(1, forged)
    assert store.snapshots() == {} and any("not this net's" in n for n in store.notes)
