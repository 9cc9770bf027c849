"""Figures of error flow and gradient checks: arrays from lstm_core in, go.Figure / DataFrame out.

Pure functions (no ``st.*``), testable without a browser. Flows arrive as log10 |factor|
(they span hundreds of decades over 1000 steps, beyond float64), so the "log axis" is a
linear axis over log10 values whose tick labels are written as powers of ten.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.analysis.errorflow import FlowResult
from lstm_core.analysis.gradcheck import CheckResult
from ui.figures_cell import with_frames
from ui.theme import COLORS, plotly_layout

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
HEAT_FLOOR = -30.0  # the heatmaps' colour scale spans 10^-30 .. 1


def format_power(log10_value: float, digits: int = 2) -> str:
    """A number given by its log10 as text: ``-18.5`` -> ``"3.2·10⁻¹⁹"``; 0 -> ``"1"``."""
    if log10_value == -np.inf:
        return "0"
    if not np.isfinite(log10_value):
        return "—"
    exponent = int(np.floor(log10_value))
    mantissa = 10 ** (log10_value - exponent)
    if round(mantissa, digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    if -3 <= exponent < 0:
        return f"{10 ** log10_value:.{digits}g}"
    if 0 <= exponent <= 3:
        value = 10 ** log10_value
        return f"{value:.{digits}g}" if exponent < digits else f"{value:.0f}"
    return f"{mantissa:.{digits}g}·10{str(exponent).translate(_SUPERSCRIPT)}"


def _power_ticks(lo: float, hi: float, max_ticks: int = 8) -> tuple[list[float], list[str]]:
    span = max(hi - lo, 1.0)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if span / s <= max_ticks)
    first = np.ceil(lo / step) * step
    vals = list(np.arange(first, hi + 1e-9, step))
    return vals, ["1" if v == 0 else "10" + str(int(v)).translate(_SUPERSCRIPT) for v in vals]


def _clean(values: np.ndarray) -> list[float | None]:
    """log10 values for JSON: rounded, -inf (exact zero) and nan as gaps."""
    return [None if not np.isfinite(v) else round(float(v), 3) for v in values]


def flow_curves(result: FlowResult) -> dict[str, np.ndarray]:
    """The curves of :func:`flow_figure` by name (log10 |error scaling|, index q)."""
    return {
        "RNN: bound n·(f'max·‖W‖)^q": result.rnn_bound,
        "RNN: measured (BPTT)": result.rnn_norm,
        "RNN: eq. (2), matrix form": result.rnn_eq2,
        "Naive CEC": result.cec,
        "LSTM, truncated: error at s_c": np.max(result.lstm_truncated["s"], axis=1),
        "LSTM, full gradient: error at s_c": np.max(result.lstm_full["s"], axis=1),
        "LSTM, full gradient: outside the CECs": result.lstm_outside["a"],
    }


_STYLE = {  # name -> (colour key, dash, mode)
    "RNN: bound n·(f'max·‖W‖)^q": ("rnn_theory", "dash", "lines"),
    "RNN: measured (BPTT)": ("rnn_measured", "solid", "lines"),
    "RNN: eq. (2), matrix form": ("rnn_theory", None, "markers"),
    "Naive CEC": ("cec", "solid", "lines"),
    "LSTM, truncated: error at s_c": ("lstm_truncated", "dot", "lines"),
    "LSTM, full gradient: error at s_c": ("lstm_full", "solid", "lines"),
    "LSTM, full gradient: outside the CECs": ("lstm_full", "dashdot", "lines"),
}


def flow_figure(result: FlowResult) -> go.Figure:
    """Error scaling against lag, every network in one plot (log scale, powers-of-ten ticks)."""
    curves = flow_curves(result)
    q = result.q
    marker_idx = np.unique(np.linspace(1, q[-1], min(25, q[-1])).astype(int))
    fig = go.Figure()
    for name, y in curves.items():
        colour, dash, mode = _STYLE[name]
        xs, ys = (q[marker_idx], y[marker_idx]) if mode == "markers" else (q, y)
        fig.add_trace(go.Scatter(
            x=xs, y=_clean(ys), name=name, mode=mode,
            line={"color": COLORS[colour], "dash": dash, "width": 8 if name == "Naive CEC" else 2},
            opacity=0.55 if name == "Naive CEC" else 1.0,
            marker={"color": COLORS[colour], "symbol": "circle-open", "size": 9},
            hovertemplate="q=%{x}: 10^%{y:.1f}<extra>" + name + "</extra>"))
    shown = np.concatenate([v for k, v in curves.items() if not k.startswith("RNN: bound")])
    shown = shown[np.isfinite(shown)]
    lo, hi = min(float(shown.min()), -5.0), max(float(shown.max()), 1.0)
    pad = 0.04 * (hi - lo)
    tickvals, ticktext = _power_ticks(lo - pad, hi + pad)
    fig.update_layout(**plotly_layout(
        height=520, hovermode="closest", margin={"t": 110},
        xaxis={"title": {"text": "lag q (time steps back)"}},
        yaxis={"title": {"text": "error scaling |∂ϑ(t−q)/∂ϑ(t)|"}, "range": [lo - pad, hi + pad],
               "tickvals": tickvals, "ticktext": ticktext}))
    return fig


def flow_table(result: FlowResult, max_rows: int = 201) -> pd.DataFrame:
    """The curves of :func:`flow_figure` as a table (lags subsampled to ``max_rows``), values as text."""
    curves = flow_curves(result)
    idx = np.unique(np.linspace(0, result.q[-1], min(max_rows, result.q[-1] + 1)).astype(int))
    data = {"lag q": result.q[idx]}
    data.update({name: [format_power(v, 3) for v in y[idx]] for name, y in curves.items()})
    return pd.DataFrame(data)


def _heat_rows(result: FlowResult) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    rnn = result.rnn_units.T                                              # (n, Q)
    rnn_names = [f"unit {v + 1}" + (" ◀ error in" if v == result.u else "") for v in range(rnn.shape[0])]
    tr = result.lstm_truncated
    CS, C = tr["s"].shape[1], tr["net_in"].shape[1]
    lstm = np.concatenate([tr["s"].T, tr["net_c"].T, tr["net_in"].T])
    lstm_names = ([f"s_c {j + 1} (CEC)" for j in range(CS)] + [f"net_c {j + 1}" for j in range(CS)]
                  + [f"in-gate {j + 1}" for j in range(C)])
    return rnn, rnn_names, lstm, lstm_names


def backflow_animation(result: FlowResult, n_frames: int = 50, max_cols: int = 150) -> go.Figure:
    """An error injected at the last step travels back in time: RNN units (left) vs LSTM (right).

    Units × time heatmaps of log10 |error|, revealed lag by lag in ``n_frames`` Plotly frames
    (play / pause buttons and a slider; the browser animates, no server round trip). Time is
    subsampled to at most ``max_cols`` columns; values below 10^-30 get the darkest colour,
    exact zeros are blank.
    """
    rnn, rnn_names, lstm, lstm_names = _heat_rows(result)
    Q = result.q[-1]
    cols = np.unique(np.linspace(0, Q, min(max_cols, Q + 1)).astype(int))    # lags shown
    tau = Q - cols                                                         # time step t−q of each column
    stops = np.unique(np.linspace(0, len(cols), n_frames + 1).astype(int))[1:]

    def z_upto(z, upto):
        zz = np.round(np.maximum(z[:, cols[:upto]], HEAT_FLOOR), 2)
        zz[~np.isfinite(z[:, cols[:upto]])] = np.nan                      # exact zeros: blank
        return zz

    def heat(z, names, showscale):
        return go.Heatmap(
            z=z_upto(z, 1), x=tau[:1], y=names, zmin=HEAT_FLOOR, zmax=0.0,
            colorscale="Viridis", showscale=showscale,
            colorbar={"title": {"text": "|error|"}, "tickvals": [0, -10, -20, -30],
                      "ticktext": ["1", "10⁻¹⁰", "10⁻²⁰", "≤10⁻³⁰"]},
            hovertemplate="%{y}, step %{x}: 10^%{z:.1f}<extra></extra>")

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.2,
                        subplot_titles=("<b>Plain RNN</b><br>the error fades ← time",
                                        "<b>LSTM (truncated)</b><br>the CEC band stays ← time"))
    fig.add_trace(heat(rnn, rnn_names, False), row=1, col=1)
    fig.add_trace(heat(lstm, lstm_names, True), row=1, col=2)
    fig.data[0].update(z=z_upto(rnn, len(cols)), x=tau)     # opens on the whole picture; Play replays it
    fig.data[1].update(z=z_upto(lstm, len(cols)), x=tau)
    frames = [{"name": str(int(cols[k - 1])), "traces": [0, 1],
               "data": [{"type": "heatmap", "x": tau[:k].tolist(), "z": typed_array(z_upto(z, k))}
                        for z in (rnn, lstm)]} for k in stops]
    play = {"frame": {"duration": 90, "redraw": True}, "transition": {"duration": 0}, "fromcurrent": True}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    fig.update_layout(**plotly_layout(
        height=560, hovermode="closest", margin={"t": 70, "b": 170},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0.0, "y": -0.1, "xanchor": "left",
                      "yanchor": "top", "showactive": False, "pad": {"t": 20, "r": 10},   # below the tick labels
                      "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, play]},
                                  {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]}]}],
        sliders=[{"active": len(frames) - 1, "x": 0.0, "len": 1.0, "y": -0.1, "yanchor": "top", "pad": {"t": 70},
                  "currentvalue": {"prefix": "lag q = ", "xanchor": "right"},   # under the buttons: no overlap
                  "steps": [{"label": f["name"], "method": "animate",
                             "args": [[f["name"]], {**pause, "frame": {"duration": 0, "redraw": True}}]}
                            for f in frames]}]))
    for c in (1, 2):
        fig.update_xaxes(range=[-0.5, Q + 0.5], row=1, col=c)
    return with_frames(fig, frames)


def typed_array(a: np.ndarray) -> dict[str, str]:
    """``a`` as a Plotly typed array (float32, base64; NaN stays NaN, a gap), as Plotly writes NumPy arrays.

    The animation's frames are plain dicts that Plotly does not convert; as nested lists of floats
    they took ~2 times the memory of this form, and as much JSON (values are rounded to 0.01 in
    [-30, 0]: float32 holds them).
    """
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": ", ".join(str(d) for d in a.shape)}


# ----------------------------------------------------------------------------- gradient checks


def gradcheck_table(results: list[CheckResult]) -> pd.DataFrame:
    """One row per check: what was compared, how many weights, the max relative error, pass/fail."""
    return pd.DataFrame({
        "gradient": [r.title for r in results],
        "checked against": [r.reference for r in results],
        "weights": [r.numeric.size for r in results],
        "max relative error": [f"{r.max_rel_error:.1e}" for r in results],
        "passed (< 1e-6)": ["yes" if r.passed else "NO" for r in results],
    })


def gradcheck_figure(results: list[CheckResult]) -> go.Figure:
    """Per-weight relative error of every check, log scale, with the 1e-6 pass line."""
    fig = go.Figure()
    colours = [COLORS[k] for k in ("lstm_truncated", "lstm_full", "rnn_measured", "cec", "forget_gate")]
    for i, r in enumerate(results):
        err = np.maximum(r.rel_error, 1e-18)                               # exact agreement drawn at 1e-18
        fig.add_trace(go.Scatter(x=np.arange(err.size), y=err, mode="markers", name=r.title,
                                 marker={"color": colours[i % len(colours)], "size": 6},
                                 hovertemplate="weight %{x}: %{y:.1e}<extra>" + r.title + "</extra>"))
    fig.add_hline(y=1e-6, line={"dash": "dash", "color": COLORS["paper"]},
                  annotation_text="pass line 10⁻⁶", annotation_position="top left")
    fig.update_layout(**plotly_layout(
        height=420, hovermode="closest", margin={"t": 90},
        xaxis={"title": {"text": "weight (index within its check)"}},
        yaxis={"title": {"text": "|numeric − analytic| / max |numeric|"}, "type": "log",
               "exponentformat": "power", "range": [-18.5, -3]}))
    return fig


def gradcheck_data(results: list[CheckResult]) -> pd.DataFrame:
    """Every compared weight: numeric and analytic gradient and their relative error."""
    return pd.concat([pd.DataFrame({"gradient": r.title, "weight": np.arange(r.numeric.size),
                                    "numeric": r.numeric, "analytic": r.analytic, "relative error": r.rel_error})
                      for r in results], ignore_index=True)
