"""The README's results table is the Reproduce page's table, and docs/reproduce.md's table lists the stored
commands; both written from runs/results/ (scripts/results_table)."""

from __future__ import annotations

import pytest

from lab.results import results_table
from scripts import results_table as rt
from ui.reproduce_table import comparison_table


def _stored(preset: str, **extra) -> dict:
    return {"preset": preset, "trials": 3, "seed": 0, "successes": 2, "success_rate": 2 / 3,
            "sequences_to_success": [10, 30, None], "mean_sequences": 20.0, "min_sequences": 10,
            "max_sequences": 30, "max_sequences_cap": 40, "seconds": 125.0, **extra}


def test_the_readme_table_is_current_with_the_stored_results():
    old, new = rt.rewritten(results_table())[rt.README]
    assert new == old, "run: python -m scripts.results_table"


def test_the_docs_stored_rows_table_is_current_with_the_stored_results():
    old, new = rt.rewritten(results_table())[rt.REPRODUCE]
    assert new == old, "run: python -m scripts.results_table"


def test_the_check_passes_when_both_tables_are_current():
    assert rt.main(["--check"]) == 0, "run: python -m scripts.results_table"


def test_stored_rows_lists_only_results_with_a_command_in_the_readme_order_with_workers_and_wall():
    results = [_stored("exp4_adding_T100", command="python -m scripts.readings exp4_adding_T100", seconds=30.0),
               _stored("exp1_3x2_lr0.1", command="python -m lstm_core reproduce exp1_3x2_lr0.1 --workers 2"),
               _stored("exp1_4x1_lr0.1", command="python -m lstm_core reproduce exp1_4x1_lr0.1 --workers=3"),
               _stored("exp4_adding_T500")]
    rows = rt.stored_rows(results).splitlines()[2:]
    order = [p for p in comparison_table(results)["preset"] if p in {"exp4_adding_T100", "exp1_3x2_lr0.1",
                                                                       "exp1_4x1_lr0.1"}]
    assert [row.split("`")[1] for row in rows] == order
    cells = {row.split("`")[1]: [c.strip() for c in row.split("|")[2:6]] for row in rows}
    assert cells["exp1_3x2_lr0.1"] == ["2/3", "40", "2", "2 min"]
    assert cells["exp1_4x1_lr0.1"][2] == "3"
    assert cells["exp4_adding_T100"][2:] == ["-", "1 min"]


def test_workers_reads_only_the_workers_option():
    assert rt.workers("x --workers 12 --force") == "12"
    assert rt.workers("x --workers=4") == "4"
    assert rt.workers("x --max-workers 5") == "-"
    assert rt.workers("x") == "-"


def test_a_row_without_a_stored_result_is_marked_not_yet_run_and_a_stored_one_shows_its_command():
    text = rt.markdown([_stored("exp4_adding_T100", command="python -m lstm_core reproduce x")])
    row = next(line for line in text.splitlines() if line.startswith("| Exp 4 · adding, T=100 |"))
    assert "2/3" in row and "20 (10–30)" in row and "`python -m lstm_core reproduce x`" in row
    assert "3 (40)" in row
    other = next(line for line in text.splitlines() if line.startswith("| Exp 4 · adding, T=500 |"))
    assert "not yet run" in other


def test_replace_between_replaces_only_the_text_between_the_markers():
    assert rt.replace_between("a<s>old<e>b", "new", "<s>", "<e>", "doc.md") == "a<s>\nnew\n<e>b"


@pytest.mark.parametrize("text, missing", [("no markers here", "<s>"), ("a<s>old", "<e>"), ("a<e>old<s>b", "<e>")])
def test_a_missing_marker_is_a_value_error_naming_the_file_and_the_marker(text, missing):
    with pytest.raises(ValueError, match=f"docs/x.md needs the marker {missing}"):
        rt.replace_between(text, "new", "<s>", "<e>", "docs/x.md")


def test_a_row_finished_from_kept_trials_says_its_wall_time_is_the_last_runs():
    assert rt.wall(_stored("exp2a_rtrl_p100", seconds=5577.0)) == "93 min"
    assert rt.wall(_stored("exp2a_rtrl_p100", seconds=5577.0, trials_resumed=2)) == (
        "93 min (the last run; 2 of its 3 trials were kept from earlier runs)")
    assert rt.wall(_stored("x", seconds=5.0, trials_resumed=0)) == "1 min"
