"""Figures serialised once (ui.figure_spec) and the live panel's plain-dict learning curves."""

from __future__ import annotations

import base64
import json
import pickle

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ui.figure_spec import FrozenFigure, freeze
from ui.figures_flow import typed_array
from ui.figures_training import learning_curves


def _figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=np.arange(5), y=np.linspace(0, 1, 5), name="line"))
    fig.update_layout(title="t", height=300)
    return fig


def test_a_frozen_figure_writes_the_same_json_as_its_figure_and_never_copies():
    fig = _figure()
    frozen = freeze(fig)
    assert isinstance(frozen, go.Figure) and freeze(frozen) is frozen
    assert frozen.to_dict() is frozen.to_dict()                      # one specification, shared
    assert json.loads(pio.to_json(frozen.to_dict(), validate=False)) == json.loads(fig.to_json())


def test_a_frozen_figure_survives_pickling_with_its_specification():
    frozen = freeze(_figure())
    again = pickle.loads(pickle.dumps(frozen))
    assert isinstance(again, FrozenFigure) and again.to_dict()["layout"]["title"]["text"] == "t"


def test_live_learning_curves_are_a_valid_plotly_figure_with_one_mean_line_per_model_and_panel():
    seq = np.arange(1, 11) * 100
    err = np.random.default_rng(0).random((10, 3))
    err[6:, 1] = np.nan                                              # a trial that has stopped
    curves = {"LSTM": {"seq": seq, "err": err, "ok": 1 - err}, "RNN baseline": {"seq": seq, "err": err, "ok": err}}
    spec = json.loads(pio.to_json(learning_curves(curves).to_dict(), validate=False))
    fig = go.Figure(spec)                                            # validates every property
    means = [t for t in fig.data if t.name.endswith("(mean over trials)")]
    assert len(means) == 4 and {t.yaxis for t in means} == {"y", "y2"}
    assert len(fig.data) == 2 * 2 * (3 + 1)                          # models × panels × (trials + mean)
    assert fig.layout.yaxis.type == "log" and tuple(fig.layout.yaxis2.range) == (-2, 102)
    assert spec["data"][1]["y"][7] is None                           # NaN of a stopped trial: a gap


def test_a_typed_array_decodes_to_the_same_values_with_nan_kept():
    a = np.array([[0.0, -1.25, np.nan], [-30.0, -2.5, -0.01]])
    spec = typed_array(a)
    back = np.frombuffer(base64.b64decode(spec["bdata"]), "<f4").reshape(2, 3)
    np.testing.assert_allclose(back, a, rtol=1e-6)
    assert spec["dtype"] == "f4" and spec["shape"] == "2, 3"
