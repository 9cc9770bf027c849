"""The three mechanism pages in AppTest: settings change the figures; bad URLs give a notice, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _app(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error


# ----------------------------------------------------------------------------- vanishing gradient


def test_vanishing_gradient_page_draws_the_flow_plot_and_an_animation_of_a_few_megabytes():
    at = _app("vanishing_gradient")
    _ok(at)
    flow, animation = _charts(at)
    names = [trace["name"] for trace in flow["data"]]
    assert "Naive CEC" in names and "RNN: measured (BPTT)" in names and len(names) == 7
    assert 10 <= len(animation["frames"]) <= 60
    assert len(at.get("plotly_chart")[1].proto.spec) < 5_000_000
    assert "the CEC keeps all of it" in at.subheader[0].value


def test_vanishing_gradient_page_redraws_when_the_weight_scale_changes():
    at = _app("vanishing_gradient")
    before = _charts(at)[0]["data"][1]["y"]
    at.slider(key="url:w0").set_value(0.3).run()
    _ok(at)
    assert at.query_params["w0"] == "0.3"
    assert _charts(at)[0]["data"][1]["y"] != before


def test_vanishing_gradient_page_resets_bad_url_values_with_one_notice():
    at = _app("vanishing_gradient", n="1e9", w0="nan", act="relu", qmax="-3", lag="x")
    _ok(at)
    assert len(at.warning) == 1
    for key in ("n", "w0", "act", "qmax", "lag"):
        assert f"{key} = " in at.warning[0].value
    assert "After 50 steps" in at.subheader[0].value


# ----------------------------------------------------------------------------- memory cell


def test_memory_cell_page_shows_the_animation_and_the_equations_of_the_chosen_step():
    at = _app("memory_cell", step="3")
    _ok(at)
    cell = _charts(at)[0]
    assert len(cell["frames"]) == 12                                    # one frame per step of the preset
    assert len(at.latex) >= 7 and "step t = 3" in at.markdown[1].value


def test_memory_cell_page_redraws_when_the_input_gate_bias_changes():
    at = _app("memory_cell")
    s_c = next(tr["y"] for tr in _charts(at)[0]["data"] if tr["name"].startswith("s_c"))
    at.slider(key="url:bin").set_value(0.0).run()
    _ok(at)
    assert at.query_params["bin"] == "0.0"
    assert next(tr["y"] for tr in _charts(at)[0]["data"] if tr["name"].startswith("s_c")) != s_c


def test_memory_cell_page_explains_a_badly_typed_sequence():
    at = _app("memory_cell", seq="typed")
    at.text_input(key="url:values").set_value("0.5, oops, 1").run()
    _ok(at)
    assert any("Item 2" in w.value for w in at.warning)
    at.text_input(key="url:values").set_value("0.5, 0, 0, 1").run()
    _ok(at)
    assert not at.warning and len(_charts(at)[0]["frames"]) == 4
    assert at.query_params["values"] == "0.5, 0, 0, 1"


def test_memory_cell_page_resets_bad_url_values_with_one_notice():
    at = _app("memory_cell", seq="<b>", bin="inf", values="__import__('os')", step="0")
    _ok(at)
    assert len(at.warning) == 1
    for key in ("seq", "bin", "values", "step"):
        assert f"{key} = " in at.warning[0].value


# ----------------------------------------------------------------------------- under the hood


def test_under_the_hood_page_runs_every_check_and_shows_the_real_source():
    at = _app("under_the_hood")
    _ok(at)
    table = at.table[0].value                                  # a static table: its long cells wrap at 1024 px
    assert list(table["passed (< 1e-6)"]) == ["yes"] * 5
    assert list(table.columns)[0] == "passed (< 1e-6)" and table.index.name == "gradient"   # the verdict first
    codes = [c.value for c in at.code]
    assert any(c.startswith("def step_forward(") for c in codes)
    assert any(c.startswith("def train_sequence(") for c in codes)
    assert any(c.startswith("def truncated_grad(") for c in codes)


def test_under_the_hood_page_reruns_the_checks_for_a_new_seed():
    at = _app("under_the_hood")
    before = _charts(at)[0]["data"][0]["y"]
    at.slider(key="url:seed").set_value(42).run()
    _ok(at)
    assert _charts(at)[0]["data"][0]["y"] != before


@pytest.mark.parametrize("raw", ["-1", "99999", "1.5", "seed"])
def test_under_the_hood_page_resets_a_bad_seed_with_a_notice(raw):
    at = _app("under_the_hood", seed=raw)
    _ok(at)
    assert len(at.warning) == 1 and "seed = " in at.warning[0].value
