"""A sweep row's finished trials kept on disk (``lab.trial_store``): a resumed row trains only the others.

The same tiny Exp 2c row as tests/test_reproduce_sweep.py (three trials, two solve within 2,300 sequences).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

import lab.trial_store as trial_store
from lab.backends import LocalPool
from lab.combine import combine
from lab.sweep import run_rows
from lab.trial_store import DIR, DONE_DIR, TrialStore, row_key
from lab.trials import Row, TrialTask, run_trial
from lstm_core.__main__ import main as cli
from lstm_core.experiments import get_preset

_2C = get_preset("classroom_exp2c_q10_p10")
SOLVES = replace(_2C, name="tiny_2c", trials=3, stop=replace(_2C.stop, window=100, test_size=100, max_sequences=2300))
ROW = Row(SOLVES, trials=3, seed=0, max_sequences=2300)


def _no_time(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in ("seconds", "trials_resumed", "trial_seconds")}


@pytest.fixture(scope="module")
def payloads():
    """Each trial of ROW trained alone in this process, and the row's summary from them."""
    ps = [run_trial(TrialTask(SOLVES, 0, k, ROW.max_sequences)) for k in range(ROW.trials)]
    return ps, combine(SOLVES, ps)


class CountingPool(LocalPool):
    """A LocalPool that remembers which trials it was given."""

    def __init__(self, workers):
        super().__init__(workers)
        self.submitted: list[int] = []

    def submit(self, task):
        self.submitted.append(task.trial)
        return super().submit(task)


def _run(store: TrialStore) -> dict:
    pool = CountingPool(1)
    try:
        outcome = next(iter(run_rows([ROW], pool, stores=[store])))
    finally:
        pool.close()
    return {"summary": outcome.summary, "submitted": pool.submitted}


def test_a_stored_trial_reads_back_as_the_payload_it_was(payloads, tmp_path):
    store = TrialStore.for_row(tmp_path, ROW)
    for p in payloads[0]:
        store.save(p)
    back = store.load()
    assert sorted(back) == [0, 1, 2] and not store.notes
    for k, p in enumerate(payloads[0]):
        q = back[k]
        assert q["result"] == p["result"] and q["seen"] == p["seen"] and q["interrupted"] is False
        for name in p["params"]:
            np.testing.assert_array_equal(q["params"][name], p["params"][name])
        for name in ("curve_seq", "curve_err", "curve_ok"):
            np.testing.assert_array_equal(q[name], p[name])
        assert [s for s, _ in q["checkpoints"]] == [s for s, _ in p["checkpoints"]]
        for (_, a), (_, b) in zip(q["checkpoints"], p["checkpoints"]):
            for name in a:
                np.testing.assert_array_equal(a[name], b[name])
    assert _no_time(combine(SOLVES, list(back.values()))) == _no_time(payloads[1])


def test_a_resumed_row_trains_only_the_trials_not_stored_and_gives_the_same_numbers(payloads, tmp_path):
    ps, reference = payloads
    assert 0 < reference["successes"] < 3
    store = TrialStore.for_row(tmp_path, ROW)
    store.save(ps[0])
    store.save(ps[2])
    got = _run(store)
    assert got["submitted"] == [1]
    assert _no_time(got["summary"]) == _no_time(reference)
    assert got["summary"]["trials_resumed"] == 2
    kept = TrialStore.for_row(tmp_path, ROW).load()
    assert sorted(kept) == [0, 1, 2]                                          # the new trial was stored too
    # the row's time in all: every trial's own seconds, the kept ones' included (seconds: this run's wall only)
    assert got["summary"]["trial_seconds"] == pytest.approx(sum(kept[k]["seconds"] for k in kept))
    assert got["summary"]["trial_seconds"] > ps[0]["seconds"] + ps[2]["seconds"]
    fresh = _run(TrialStore.for_row(tmp_path / "empty", ROW))                # nothing stored: all trials run
    assert fresh["submitted"] == [0, 1, 2] and not {"trials_resumed", "trial_seconds"} & set(fresh["summary"])
    assert _no_time(fresh["summary"]) == _no_time(reference)


def test_a_damaged_file_or_one_of_another_row_is_not_used_and_its_trial_is_trained_again(payloads, tmp_path):
    ps, reference = payloads
    other = TrialStore.for_row(tmp_path, replace(ROW, seed=1))
    other.save({**ps[0], "seed": 1})
    store = TrialStore.for_row(tmp_path, ROW)
    store.folder.mkdir(parents=True)
    shutil.copy(other.path(0), store.path(0))                     # trial 0 of seed 1, in seed 0's folder
    store.path(1).write_bytes(b"not an npz at all")
    store.save(ps[2])
    assert sorted(store.load()) == [2]
    assert any("trial-0.npz: not used" in n and "key" in n for n in store.notes)
    assert any("trial-1.npz: not used" in n for n in store.notes)
    got = _run(TrialStore.for_row(tmp_path, ROW))
    assert got["submitted"] == [0, 1]
    assert _no_time(got["summary"]) == _no_time(reference)


def test_a_file_with_bad_values_is_not_used(payloads, tmp_path):
    store = TrialStore.for_row(tmp_path, ROW)
    store.save(payloads[0][0])
    with np.load(store.path(0)) as z:
        arrays = {n: z[n] for n in z.files}
    meta = json.loads(str(arrays["meta"][()]))
    meta["result"]["sequences"] = "many"
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(store.path(0), **arrays)
    assert store.load() == {} and "result.sequences" in store.notes[0]


def test_a_stopped_trial_is_not_stored(payloads, tmp_path):
    store = TrialStore.for_row(tmp_path, ROW)
    assert store.save({**payloads[0][0], "interrupted": True}) is None
    assert store.save({"row": 0, "trial": 1, "started": False}) is None
    assert not store.folder.exists()


def test_other_engine_code_or_other_settings_give_another_key_but_the_trial_count_does_not(monkeypatch):
    key = row_key(ROW)
    assert row_key(replace(ROW, trials=18)) == key
    assert row_key(replace(ROW, seed=1)) != key
    assert row_key(replace(ROW, max_sequences=2000)) != key
    assert row_key(replace(ROW, preset=replace(SOLVES, lr=SOLVES.lr * 2))) != key
    worded = replace(SOLVES, title="another title", description="other words", deviations=("a new note",),
                     paper={"table": 0}, section="§0")
    assert row_key(replace(ROW, preset=worded)) == key                 # words about the preset change nothing
    monkeypatch.setattr(trial_store, "engine_fingerprint", lambda: "other engine")
    assert row_key(ROW) != key


def test_the_engine_fingerprint_skips_the_preset_registry_and_only_it(tmp_path, monkeypatch):
    """A copy of lstm_core: editing a preset's words leaves the fingerprint, editing a kernel changes it."""
    import shutil as sh
    from pathlib import Path

    import lab.trials as trials
    import lstm_core

    src = Path(lstm_core.__file__).parent
    copy = tmp_path / "lstm_core"
    sh.copytree(src, copy, ignore=sh.ignore_patterns("__pycache__"))
    base = trials.tree_hash(copy, skip=trials.PRESET_TEXT_MODULES)
    (copy / "experiments" / "paper.py").write_text((copy / "experiments" / "paper.py").read_text() + "\n# words\n")
    assert trials.tree_hash(copy, skip=trials.PRESET_TEXT_MODULES) == base
    (copy / "nets" / "kernels_lstm.py").write_text((copy / "nets" / "kernels_lstm.py").read_text() + "\n# code\n")
    assert trials.tree_hash(copy, skip=trials.PRESET_TEXT_MODULES) != base


def test_the_engine_key_changes_with_the_code_and_not_with_its_words(tmp_path):
    """code_only: comments, docstrings and layout leave the hash; a changed number or name does not."""
    import lab.trials as trials

    pkg = tmp_path / "eng"
    pkg.mkdir()
    src = ('"""Module words."""\n\n\ndef f(x):\n    """f\'s words."""\n    return x + 1  # a comment\n\n\n'
           'class A:\n    """A."""\n')
    (pkg / "k.py").write_text(src)
    base = trials.tree_hash(pkg, code_only=True)
    assert trials.tree_hash(pkg) != base                                     # the whole file is another hash
    for same in (src.replace("Module words.", "Other words."), src.replace("# a comment", "# changed"),
                 src.replace("f\'s words.", "f: (B, T) -> (B, T)"), src.replace("x + 1", "x  +  1"),
                 src.replace('    """f\'s words."""\n', "")):
        (pkg / "k.py").write_text(same)
        assert trials.tree_hash(pkg, code_only=True) == base, same
    for other in (src.replace("x + 1", "x + 2"), src.replace("return x", "return -x"),
                  src.replace("class A:\n    \"\"\"A.\"\"\"\n", "class A:\n    n = 'A.'\n")):
        (pkg / "k.py").write_text(other)
        assert trials.tree_hash(pkg, code_only=True) != base, other
    (pkg / "k.py").write_text("def broken(:\n")                             # does not parse: hashed as it is
    assert trials.tree_hash(pkg, code_only=True) != base


def test_clear_removes_the_rows_trials_and_the_folder_once_empty(payloads, tmp_path):
    a = TrialStore.for_row(tmp_path, ROW)
    b = TrialStore.for_row(tmp_path, replace(ROW, seed=1))
    a.save(payloads[0][0])
    b.save({**payloads[0][0], "seed": 1})
    a.clear()
    assert not a.folder.exists() and b.folder.exists()
    b.clear()
    assert not (tmp_path / DIR).exists()


def test_retire_moves_a_finished_rows_trials_to_trials_done_replacing_an_earlier_copy(payloads, tmp_path):
    a = TrialStore.for_row(tmp_path, ROW)
    b = TrialStore.for_row(tmp_path, replace(ROW, seed=1))
    a.save(payloads[0][0])
    b.save({**payloads[0][0], "seed": 1})
    done = a.retire()
    assert done == tmp_path / DONE_DIR / a.folder.name and not a.folder.exists() and b.folder.exists()
    assert sorted(p.name for p in done.iterdir()) == ["trial-0.npz"]
    a.save(payloads[0][1])                                   # the row run again (--force) and ended again
    assert a.retire() == done and sorted(p.name for p in done.iterdir()) == ["trial-1.npz"]
    b.retire()
    assert not (tmp_path / DIR).exists()
    assert TrialStore.for_row(tmp_path, replace(ROW, seed=2)).retire() is None          # nothing stored


def test_retire_removes_the_trials_when_they_cannot_be_moved(payloads, tmp_path):
    a = TrialStore.for_row(tmp_path, ROW)
    a.save(payloads[0][0])
    (tmp_path / DONE_DIR).write_text("a file where the folder should be")
    assert a.retire() is None
    assert not a.folder.exists() and not (tmp_path / DIR).exists()


def test_the_command_resumes_a_row_from_its_stored_trials(tmp_path, capsys):
    """Trials 0 and 1 of a classroom row stored as an interrupted sweep leaves them; the same command then
    trains trial 2 only, and writes what an uninterrupted sweep writes."""
    name, cap = "classroom_exp4_adding_T20", 300
    argv = ["reproduce", name, "--trials", "3", "--max-sequences", str(cap), "--workers", "1"]
    assert cli([*argv, "--results-dir", str(tmp_path / "fresh")]) == 0
    reference = json.loads((tmp_path / "fresh" / f"{name}.json").read_text())
    preset = get_preset(name)
    row = Row(preset, trials=3, seed=0, max_sequences=cap)
    store = TrialStore.for_row(tmp_path / "resumed", row)
    for k in (0, 1):
        store.save(run_trial(TrialTask(preset, 0, k, cap)))
    capsys.readouterr()
    assert cli([*argv, "--results-dir", str(tmp_path / "resumed")]) == 0
    err = capsys.readouterr().err
    assert "resuming: 2 of 3 trials" in err
    got = json.loads((tmp_path / "resumed" / f"{name}.json").read_text())
    assert got["trials_resumed"] == 2
    assert got["trial_seconds"] > 0 and "trial_seconds" not in reference
    drop = ("seconds", "trials_resumed", "trial_seconds", "command")
    assert {k: v for k, v in got.items() if k not in drop} == {k: v for k, v in reference.items() if k not in drop}
    assert not (tmp_path / "resumed" / DIR).exists()


def test_the_files_are_read_once_until_the_store_changes(payloads, tmp_path):
    store = TrialStore.for_row(tmp_path, ROW)
    store.save(payloads[0][0])
    assert sorted(store.load()) == [0]
    store.path(0).unlink()                                   # a second call does not read the folder again
    assert sorted(store.load()) == [0]
    store.save(payloads[0][1])                               # a save does: trial 0's file is gone now
    assert sorted(store.load()) == [1]


# ----------------------------------------------------------------------------- rows under way, as the pages see them


def _keep(results, payloads, trials=(0, 1), cap=ROW.max_sequences) -> TrialStore:
    """Keep ``payloads``' trials ``trials`` as trials of the registered preset _2C's full row (cap ``cap``)."""
    store = TrialStore.for_row(results, Row(_2C, _2C.trials, 0, cap))
    for k in trials:
        store.save(payloads[0][k])
    return store


def test_a_retired_row_is_listed_as_finished_not_as_under_way(payloads, tmp_path):
    store = _keep(tmp_path, payloads)
    other = _keep(tmp_path, payloads, trials=(1,), cap=2400)
    done = store.retire()
    assert [k.folder for k in trial_store.kept_rows(tmp_path)] == [other.folder]
    (finished,) = trial_store.kept_rows(tmp_path, finished=True)
    assert (finished.preset, finished.folder, finished.done, finished.cap) == (_2C.name, done, (0, 1), 2300)
    assert trial_store.kept_rows(tmp_path, preset="exp4_adding_T100", finished=True) == []


def test_kept_rows_count_a_rows_kept_trials_its_solved_ones_and_its_time(payloads, tmp_path):
    store = _keep(tmp_path, payloads)
    (kept,) = trial_store.kept_rows(tmp_path)
    solved = sum(payloads[0][k]["result"].solved for k in (0, 1))
    assert (kept.preset, kept.trials, kept.seed, kept.cap, kept.done) == (_2C.name, _2C.trials, 0, 2300, (0, 1))
    assert kept.solved == solved and kept.resumable and kept.unreadable == 0 and kept.folder == store.folder
    assert kept.seconds == pytest.approx(sum(payloads[0][k]["seconds"] for k in (0, 1)))
    assert kept.seconds_left == pytest.approx(kept.seconds / 2 * (_2C.trials - 2))   # the others at the mean
    assert replace(kept, done=tuple(range(_2C.trials))).seconds_left == 0.0              # nothing left
    assert kept.command() == f"python -m lstm_core reproduce {_2C.name} --max-sequences 2300 --results-dir runs/results"
    assert "--force" not in kept.command()


def test_kept_rows_count_bad_files_and_skip_folders_that_are_no_rows(payloads, tmp_path):
    store = _keep(tmp_path, payloads)
    (store.folder / "trial-2.npz").write_bytes(b"not a zip")                      # unreadable: counted
    shutil.copy(store.path(0), store.folder / "trial-3.npz")                     # trial 0's file under 3's name
    (tmp_path / DIR / "no_such_preset-0123456789ab").mkdir()                     # a preset this lab does not have
    shutil.copy(store.path(0), tmp_path / DIR / "no_such_preset-0123456789ab" / "trial-0.npz")
    (tmp_path / DIR / f"{_2C.name}-ffffffffffff").mkdir()                        # files whose key is not the folder's
    shutil.copy(store.path(1), tmp_path / DIR / f"{_2C.name}-ffffffffffff" / "trial-1.npz")
    (kept,) = trial_store.kept_rows(tmp_path)
    assert kept.done == (0, 1) and kept.unreadable == 2
    assert trial_store.kept_rows(tmp_path / "nowhere") == []
    assert trial_store.kept_rows(tmp_path, preset=_2C.name) == [kept]                # one preset's folders only
    assert trial_store.kept_rows(tmp_path, preset="exp4_adding_T100") == []
    (tmp_path / "file").write_text("")
    assert trial_store.kept_rows(tmp_path / "file") == []                          # a file where the folder was


def test_an_unreadable_trials_folder_reads_as_nothing_under_way(payloads, tmp_path, monkeypatch):
    _keep(tmp_path, payloads)

    def refuse(self):
        raise PermissionError("denied")

    monkeypatch.setattr(trial_store.Path, "iterdir", refuse)
    assert trial_store.kept_rows(tmp_path) == []


def test_a_row_kept_by_another_engine_is_shown_as_not_resuming_here(payloads, tmp_path, monkeypatch):
    _keep(tmp_path, payloads, trials=(1,))
    monkeypatch.setattr(trial_store, "engine_fingerprint", lambda: "other code")
    (kept,) = trial_store.kept_rows(tmp_path)
    assert kept.done == (1,) and not kept.resumable


def test_the_command_line_lists_the_rows_under_way_and_how_to_go_on(payloads, tmp_path, capsys):
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path)]) == 0
    assert f"No row is under way in {tmp_path}/.trials." in capsys.readouterr().out
    _keep(tmp_path, payloads)
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{_2C.name}: 2 of {_2C.trials} trials kept" in out and "this checkout goes on from them" in out
    assert f"python -m lstm_core reproduce {_2C.name} --max-sequences 2300 --results-dir {tmp_path}" in out
    assert not list(tmp_path.glob("*.json"))                                      # it trains and writes nothing
    assert ".trials-done" not in out
    _keep(tmp_path, payloads, trials=(0,), cap=2400).retire()                     # a row that ended
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Finished rows whose trials are kept in {tmp_path}/.trials-done" in out
    assert f"  {_2C.name}: 1 of {_2C.trials} trials, " in out
    assert f"{_2C.name}: 2 of {_2C.trials} trials kept" in out                   # the row under way, still listed


@pytest.mark.parametrize("extra, why", [(["--all"], "takes no --all"), ([_2C.name, "--force"], "PRESET, --force")])
def test_listing_the_rows_under_way_refuses_options_that_would_train(tmp_path, capsys, extra, why):
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path), *extra]) == 2
    assert why in capsys.readouterr().err


def test_listing_the_rows_under_way_needs_a_folder(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert cli(["reproduce", "--under-way", "--results-dir", str(tmp_path / "file")]) == 2
    assert "is not a folder" in capsys.readouterr().err
