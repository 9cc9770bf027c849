"""Figures of training on the Experiments page: pure builders, arrays in, a figure (or a table) out.

* :func:`learning_curves` — error and % correct over training sequences, one colour
  per model (LSTM vs RNN baseline), thin lines per trial, a thick line for the mean.
* :func:`curves_table` — the same data as a ``pandas.DataFrame`` (Data table expander, CSV).
* :func:`example_sequence_figure` — one sequence of a real-valued task.
* :func:`checkpoint_labels` — the names of a run's training checkpoints.

No Streamlit here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figure_spec import FrozenFigure
from ui.theme import COLORS, plotly_layout

Array = np.ndarray
MODEL_COLORS = {"LSTM": COLORS["ours"], "RNN": COLORS["rnn_measured"]}


@functools.cache
def _curves_layout(title: str) -> dict:
    """The two-panel layout of :func:`learning_curves` (titles, axes, theme), built and validated once."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["Mean |error| at the sequence end (log)",
                                                        "Sequences processed correctly (%)"])
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(range=[-2, 102], row=1, col=2)
    fig.update_xaxes(title_text="training sequences per trial")
    fig.update_layout(**plotly_layout(title=title, height=380, hovermode="closest", margin={"t": 40, "b": 10},
                                      legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0.0}))
    return fig.to_dict()["layout"]


def _json_list(a: Array) -> list[float | None]:
    return [None if v != v else v for v in np.asarray(a, dtype=float).tolist()]    # NaN (stopped trial) -> gap


def learning_curves(curves: Mapping[str, Mapping[str, Array]], *, title: str = "") -> FrozenFigure:
    """Error and % correct over training sequences, for each labelled run.

    Parameters
    ----------
    curves : label -> {"seq": (P,), "err": (P, K), "ok": (P, K)}; labels starting with "RNN" are
        drawn in the RNN colour, others in the LSTM colour. NaN marks a trial that has stopped.

    Returns
    -------
    The figure as a :class:`~ui.figure_spec.FrozenFigure`: the live panel redraws it every second
    for every training student, so its traces are written as plain dicts on a layout validated once
    (a few milliseconds instead of ~25 ms of Plotly validation). Read it with ``to_dict()``.
    """
    traces = []
    for label, c in curves.items():
        color = MODEL_COLORS["RNN" if label.startswith("RNN") else "LSTM"]
        seq = _json_list(c["seq"])
        for col, key, scale in ((1, "err", 1.0), (2, "ok", 100.0)):
            axes = {"xaxis": "x" if col == 1 else "x2", "yaxis": "y" if col == 1 else "y2"}
            a = np.asarray(c[key], dtype=float).reshape(len(seq), -1) * scale
            for k in range(a.shape[1] if a.shape[1] > 1 else 0):
                traces.append({"type": "scatter", "x": seq, "y": _json_list(a[:, k]), "mode": "lines",
                               "line": {"color": color, "width": 0.7}, "opacity": 0.35,
                               "name": f"{label} trial {k + 1}", "legendgroup": label, "showlegend": False,
                               "hoverinfo": "skip", **axes})
            with np.errstate(all="ignore"):
                mean = np.nanmean(a, axis=1) if a.size else a[:, 0]
            traces.append({"type": "scatter", "x": seq, "y": _json_list(mean), "mode": "lines",
                           "line": {"color": color, "width": 3}, "name": f"{label} (mean over trials)",
                           "legendgroup": label, "showlegend": col == 1, **axes})
    return FrozenFigure({"data": traces, "layout": _curves_layout(title)})


def curves_table(curves: Mapping[str, Mapping[str, Array]]) -> pd.DataFrame:
    """Long table of the learning curves: model, sequences, trial, error, fraction correct."""
    rows = []
    for label, c in curves.items():
        seq = np.asarray(c["seq"])
        err = np.asarray(c["err"], dtype=float).reshape(len(seq), -1)
        ok = np.asarray(c["ok"], dtype=float).reshape(len(seq), -1)
        for k in range(err.shape[1]):
            rows.append(pd.DataFrame({"model": label, "sequences": seq, "trial": k + 1,
                                      "mean_abs_error": err[:, k], "fraction_correct": ok[:, k]}))
    cols = ["model", "sequences", "trial", "mean_abs_error", "fraction_correct"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def example_sequence_figure(x: Array, target_step: int | None, target: Sequence[float] | None,
                            input_names: Sequence[str] | None = None) -> go.Figure:
    """One sequence of a real-valued task: its input lines (L, n_in) and where the target comes.

    Parameters
    ----------
    x : (L, n_in) inputs of one sequence.
    target_step : 1-based step of the (last) target, or None.
    target : the target values at that step.
    """
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    t = np.arange(1, len(x) + 1)
    fig = go.Figure()
    names = input_names or [f"input {i + 1}" for i in range(x.shape[1])]
    for i in range(x.shape[1]):
        fig.add_trace(go.Scatter(x=t, y=x[:, i], mode="lines+markers", marker={"size": 4}, name=names[i]))
    if target_step is not None and target is not None:
        fig.add_trace(go.Scatter(x=[target_step] * len(target), y=list(target), mode="markers", name="target",
                                 marker={"symbol": "x", "size": 12, "color": COLORS["target"]}))
    fig.update_layout(**plotly_layout(height=220, margin={"t": 30}, xaxis_title="time step t"))
    return fig


def checkpoint_labels(seqs: Sequence[int], solved_at: int | None = None) -> list[str]:
    """Select-slider labels of training checkpoints: "untrained", "1,600 sequences", "12,800 (solved)"."""
    out = []
    for s in seqs:
        text = "untrained" if s == 0 else f"{s:,} sequences"
        if solved_at is not None and s >= solved_at and s == seqs[-1]:
            text += " (solved)"
        out.append(text)
    return out
