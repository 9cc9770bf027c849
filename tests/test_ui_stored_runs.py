"""The pages' one reader of ``runs/results`` (``ui.stored_runs``): the same as the file readers, read again
only when a file changed, and a changed, added, damaged or removed file shows at the next call."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import lab.results as results
import lab.trial_store as trial_store
from ui import stored_runs as sr
from ui.reproduce_table import best_results

SHIPPED = Path(results.RESULTS_DIR)
FILES = ("exp1_3x2_lr0.1.json", "exp3a_T100_N1.json", "exp4_adding_T100.json")


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A results folder with two stored results, the cache empty, and how often each reader ran."""
    for name in FILES[:2]:
        shutil.copy(SHIPPED / name, tmp_path / name)
    calls = {"results": 0, "kept": 0}
    read_results, read_kept = results.results_table, trial_store.kept_rows

    def results_table(*a, **k):
        calls["results"] += 1
        return read_results(*a, **k)

    def kept_rows(*a, **k):
        calls["kept"] += 1
        return read_kept(*a, **k)

    monkeypatch.setattr(results, "results_table", results_table)
    monkeypatch.setattr(trial_store, "kept_rows", kept_rows)
    sr._read.clear()
    yield tmp_path, calls
    sr._read.clear()


def test_the_shipped_files_are_in_place():
    assert all((SHIPPED / name).is_file() for name in FILES)


def test_they_equal_what_the_file_readers_give(counted):
    root, _ = counted
    runs = sr.stored_runs(root)
    problems: list = []
    rows = results.results_table(root, problems=problems)
    assert runs.results == rows and runs.problems == problems == []
    assert runs.best == best_results(rows) and set(runs.best) == {"exp1_3x2_lr0.1", "exp3a_T100_N1"}
    assert runs.kept == trial_store.kept_rows(root) == [] and runs.under_way("exp3a_T100_N1") == []


def test_the_default_folder_is_looked_up_at_the_call(counted, monkeypatch):
    root, _ = counted
    monkeypatch.setattr(results, "RESULTS_DIR", root)                 # as the pages' tests point it elsewhere
    assert {r["file"] for r in sr.stored_runs().results} == set(FILES[:2])


def test_the_files_are_read_once_while_nothing_changes(counted):
    root, calls = counted
    first = sr.stored_runs(root)
    for _ in range(3):
        assert sr.stored_runs(root) == first
    assert calls == {"results": 1, "kept": 1}


def test_an_added_changed_damaged_or_removed_file_shows_at_the_next_call(counted):
    root, calls = counted
    assert len(sr.stored_runs(root).results) == 2
    shutil.copy(SHIPPED / FILES[2], root / FILES[2])                              # a row finished
    assert "exp4_adding_T100" in sr.stored_runs(root).best and calls["results"] == 2

    path = root / FILES[0]                                                        # rewritten (same size even)
    text = path.read_text()
    tmp = root / "tmp.part"
    tmp.write_text(text.replace('"seed": 0', '"seed": 7') if '"seed": 0' in text else text)
    os.replace(tmp, path)
    sr.stored_runs(root)
    assert calls["results"] == 3

    path.write_text("{ not json")                                                 # damaged: named, not shown
    runs = sr.stored_runs(root)
    assert [p.name for p, _ in runs.problems] == [FILES[0]] and "exp1_3x2_lr0.1" not in runs.best

    path.unlink()
    runs = sr.stored_runs(root)
    assert runs.problems == [] and {r["file"] for r in runs.results} == set(FILES[1:])
    assert calls["results"] == 5


def test_a_kept_trial_written_or_removed_is_read_again(counted):
    root, calls = counted
    sr.stored_runs(root)
    folder = root / trial_store.DIR / "exp2c_q1000_p500-0123456789ab"
    folder.mkdir(parents=True)
    sr.stored_runs(root)                                                          # a new row under way
    (folder / "trial-0.npz").write_bytes(b"not a trial")                          # its first trial kept
    sr.stored_runs(root)
    (folder / "trial-1.npz.part").write_bytes(b"half written")                    # not a trial (yet): no read
    sr.stored_runs(root)
    assert calls["kept"] == 3
    shutil.rmtree(root / trial_store.DIR)                     # the row finished: the files of the first call again,
    assert sr.stored_runs(root).kept == [] and calls["kept"] == 3       # so its read is the answer


def test_a_missing_folder_holds_nothing(tmp_path):
    runs = sr.stored_runs(tmp_path / "nowhere")
    assert (runs.results, runs.problems, runs.best, runs.kept) == ([], [], {}, [])
    assert sr.signature(tmp_path / "nowhere") == ((), ())
