"""The store of readings (``runs/readings``): loaded, validated, sorted; and shown under the Experiments page's box.

Unit tests of :mod:`lab.readings` and :mod:`ui.readings_table` on temporary folders, then an
AppTest of the page on a temporary ``runs/readings`` (and no shipped runs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import lab.readings
from lab.readings import READINGS_DIR, check_reading, load_reading, reading_counts, readings_of
from lstm_core.experiments import PRESETS
from tests.pagetools import experiments_page, isolate_page
from ui.readings_table import READINGS_COLUMNS, readings_frame, sequences_text, short_changed, wall_text

ROW = "exp1_4x1_lr0.1"


def _reading(overrides: list[str] | None = None, seed: int = 0, successes: int = 2, trials: int = 3,
             preset: str = ROW, **extra) -> dict:
    """A reading as ``scripts.readings.write_reading`` writes it (``overrides=None``: a probe_paths reading)."""
    done = [10_000 + 1000 * i for i in range(successes)]
    summary = {"preset": preset, "trials": trials, "seed": seed, "successes": successes,
               "success_rate": successes / trials, "sequences_to_success": done + [None] * (trials - successes),
               "mean_sequences": sum(done) / successes if successes else None,
               "min_sequences": min(done) if done else None, "max_sequences": max(done) if done else None,
               "max_sequences_cap": 80_000, "seconds": 38.0, "test": {}}
    how = {"overrides": overrides} if overrides is not None else {"paths": "none", "per_step": True, "keep": [0.0]}
    cmd = "python -m scripts.readings " + ROW + "".join(f" --set {o}" for o in overrides or [])
    return {"preset": preset, **how, "trials": trials, "seed": seed, "max_sequences": 80_000,
            "summary": summary, "wall_seconds": 39.1, "command": cmd, **extra}


def _write(root: Path, name: str, d: object) -> None:
    root.mkdir(exist_ok=True)
    (root / name).write_text(d if isinstance(d, str) else json.dumps(d))


def test_every_stored_reading_loads_and_names_its_preset():
    counts = reading_counts(READINGS_DIR)
    assert sum(counts.values()) == len(list(READINGS_DIR.glob("*.json")))
    assert set(counts) <= set(PRESETS)
    rows, problems = readings_of(ROW, READINGS_DIR)
    assert problems == [] and len(rows) == counts[ROW] > 0
    assert any(r["overrides"] == ("net.input_to_output=true",) for r in rows)


def test_readings_of_a_row_sort_by_what_they_changed_then_seed_with_the_probes_last(tmp_path):
    _write(tmp_path, f"{ROW}__seed1.json", _reading([], seed=1))
    _write(tmp_path, f"{ROW}__paths-none__per_step.json", _reading(None))
    _write(tmp_path, f"{ROW}__net_input_to_output-true.json", _reading(["net.input_to_output=true"]))
    _write(tmp_path, f"{ROW}__as_preset.json", _reading([]))
    _write(tmp_path, "exp1_4x1_lr0.5__as_preset.json", _reading([], preset="exp1_4x1_lr0.5"))  # another row
    rows, problems = readings_of(ROW, tmp_path)
    assert problems == []
    assert [(r["changed"], r["seed"]) for r in rows] == [
        ("none (as preset)", 0), ("none (as preset)", 1),
        ("net.input_to_output=true", 0), ("paths=none, per step", 0)]
    first = rows[2]
    assert (first["trials"], first["cap"], first["successes"]) == (3, 80_000, 2)
    assert (first["mean_sequences"], first["min_sequences"], first["max_sequences"]) == (10_500, 10_000, 11_000)
    assert first["command"].endswith("--set net.input_to_output=true")
    assert first["file"] == f"{ROW}__net_input_to_output-true.json" and first["probe"] is None
    assert rows[3]["probe"] == {"paths": "none", "per_step": True} and rows[3]["overrides"] == ()
    assert reading_counts(tmp_path) == {ROW: 4, "exp1_4x1_lr0.5": 1}


@pytest.mark.parametrize("content, why", [
    ("{not json", "not readable as JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"preset": ROW, "summary": {}}), "not a reading"),
    (json.dumps({k: v for k, v in _reading([]).items() if k != "command"}), "'command' is missing"),
    (json.dumps(_reading(["lr=0.2", 7])), "'overrides' has a wrong value"),
    (json.dumps({**_reading([]), "trials": 0}), "'trials' has a wrong value"),
    (json.dumps({**_reading([]), "summary": {**_reading([])["summary"], "successes": "two"}}), "its summary"),
    (json.dumps({**_reading([]), "trials": 30}), "it counts 3 trials, the run has 30"),
    (json.dumps({**_reading([]), "paths": 3, "per_step": False}), "'paths' has a wrong value"),
    (json.dumps(_reading([], preset="exp1_4x1_lr0.5")), "a reading of 'exp1_4x1_lr0.5'"),
])
def test_a_damaged_or_foreign_file_is_skipped_with_a_reason_and_the_rest_still_load(tmp_path, content, why):
    _write(tmp_path, f"{ROW}__as_preset.json", _reading([]))
    _write(tmp_path, f"{ROW}__bad.json", content)
    rows, problems = readings_of(ROW, tmp_path)
    assert [r["file"] for r in rows] == [f"{ROW}__as_preset.json"]
    assert len(problems) == 1 and problems[0][0].name == f"{ROW}__bad.json"
    assert why in problems[0][1], problems
    assert reading_counts(tmp_path)[ROW] == 1


def test_an_empty_or_missing_folder_has_no_readings(tmp_path):
    assert readings_of(ROW, tmp_path) == ([], [])
    assert readings_of(ROW, tmp_path / "absent") == ([], [])
    assert reading_counts(tmp_path / "absent") == {}


def test_a_preset_name_is_matched_whole_not_as_a_prefix(tmp_path):
    _write(tmp_path, "exp2a_rtrl_p4_lr10__update-sequence.json", _reading([], preset="exp2a_rtrl_p4_lr10"))
    assert readings_of("exp2a_rtrl_p4_lr1", tmp_path) == ([], [])


def test_check_reading_accepts_both_kinds_and_load_reading_raises_only_run_file_errors(tmp_path):
    assert check_reading(_reading(["lr=0.2"])) == "" and check_reading(_reading(None)) == ""
    _write(tmp_path, "x.json", "\x00\xff")
    with pytest.raises(lab.readings.RunFileError, match="x.json"):
        load_reading(tmp_path / "x.json")


def test_the_table_shows_solved_k_of_n_mean_with_range_and_a_dash_for_no_success(tmp_path):
    _write(tmp_path, f"{ROW}__a.json", _reading(["net.g=h_pm1", "net.h=g_pm2"], successes=2, trials=3))
    _write(tmp_path, f"{ROW}__b.json", _reading(["gradient=full"], successes=0, trials=3,
                                                 wall_seconds=2672.0))
    df = readings_frame(readings_of(ROW, tmp_path)[0])
    assert list(df.columns) == list(READINGS_COLUMNS)
    by = df.set_index("changed")
    assert by.loc["g=h_pm1, h=g_pm2", "solved"] == "2/3"                 # keys without their section
    assert by.loc["g=h_pm1, h=g_pm2", "sequences"] == "10,500 (10,000–11,000)"
    assert "--set net.g=h_pm1 --set net.h=g_pm2" in by.loc["g=h_pm1, h=g_pm2", "command"]   # in full there
    assert by.loc["gradient=full", "sequences"] == "—" and by.loc["gradient=full", "wall"] == "45 min"
    assert by.loc["gradient=full", "cap"] == "80,000"
    assert sequences_text(4300.0, 4300, 4300) == "4,300"
    assert [wall_text(s) for s in (39.1, 168.6, 9000, 3 * 86400)] == ["39 s", "3 min", "2.5 h", "3.0 days"]
    assert readings_frame([]).empty


def test_the_changed_cell_keeps_what_tells_readings_apart():
    assert short_changed("construction.init=zero, construction.freeze=true") == "init=zero, freeze=true"
    assert short_changed("stop.abs_frozen=true, stop.eval_every=1000, lr_factor=2") == \
        "abs_frozen=true, eval_every=1000, lr_factor=2"
    assert short_changed("paths=none, per step") == "paths=none, per step"          # a probe's paths
    assert short_changed("none (as preset)") == "none (as preset)"
    assert short_changed("net.init_range=0.1") == "init_range=0.1"


@pytest.fixture()
def app(monkeypatch, tmp_path):
    readings = tmp_path / "readings"
    readings.mkdir()
    isolate_page(monkeypatch, tmp_path / "no_shipped_runs", tmp_path / "results")
    monkeypatch.setattr(lab.readings, "READINGS_DIR", readings)

    yield experiments_page, readings
    st.cache_resource.clear()


def _readings_expanders(at: AppTest) -> list:
    return [e for e in at.expander if e.label.startswith("Readings tried for this row")]


def test_the_experiments_page_lists_a_rows_readings_in_an_expander_only_where_there_are_some(app):
    make, readings = app
    _write(readings, f"{ROW}__net_input_to_output-true.json", _reading(["net.input_to_output=true"]))
    _write(readings, f"{ROW}__as_preset.json", _reading([]))
    _write(readings, f"{ROW}__broken.json", "{")
    at = make(ROW)
    assert not at.exception, [e.value for e in at.exception]
    (box,) = _readings_expanders(at)
    assert box.label == "Readings tried for this row (2)" and not box.proto.expanded        # collapsed at first
    (table,) = [d.value for d in box.dataframe]
    assert list(table["changed"]) == ["none (as preset)", "input_to_output=true"]
    assert list(table["solved"]) == ["2/3", "2/3"]
    captions = " ".join(c.value for c in box.caption)
    assert "docs/reproduce.md" in captions and f"{ROW}__broken.json" in captions

    at = make("exp4_adding_T500")                                    # no reading of this row
    assert not at.exception, [e.value for e in at.exception]
    assert _readings_expanders(at) == []


def test_the_reproduce_table_notes_how_many_readings_a_row_has_beside_its_own_note():
    from ui.reproduce_table import comparison_table

    stored = {**_reading([])["summary"], "preset": "exp4_adding_T100", "interrupted": True}
    table = comparison_table([stored], {ROW: 4, "exp4_adding_T100": 2}).set_index("preset")
    assert table.loc[ROW, "note"] == "readings: 4 (listed on the Experiments page)"
    assert table.loc["exp4_adding_T100", "note"] == ("interrupted: unfinished trials counted as failures; "
                                                     "readings: 2 (listed on the Experiments page)")
    assert table.loc["exp4_adding_T500", "note"] == ""
    assert (comparison_table([stored])["note"] == comparison_table([stored], {})["note"]).all()
