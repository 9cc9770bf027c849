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

from ui.theme import plotly_layout

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
    rec : an LSTM record (``lstm_core.record.record_sequence``): ``s_c`` (T, C*S), ``y_in``, ``y_out``
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
