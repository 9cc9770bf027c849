"""The Experiments page's paper box: our stored result of the chosen row beside the paper's numbers.

AppTest on a temporary ``runs/results`` (and no shipped runs, so that only the box is drawn), plus
the pure helpers of :mod:`ui.reproduce_table` that fill it.
"""

from __future__ import annotations

import json
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lab.trial_store import TrialStore, kept_rows
from lab.trials import Row, TrialTask, run_trial
from lstm_core.experiments import PRESETS
from tests.pagetools import REPRODUCE, experiments_page, isolate_page
from ui.reproduce_table import (
    NOT_YET,
    PARTLY,
    REPRODUCED,
    paper_numbers,
    stored_result_note,
    under_way_frame,
    under_way_note,
)

ROW = "exp4_adding_T100"
COMMAND = "python -m lstm_core reproduce exp4_adding_T100 --trials 2 --json runs/results/exp4_adding_T100.json"


def _result(trials: int, successes: int, mean: float | None, **extra) -> dict:
    return {"preset": ROW, "trials": trials, "seed": 0, "successes": successes, "success_rate": successes / trials,
            "sequences_to_success": [5000] * successes + [None] * (trials - successes), "mean_sequences": mean,
            "min_sequences": 5000 if successes else None, "max_sequences": 5000 if successes else None,
            "max_sequences_cap": 300_000, "test": {"test_size": 2560, "wrong_mean": 1.0, "wrong_max": 2.0},
            "seconds": 90.0, **extra}


@pytest.fixture()
def app(monkeypatch, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    isolate_page(monkeypatch, tmp_path / "no_shipped_runs", results)

    yield experiments_page, results
    st.cache_resource.clear()


def _paper_box(at: AppTest):
    """The table of the paper's numbers (AppTest does not expose a dataframe's key)."""
    return next(t.value.reset_index() for t in at.table if t.value.index.name == "Quantity")


def _box(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if "Our stored result" in m.value)


def test_the_paper_box_shows_our_best_stored_result_its_verdict_and_command(app):
    make, results = app
    (results / "small.json").write_text(json.dumps(_result(2, 1, 5000.0)))              # fewer trials: not the best
    (results / f"{ROW}.json").write_text(json.dumps(_result(10, 10, 80_000.0, command=COMMAND)))
    at = make(ROW)
    assert not at.exception, [e.value for e in at.exception]
    table = _paper_box(at)
    assert list(table.columns) == ["Quantity", "Paper", "Ours"]
    by = table.set_index("Quantity")
    assert by.loc["Trials", "Ours"] == "10" and by.loc["Sequences until success", "Paper"] == "74,000"
    assert by.loc["Sequences until success", "Ours"] == "80,000"
    assert by.loc["Success (%)", "Ours"] == "100"
    assert f"Our stored result: {REPRODUCED}" in _box(at)
    assert "10 of 10 trials" in _box(at) and "300,000 sequences" in _box(at)
    assert [c.value for c in at.code if c.value == COMMAND]


def test_the_paper_box_says_not_yet_run_when_no_result_is_stored(app):
    make, _ = app
    at = make("exp4_adding_T500")
    assert not at.exception, [e.value for e in at.exception]
    table = _paper_box(at)
    assert list(table.columns) == ["Quantity", "Paper"]
    assert f"Our stored result: {NOT_YET}" in _box(at)


def test_our_numbers_stand_in_the_rows_of_the_papers_that_they_answer():
    paper = PRESETS[ROW].paper
    table = paper_numbers(paper, _result(2, 1, 5000.0)).set_index("Quantity")
    assert table.loc["Success (%)", "Ours"] == "50"
    assert table.loc["Wrong on the test set", "Ours"].startswith("1 of 2,560 wrong")
    assert table.loc["Method", "Ours"] == ""                                   # nothing of ours to compare
    assert table.loc["Weights", "Ours"] == ""                                  # unless our count is given:
    mine = paper_numbers(paper, _result(2, 1, 5000.0), weights=89).set_index("Quantity")
    t1000 = paper_numbers(PRESETS["exp4_adding_T1000"].paper).set_index("Quantity")
    assert t1000.loc["Fewest sequences (a trial)", "Paper"] == "370,000"        # counts read as counts
    assert (mine.loc["Weights", "Paper"], mine.loc["Weights", "Ours"]) == (str(paper["weights"]), "89")
    big = paper_numbers(PRESETS["exp2c_q500_p500"].paper, _result(2, 1, 5000.0), weights=3040).set_index("Quantity")
    assert (big.loc["Weights", "Paper"], big.loc["Weights", "Ours"]) == ("3,064", "3,040")   # written alike
    assert PARTLY in stored_result_note(paper, _result(2, 1, 5000.0), ROW)
    assert "Interrupted" in stored_result_note(paper, _result(2, 1, 5000.0, interrupted=True), ROW)


def test_the_note_says_a_row_run_in_pieces_took_more_than_its_last_run():
    paper = PRESETS[ROW].paper
    one_go = stored_result_note(paper, _result(2, 1, 5000.0, seconds=2340.0), ROW)
    assert "39 min of computing" in one_go and "pieces" not in one_go
    assert "of computing" not in stored_result_note(paper, _result(2, 1, 5000.0, seconds=20.0), ROW)
    pieces = _result(20, 2, 5000.0, seconds=2340.0, trials_resumed=15)
    note = stored_result_note(paper, pieces, ROW)
    assert "run in pieces: 15 of its 20 trials were kept from earlier runs" in note
    assert "its last run took 39 min" in note and "39 min of computing" not in note
    assert "in all" not in note                                     # the file does not say (made before it did)
    note = stored_result_note(paper, {**pieces, "trial_seconds": 12 * 3600.0}, ROW)
    assert "its trials took 12.0 h of one core's time in all" in note


# ----------------------------------------------------------------------------- rows under way, in pieces

KEPT_CAP = 20                                      # two trials of the paper row, each run to a cap of 20 sequences


def _keep_two(results) -> TrialStore:
    """Trials 0 and 2 of ROW's full row, kept as a sweep keeps them (to KEPT_CAP: neither solves)."""
    store = TrialStore.for_row(results, Row(PRESETS[ROW], PRESETS[ROW].trials, 0, KEPT_CAP))
    for k in (0, 2):
        store.save(run_trial(TrialTask(PRESETS[ROW], 0, k, KEPT_CAP)))
    return store


def test_the_paper_box_and_the_reproduce_page_show_a_row_under_way_and_the_command_that_goes_on(app):
    make, results = app
    (results / f"{ROW}.json").write_text(json.dumps(_result(10, 10, 80_000.0, command=COMMAND)))
    _keep_two(results)
    resume = f"python -m lstm_core reproduce {ROW} --max-sequences {KEPT_CAP} --results-dir runs/results"
    at = make(ROW)
    assert not at.exception, [e.value for e in at.exception]
    note = " ".join(m.value for m in at.markdown if "Under way" in m.value)
    assert f"kept in `runs/results/.trials/{ROW}-" in note
    assert f"2 of its {PRESETS[ROW].trials} trials have ended (each trains up to 20 sequences), 0 of them solved" \
        in note
    assert [c.value for c in at.code if c.value == resume] and [c.value for c in at.code if c.value == COMMAND]
    other = make("exp4_adding_T500")                                          # another row: nothing under way
    assert not [m for m in other.markdown if "Under way" in m.value]

    page = AppTest.from_file(REPRODUCE, default_timeout=60).run()
    assert not page.exception, [e.value for e in page.exception]
    (table,) = [df.value for df in page.dataframe if "Kept" in df.value.columns]
    assert table.to_dict("records") == [{"Row": PRESETS[ROW].title, "Kept": f"2 of {PRESETS[ROW].trials}",
                                         "Solved": "0", "Under way": "-", "Cap": "20",
                                         "Core time": table.iloc[0, 5], "Left": table.iloc[0, 6], "Resumes": "yes"}]
    assert re.fullmatch(r"\d+ s|-", table.iloc[0, 5])          # two trials of 20 sequences: seconds at most
    assert [c.value for c in page.code if c.value == resume]


def test_the_reproduce_page_has_no_under_way_block_when_no_row_is(app):
    _, results = app
    page = AppTest.from_file(REPRODUCE, default_timeout=60).run()
    assert not page.exception and not [df for df in page.dataframe if "Kept" in df.value.columns]


def test_a_row_kept_by_another_engine_offers_no_command(app, monkeypatch):
    import lab.trial_store as trial_store

    _, results = app
    _keep_two(results)
    monkeypatch.setattr(trial_store, "engine_fingerprint", lambda: "other code")
    (kept,) = kept_rows(results)
    note = under_way_note(kept)
    assert "by a different version of the engine" in note and "--force" not in note
    assert under_way_frame([kept]).iloc[0]["Resumes"].startswith("no")
    from dataclasses import replace
    long = replace(kept, seconds=3 * 86400.0, solved=1)
    assert "1 of them solved, 3.0 days of one core's time" in under_way_note(long)
    left = PRESETS[ROW].trials - 2
    assert f"(the other {left} trials: about {1.5 * left:.1f} days more)" in under_way_note(long)
    assert under_way_frame([long]).iloc[0]["Left"] == f"≈ {1.5 * left:.1f} days"
    assert "(not with `--force`" in under_way_note(replace(long, resumable=True))
