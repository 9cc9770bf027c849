"""Many cells at once: per-unit heat maps (units × time) of a network's internals on one sequence.

A line chart of 8 cells is a tangle; a heat map row per cell is not. Three rows of panels share
the time axis, labelled with the input symbols where there are few enough: the cell states s_c
(diverging colours, 0 in the middle), the input gates y_in and the output gates y_out (0 to 1).
Colour scales are fixed by the caller (:func:`heat_ranges` over all checkpoints), so a brighter
cell at a later checkpoint means a larger state, not a rescaled axis.

Pure: arrays in, ``go.Figure`` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.theme import COLORS, plotly_layout

Array = np.ndarray
MAX_COLS = 400          # time steps drawn; longer sequences are thinned evenly
STATE_SCALE = "RdBu"    # diverging (Plotly: negative red, positive blue), 0 white
GATE_SCALE = "Viridis"


def _rows(rec: Mapping[str, Array], key: str) -> Array:
    a = np.asarray(rec[key], dtype=float)
    L = int(rec.get("length", a.shape[0]))
    return a.reshape(a.shape[0], -1)[:L].T                              # (units, L)


def heat_ranges(recs: Iterable[Mapping[str, Array]]) -> dict[str, tuple[float, float]]:
    """Colour ranges that hold for every record: s_c symmetric about 0, gates [0, 1]."""
    s_max = max((float(np.nanmax(np.abs(_rows(r, "s_c")))) for r in recs), default=1.0) or 1.0
    return {"s_c": (-s_max, s_max), "y_in": (0.0, 1.0), "y_out": (0.0, 1.0)}


def internals_heatmaps(rec: Mapping[str, Array], *, ranges: Mapping[str, tuple[float, float]] | None = None,
                       step_labels: Sequence[str] | None = None, row_height: int = 26) -> go.Figure:
    """Heat maps of s_c (cells × time), y_in and y_out (blocks × time) on one sequence.

    Parameters
    ----------
    rec : an LSTM record (``lstm_core.analysis.record.record_sequence``): ``s_c`` (T, C*S), ``y_in``, ``y_out``
        (T, C), ``length``.
    ranges : colour range per key (default :func:`heat_ranges` of ``rec`` alone).
    step_labels : (L,) the input symbols, shown on the time axis when L ≤ 60 and in the hover text.
    row_height : pixels per unit row.
    """
    ranges = dict(ranges or heat_ranges([rec]))
    panels = [("s_c", "cell states s_c (the CECs)", "cell", STATE_SCALE),
              ("y_in", "input gates y_in", "block", GATE_SCALE),
              ("y_out", "output gates y_out", "block", GATE_SCALE)]
    z = {key: _rows(rec, key) for key, *_ in panels}
    L = z["s_c"].shape[1]
    cols = np.unique(np.linspace(0, L - 1, min(MAX_COLS, L)).astype(int))
    t = cols + 1
    units = [z[key].shape[0] for key, *_ in panels]
    heights = [max(n, 1) * row_height + 40 for n in units]
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[h / sum(heights) for h in heights],
                        vertical_spacing=50 / sum(heights), subplot_titles=[p[1] for p in panels])
    text = None if step_labels is None else [[step_labels[c] for c in cols]]
    for row, (key, _, unit, scale) in enumerate(panels, start=1):
        lo, hi = ranges[key]
        n = z[key].shape[0]
        fig.add_trace(go.Heatmap(
            z=np.round(z[key][:, cols], 4), x=t, y=[f"{unit} {i + 1}" for i in range(n)], zmin=lo, zmax=hi,
            zmid=0.0 if key == "s_c" else None, colorscale=scale,
            text=None if text is None else text * n,
            hovertemplate=f"{unit} %{{y}}, t = %{{x}}" + (" (%{text})" if text else "") + ": %{z:.3f}<extra></extra>",
            colorbar={"len": heights[row - 1] / sum(heights) * 0.9, "y": 1 - (sum(heights[:row - 1]) +
                      heights[row - 1] / 2) / sum(heights), "yanchor": "middle", "thickness": 12,
                      "title": {"text": key}},
        ), row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1)
    if step_labels is not None and L <= 60:
        fig.update_xaxes(tickmode="array", tickvals=list(range(1, L + 1)),
                         ticktext=[f"{i}<br>{step_labels[i - 1]}" for i in range(1, L + 1)], row=3, col=1)
    fig.update_xaxes(title_text="time step t (and the input symbol)" if step_labels is not None else "time step t",
                     range=[0.5, L + 0.5], row=3, col=1)
    fig.update_layout(**plotly_layout(height=sum(heights) + 110, hovermode="closest", margin={"t": 40, "b": 40}))
    return fig


FLOOR = -12.0   # log10 of the smallest share of the error drawn (darker is 10^-12 or less)


def _relative_log_error(err: Array, has_target: Array | None) -> tuple[Array, int]:
    """log10(|err| / its largest unit's value at the last target step), (units, L); zeros NaN. And that step."""
    a = np.abs(np.asarray(err, dtype=float))                            # (L, units)
    ends = np.flatnonzero(has_target) if has_target is not None and np.any(has_target) else [len(a) - 1]
    t_end = int(ends[-1])
    ref = float(a[t_end].max()) or float(a.max()) or 1.0
    with np.errstate(divide="ignore"):
        out = np.log10(a / ref)
    out[~np.isfinite(out)] = np.nan
    return np.maximum(out, FLOOR).T, t_end


def error_flow_comparison(lstm_rec: Mapping[str, Array], rnn_rec: Mapping[str, Array], *, lstm_label: str = "LSTM",
                          rnn_label: str = "plain RNN", step_labels: Sequence[str] | None = None) -> go.Figure:
    """The error from the sequence end flowing back: through the LSTM's carousels vs through a plain RNN.

    Both nets see the same test sequence. Top: |E_s| of every cell (the error each CEC carries back,
    spec App. A.1); middle: |δ_h| of every RNN hidden unit (BPTT); each on a log scale relative to its
    largest value at the last target step, so both start at 1 (10⁰). Bottom: the largest of each over
    the units, step by step — the RNN's curve falls, the carousel's stays flat.

    Parameters
    ----------
    lstm_rec, rnn_rec : records (``lstm_core.analysis.record.record_sequence``) of an LSTM (``E_s``) and of an RNN
        (``delta_h``) on the same sequence (same ``length``).
    """
    L = int(lstm_rec.get("length", len(np.asarray(lstm_rec["E_s"]))))
    has = np.asarray(lstm_rec.get("has_target", np.ones(L, bool)))[:L]
    lstm_z, t_end = _relative_log_error(np.asarray(lstm_rec["E_s"])[:L].reshape(L, -1), has)
    rnn_z, _ = _relative_log_error(np.asarray(rnn_rec["delta_h"])[:L].reshape(L, -1), has)
    t = np.arange(1, L + 1)
    n_l, n_r = lstm_z.shape[0], rnn_z.shape[0]
    heights = [n_l * 22 + 40, n_r * 22 + 40, 230]
    # titles in two short lines (which net / what is drawn): one line overlaps the colour bar at 1024 px
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[h / sum(heights) for h in heights],
                        vertical_spacing=75 / sum(heights),
                        subplot_titles=(f"{lstm_label}<br>|E_s| of each cell: the error its CEC carries back",
                                        f"{rnn_label}<br>|δ_h| of each hidden unit",
                                        "The largest share of the end's error<br>left at each step (log scale)"))
    text = None if step_labels is None else [list(step_labels[:L])]
    for row, (z, unit) in enumerate(((lstm_z, "cell"), (rnn_z, "unit")), start=1):
        fig.add_trace(go.Heatmap(
            z=np.round(z, 2), x=t, y=[f"{unit} {i + 1}" for i in range(z.shape[0])], zmin=FLOOR, zmax=0.0,
            colorscale="Viridis", showscale=row == 1, text=None if text is None else text * z.shape[0],
            colorbar={"title": {"text": "share"}, "tickvals": [0, -4, -8, -12],
                      "ticktext": ["1", "10⁻⁴", "10⁻⁸", "≤10⁻¹²"], "len": 0.5, "y": 0.75},
            hovertemplate=f"{unit} %{{y}}, t = %{{x}}" + (" (%{text})" if text else "")
                          + ": 10^%{z:.1f}<extra></extra>"), row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1)
    for z, name, color in ((lstm_z, lstm_label, COLORS["cec"]), (rnn_z, rnn_label, COLORS["rnn_measured"])):
        with np.errstate(all="ignore"):
            top = np.nanmax(np.where(np.isnan(z), -np.inf, z), axis=0)
        top = np.where(np.isfinite(top), top, np.nan)
        top[t_end + 1:] = np.nan                                           # after the last target: nothing yet
        fig.add_trace(go.Scatter(x=t, y=np.power(10.0, top), name=name, mode="lines", line={"color": color, "width": 3},
                                 hovertemplate="t = %{x}: %{y:.2e}<extra>" + name + "</extra>"), row=3, col=1)
    fig.update_yaxes(type="log", range=[FLOOR - 0.5, 0.5], exponentformat="power", row=3, col=1)
    fig.update_xaxes(title_text="time step t ← the error travels back from the last target", range=[0.5, L + 0.5],
                     row=3, col=1)
    fig.update_layout(**plotly_layout(height=sum(heights) + 200, hovermode="closest", margin={"t": 70, "b": 40},
                                      legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0.0}))
    return fig
