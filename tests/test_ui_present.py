"""Projector mode: figures capped for a 1024×768 screen, the switch bound to the link."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from ui.figure_spec import FrozenFigure
from ui.present import BASE_FONT, FONT_SCALE, MAX_HEIGHT, sized_figure

ROOT = Path(__file__).resolve().parent.parent


def test_projector_mode_caps_a_figures_height_and_shares_its_data():
    fig = FrozenFigure(go.Figure(go.Scatter(y=[1, 2, 3]), layout={"height": 1200}))
    shown = sized_figure(fig, present=True)
    assert shown.to_dict()["layout"]["height"] == MAX_HEIGHT
    assert shown.to_dict()["data"] is fig.to_dict()["data"]                   # no copy of the arrays
    assert fig.to_dict()["layout"]["height"] == 1200                          # the cached original is untouched
    assert sized_figure(fig, present=False) is fig
    small = FrozenFigure(go.Figure(layout={"height": 300}))
    assert sized_figure(small, present=True).to_dict()["layout"]["height"] == 300


def test_projector_mode_enlarges_every_font_of_a_figure_and_adds_no_title():
    fig = go.Figure(go.Scatter(y=[1, 2], text=["a", "b"], mode="text", textfont={"size": 10}),
                    layout={"xaxis": {"title": {"text": "time step t"}},
                            "annotations": [{"text": "s_c", "font": {"size": 16}}],
                            "sliders": [{"currentvalue": {"font": {"size": 13}}, "steps": []}]})
    fig.add_trace(go.Heatmap(z=[[1.0]]))
    frozen = FrozenFigure(fig)
    spec = sized_figure(frozen, present=True).to_dict()
    big = round(BASE_FONT * FONT_SCALE)
    lay = spec["layout"]
    assert lay["font"]["size"] == lay["legend"]["font"]["size"] == big               # Streamlit's theme is overridden
    assert lay["xaxis"]["tickfont"]["size"] == lay["yaxis"]["tickfont"]["size"] == big
    assert lay["xaxis"]["title"] == {"text": "time step t", "font": {"size": big}}
    assert "title" not in lay["yaxis"] and not lay.get("title")    # no title text: none added ("undefined")
    assert lay["annotations"][0]["font"]["size"] == round(16 * FONT_SCALE)
    assert lay["sliders"][0]["currentvalue"]["font"]["size"] == round(13 * FONT_SCALE)
    assert spec["data"][0]["textfont"]["size"] == round(10 * FONT_SCALE)
    assert spec["data"][1]["colorbar"]["tickfont"]["size"] == big
    assert spec["data"][0]["y"] is frozen.to_dict()["data"][0]["y"]               # the arrays are shared
    assert frozen.to_dict()["layout"]["annotations"][0]["font"]["size"] == 16     # the cached original is untouched
    assert "colorbar" not in frozen.to_dict()["data"][1]


def _chart_heights(at: AppTest) -> list[int]:
    return [json.loads(el.proto.spec)["layout"].get("height", 0) for el in at.get("plotly_chart")]


def test_present_in_the_link_sizes_the_memory_cell_figure_for_a_projector():
    normal = AppTest.from_file(str(ROOT / "pages" / "memory_cell.py"), default_timeout=60).run()
    at = AppTest.from_file(str(ROOT / "pages" / "memory_cell.py"), default_timeout=60)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert max(_chart_heights(normal)) > MAX_HEIGHT >= max(_chart_heights(at))


def test_the_router_offers_the_projector_switch_and_writes_it_to_the_link():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    switch = at.toggle(key="url:present")
    assert switch.value is False
    switch.set_value(True).run()
    assert at.query_params.get("present") in ("true", ["true"])
