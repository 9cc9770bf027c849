"""The Exp 2a stopping rule, our stored reproductions, and the estimate table of docs/reproduce.md."""

from __future__ import annotations

import json

import pytest

from lstm_core.experiments import PRESETS, get_preset
from scripts.estimate_paper_rows import (
    DOC,
    END,
    RESULTS,
    START,
    load_results,
    measure_rate,
    needed_trial_sequences,
    paper_rows,
    render_table,
    write_doc,
)

EXP2A = [p for p in PRESETS.values() if p.experiment == "2a" and not p.classroom]
SUMMARY_KEYS = {"preset", "trials", "seed", "successes", "success_rate", "sequences_to_success", "mean_sequences",
                "min_sequences", "max_sequences", "sequences_seen", "max_sequences_cap", "diverged", "seconds",
                "interrupted", "paper", "experiment"}


@pytest.mark.parametrize("preset", EXP2A, ids=lambda p: p.name)
def test_exp2a_rows_stop_by_the_papers_rule(preset):
    # spec §4.2 / Table 11: ABS(0.25) on every output at every step, 10,000 successive sequences,
    # no test set, at most 5 million sequences, 18 trials
    rule = preset.stop
    assert (rule.kind, rule.beta, rule.window, rule.abs_at_end_only, rule.test_size, rule.max_sequences) == (
        "abs", 0.25, 10_000, False, 0, 5_000_000)
    assert preset.trials == 18 and preset.task == "lag_2a"


def test_the_trial_sequences_a_row_needs_weigh_successes_by_their_mean_and_failures_by_the_cap():
    need, cap_all = needed_trial_sequences(get_preset("exp2a_rtrl_p4_lr1"))
    assert need == pytest.approx(18 * (0.78 * 1_043_000 + 0.22 * 5_000_000))
    assert cap_all == 18 * 5_000_000
    need, _ = needed_trial_sequences(get_preset("exp2a_rtrl_p10"))         # 0 %: every trial to the cap
    assert need == 18 * 5_000_000
    need, _ = needed_trial_sequences(get_preset("exp4_adding_T100"))       # no % given: all succeed
    assert need == 10 * 74_000


def test_every_stored_reproduction_has_the_reproduce_json_format():
    files = sorted(RESULTS.glob("*.json"))
    assert files
    for f in files:
        d = json.loads(f.read_text())
        assert SUMMARY_KEYS <= set(d), f.name
        assert f.stem == d["preset"] and d["preset"] in PRESETS
        assert len(d["sequences_to_success"]) == d["trials"]
        assert d["successes"] == sum(s is not None for s in d["sequences_to_success"])
    assert set(load_results()) == {f.stem for f in files}


def test_the_table_has_one_line_per_paper_row_and_shows_our_results():
    results = {"exp2a_rtrl_p4_lr1": {"successes": 3, "trials": 18, "max_sequences_cap": 100, "mean_sequences": 50,
                                     "min_sequences": 40, "max_sequences": 60, "seconds": 120}}
    table = render_table({"exp2a_rtrl_p4_lr1": {"rate": 18_000.0}}, results)
    lines = table.splitlines()[2:]
    assert [ln.split(" | ")[0].strip("| ") for ln in lines] == [p.name for p in paper_rows()]
    row = next(ln for ln in lines if ln.startswith("| exp2a_rtrl_p4_lr1 "))
    assert "3/18 within 100, mean 50 (40-60)" in row
    assert "18,000" in row


def test_the_tables_times_use_the_pages_formatter_and_a_row_run_in_pieces_says_so():
    """One duration format for the page and the doc (days from 48 h on); a resumed row's wall time is its last
    piece's, so the cell says it was run in pieces, as the Experiments page does."""
    results = {"exp2a_rtrl_p4_lr1": {"successes": 3, "trials": 18, "max_sequences_cap": 100, "seconds": 2400,
                                     "trials_resumed": 12, "trial_seconds": 30000}}
    table = render_table({"exp2a_rtrl_p4_lr1": {"rate": 1.0}}, results)
    row = next(ln for ln in table.splitlines() if ln.startswith("| exp2a_rtrl_p4_lr1 "))
    assert "run in pieces: 12 of its 18 trials were kept" in row and "its last run took 40 min" in row
    assert "8.3 h of one core's time" in row
    assert " days |" in row                       # 18 trials x 5,000,000 at 1 trial-seq/s


def test_writing_the_table_replaces_only_the_marked_block(tmp_path):
    doc = tmp_path / "r.md"
    doc.write_text(f"# Title\n\nintro\n\n{START}\nold\n{END}\n\nafter\n")
    write_doc("NEW", doc)
    write_doc("NEWER", doc)
    text = doc.read_text()
    assert text == f"# Title\n\nintro\n\n{START}\nNEWER\n{END}\n\nafter\n"


def test_the_shipped_doc_carries_the_marked_table():
    text = DOC.read_text()
    assert START in text and END in text
    assert text.count("\n| exp") >= len(paper_rows())


def test_measuring_a_rate_trains_the_presets_trials_and_counts_trial_sequences():
    m = measure_rate(get_preset("exp2a_rtrl_p4_lr1"), budget=0.01, min_sequences=20)
    assert m["trials"] == 18 and m["sequences"] >= 20
    assert m["rate"] == pytest.approx(m["sequences"] * 18 / m["cpu_seconds"])
