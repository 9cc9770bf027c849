"""A range of steps to play: Play (and every speed) runs a part of the sequence, over and over."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from streamlit.testing.v1 import AppTest

import lab.runs as runs
from lstm_core.experiments import PRESETS
from lstm_core.experiments.train import TrialRun
from tests.pagetools import isolate_page
from ui.step_buttons import next_step
from ui.step_control import LOOPS, play_menus, play_range

EXPERIMENTS = str(Path(__file__).resolve().parent.parent / "pages" / "experiments.py")
MEMORY_CELL = str(Path(__file__).resolve().parent.parent / "pages" / "memory_cell.py")


def _spec(n: int = 6) -> dict:
    frames = [{"name": f"f{k}", "data": [{"y": [k]}]} for k in range(n)]
    return go.Figure(go.Scatter(y=[0]), layout={"updatemenus": play_menus(100.0)}).to_dict() | {"frames": frames}


def _animate_buttons(spec: dict) -> list[dict]:
    return [b for m in spec["layout"]["updatemenus"] for b in m["buttons"] if b["method"] == "animate"]


def test_play_and_every_speed_play_the_range_loops_times_from_its_start_and_pause_stays():
    spec = _spec()
    ranged = play_range(spec, 2, 4)
    play, pause, *speeds = _animate_buttons(ranged)
    assert play["args"][0] == ["f2", "f3", "f4"] * LOOPS and play["args"][1]["fromcurrent"] is False
    assert all(s["args"][0] == play["args"][0] for s in speeds)
    assert [s["args"][1]["frame"]["duration"] for s in speeds] == \
        [b["args"][1]["frame"]["duration"] for b in _animate_buttons(spec)[2:]]     # each speed kept
    assert pause == _animate_buttons(spec)[1]
    assert _animate_buttons(spec)[0]["args"][0] is None                               # the original is untouched
    assert ranged["frames"] is spec["frames"]
    assert play_range(spec, 3, 99)["layout"]["updatemenus"][0]["buttons"][0]["args"][0] == ["f3", "f4", "f5"] * LOOPS


def test_the_experiments_page_range_slider_sets_what_play_runs(monkeypatch, tmp_path):
    run = TrialRun(PRESETS["classroom_exp4_adding_T20"], trials=1, seed=0, max_sequences=200)
    run.advance(200)
    runs.save_run(run, tmp_path / "4")
    isolate_page(monkeypatch, tmp_path, tmp_path / "results")
    try:
        at = AppTest.from_file(EXPERIMENTS, default_timeout=90)
        at.query_params["exp"] = "4"
        at.run()
        rng = next(s for s in at.select_slider if "Play runs" in s.label)
        rng.set_value((2, 4)).run()
        assert not at.exception
        chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith("-internals"))
        names = [f["name"] for f in chart["frames"]]
        assert _animate_buttons(chart)[0]["args"][0] == names[1:4] * LOOPS
    finally:
        st.cache_resource.clear()


def test_the_servers_play_continues_from_the_step_shown_and_loops_round_the_range():
    assert [next_step(s, 3, 6) for s in (3, 4, 5)] == [4, 5, 6]
    assert next_step(6, 3, 6) == 3                       # the range's end: round to its start
    assert next_step(1, 3, 6) == next_step(9, 3, 6) == 3  # outside the range: its start


def _memory_cell(**query) -> AppTest:
    at = AppTest.from_file(MEMORY_CELL, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def test_the_memory_cell_range_is_in_the_link_and_limits_both_plays():
    at = _memory_cell(loop="3-6")
    assert not at.exception
    rng = next(s for s in at.select_slider if "Play runs" in s.label)
    assert rng.value == (3, 6)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert _animate_buttons(chart)[0]["args"][0] == ["3", "4", "5", "6"] * LOOPS
    rng.set_value((2, 5)).run()
    assert at.query_params["loop"] in ("2-5", ["2-5"])


def test_a_bad_range_in_the_link_is_reset_with_a_notice():
    at = _memory_cell(loop="9-2")
    assert not at.exception
    assert any("loop = '9\\-2'" in w.value and "default 1\\-12" in w.value for w in at.warning)   # Markdown-escaped
    assert next(s for s in at.select_slider if "Play runs" in s.label).value == (1, 12)


def test_play_turns_into_pause_and_the_step_buttons_wait_while_it_plays():
    at = _memory_cell(step="4")
    at.button(key="step_play").click().run()
    assert not at.exception
    assert at.button(key="step_play").label == "❚❚ Pause"
    assert at.button(key="step_back").disabled and at.button(key="step_forward").disabled
    at.button(key="step_play").click().run()
    assert at.button(key="step_play").label == "▶ Play" and not at.button(key="step_back").disabled


def test_the_speed_menu_sits_right_of_play_and_pause_not_under_the_modebar():
    """Plotly's modebar covers a figure's top right corner while the pointer is over it: the speed menu is
    anchored where the buttons are and padded past them, wherever the caller puts them."""
    from ui.step_control import SPEED_OFFSET

    for where in ({}, {"y": 1.0, "yanchor": "bottom", "pad": {"b": 28}}):
        buttons, speeds = play_menus(100.0, **where)
        assert (speeds["x"], speeds["xanchor"]) == (buttons["x"], buttons["xanchor"]) == (0.0, "left")
        assert speeds["pad"]["l"] == SPEED_OFFSET > 146                     # the two buttons are ~146 px wide
        assert speeds["y"] == buttons["y"] and speeds["yanchor"] == buttons["yanchor"]
