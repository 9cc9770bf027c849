"""The README's results table is the Reproduce page's table, written from runs/results/ (scripts/results_table)."""

from __future__ import annotations

import pytest

from scripts import results_table as rt


def test_the_readme_table_is_current_with_the_stored_results():
    assert rt.main(["--check"]) == 0, "run: python -m scripts.results_table"


def test_a_row_without_a_stored_result_is_marked_not_yet_run_and_a_stored_one_shows_its_command():
    stored = {"preset": "exp4_adding_T100", "trials": 3, "seed": 0, "successes": 2, "success_rate": 2 / 3,
              "sequences_to_success": [10, 30, None], "mean_sequences": 20.0, "min_sequences": 10,
              "max_sequences": 30, "max_sequences_cap": 40, "command": "python -m lstm_core reproduce x"}
    text = rt.markdown([stored])
    row = next(line for line in text.splitlines() if line.startswith("| Exp 4 · adding, T=100 |"))
    assert "2/3" in row and "20 (10–30)" in row and "`python -m lstm_core reproduce x`" in row
    assert "3 (40)" in row
    other = next(line for line in text.splitlines() if line.startswith("| Exp 4 · adding, T=500 |"))
    assert "not yet run" in other


def test_the_markers_must_be_there():
    with pytest.raises(ValueError):
        rt.replace_between("no markers here", "x")
    assert rt.replace_between(f"a{rt.START}old{rt.END}b", "new") == f"a{rt.START}\nnew\n{rt.END}b"
