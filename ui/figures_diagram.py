"""The memory cell of the paper's Fig. 1 as an animated block diagram (Plotly traces and shapes).

Left to right, as in the paper: the cell input g(net_c) flows through the **input gate**
(a valve that opens with y_in) into the **constant error carousel** (a tank whose level is
the state s_c, with its self-loop of weight 1.0), out through h(s_c) and the **output gate**
(a valve that opens with y_out) to the cell output y_c = y_out·h(s_c). Streams are drawn
as thick as the signal they carry; green where it is positive, purple where negative. In
the backward view the error E_s circles the self-loop, unchanged from step to step.

Pure functions, no Streamlit: :func:`add_cell_diagram` puts the diagram on a pair of axes
of any figure and returns the values' trace indices; :func:`diagram_frame` gives the
traces of one animation frame (same order), so the diagram follows the same Plotly
frames and slider as the charts beside it; :func:`cell_diagram` is a stand-alone
animated figure. Only the theme's colours are used (``ui.theme``): grey lines and
transparent fills read on light and dark backgrounds, and text takes the theme's font
colour (Streamlit fills it in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ui.step_control import play_menus, still
from ui.theme import COLORS, plotly_layout

X_RANGE = (0.0, 10.0)
Y_RANGE = (0.0, 4.8)   # room above the loop for its label
MID = 2.0              # height of the signal path
PIPE = 0.25            # half-height of a pipe: a stream of size 1 (|h| = 1, |g|/2 = 1) fills it
G = (1.1, 0.36)        # centre x and radius of the g(net_c) squashing unit
IN_VALVE = (2.55, 3.05)
TANK = (4.2, 5.8, 0.55, 3.45)   # x0, x1, y0, y1 of the carousel
H = (6.6, 0.36)
OUT_VALVE = (7.55, 8.05)
X_OUT = 9.9
LEVEL = 1.3            # |s_c| = s_max fills half the tank
LOOP_Y = 3.95          # the self-loop's top
GREY = COLORS["target"]
NEGATIVE = COLORS["forget_gate"]   # purple: a negative stream
DYNAMIC = ("in_valve", "out_valve", "stream_in", "stream_out", "level", "error_loop", "numbers")


def _rect(x0: float, x1: float, y0: float, y1: float) -> tuple[list[float], list[float]]:
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]


def _join(*parts: tuple[list[float], list[float]]) -> tuple[list, list]:
    """Several closed polygons in one trace, separated by gaps (``fill="toself"`` fills each)."""
    xs: list = []
    ys: list = []
    for x, y in parts:
        if xs:
            xs.append(None)
            ys.append(None)
        xs += x
        ys += y
    return xs, ys


def _loop() -> tuple[list[float], list[float]]:
    """The carousel's self-loop: up from the tank's right side, over, down into its left side."""
    x0, x1, _, y1 = TANK
    a, b = x1 - 0.3, x0 + 0.3
    return [a, a, b, b], [y1, LOOP_Y, LOOP_Y, y1]


def _valve(x0: float, x1: float, opening: float) -> tuple[list, list]:
    """Two blades closing the pipe from above and below, leaving a gap of ``opening`` (0..1) of it."""
    gap = PIPE * float(np.clip(opening, 0.0, 1.0))
    top = _rect(x0, x1, MID + gap, MID + PIPE + 0.18)
    bottom = _rect(x0, x1, MID - PIPE - 0.18, MID - gap)
    return _join(top, bottom)


def _stream(segments: Sequence[tuple[float, float, float]]) -> tuple[list, list]:
    """A stream of piecewise thickness: (x0, x1, half-height) per segment, centred on the path."""
    # every segment always drawn (a zero-height one is invisible): an animation frame must keep the
    # points of the first, or Plotly leaves the previous frame's stream standing
    return _join(*(_rect(x0, x1, MID - max(h, 0.0), MID + max(h, 0.0)) for x0, x1, h in segments))


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"


def diagram_frame(v: Mapping[str, float], s_max: float, *, label: str = "",
                  e_s: float | None = None) -> list[dict]:
    """The diagram's moving parts at one step, as trace dicts in the order of :data:`DYNAMIC`.

    Parameters
    ----------
    v : the cell's values at the step: ``y_in``, ``y_out``, ``g_c`` (= g(net_c)), ``s_c``,
        ``h_s`` (= h(s_c)), ``y_c``.
    s_max : the largest |s_c| of the whole sequence (fixes the tank's scale across frames).
    label : what the frame shows ("t = 5"), written in the corner.
    e_s : the error E_s carried by the carousel at this step (backward view), or None.
    """
    y_in, y_out = float(v["y_in"]), float(v["y_out"])
    g, s, h, y_c = float(v["g_c"]), float(v["s_c"]), float(v["h_s"]), float(v["y_c"])
    gx, gr = G
    hx, hr = H
    tx0, tx1, ty0, ty1 = TANK
    g_size, h_size = min(abs(g) / 2.0, 1.0) * PIPE, min(abs(h), 1.0) * PIPE
    stream_in = _stream([(gx + gr, IN_VALVE[0], g_size), (IN_VALVE[0], IN_VALVE[1], g_size * min(y_in, 1.0)),
                         (IN_VALVE[1], tx0, g_size * min(y_in, 1.0))])
    stream_out = _stream([(tx1, hx - hr, h_size), (hx + hr, OUT_VALVE[0], h_size),
                          (OUT_VALVE[0], X_OUT - 0.35, h_size * min(y_out, 1.0))])
    height = float(np.clip(s / (s_max if s_max > 0 else 1.0), -1.0, 1.0)) * LEVEL
    level = _rect(tx0 + 0.06, tx1 - 0.06, min(MID, MID + height), max(MID, MID + height))
    loop_x, loop_y = _loop()
    back = e_s is not None
    texts = [
        (0.05, Y_RANGE[1] - 0.15, f"<b>{label}</b>", "middle right"),
        (gx, MID - gr - 0.25, f"g(net_c) = {_fmt(g)}", "bottom center"),
        (sum(IN_VALVE) / 2, MID + PIPE + 0.3, f"input gate<br>y_in = {_fmt(y_in)}", "top center"),
        (tx0 - 0.1, MID - PIPE - 0.75, f"y_in·g = {_fmt(y_in * g)}", "bottom left"),   # below g's label, to the tank
        ((tx0 + tx1) / 2, ty0 - 0.12, f"s_c = {_fmt(s)}", "bottom center"),
        (tx1 + 0.1, MID - hr - 0.25, f"h(s_c) = {_fmt(h)}", "bottom right"),   # from the tank's edge rightwards
        (sum(OUT_VALVE) / 2, MID + PIPE + 0.3, f"output gate<br>y_out = {_fmt(y_out)}", "top center"),
        (X_OUT - 0.1, MID + 0.35, f"y_c = {_fmt(y_c)}", "top left"),
        (tx1 + 0.15, LOOP_Y - 0.2, f"error E_s = {_fmt(e_s)}<br>passed back ×1.0" if back else " ", "middle right"),
    ]
    color_in = COLORS["cell_state"] if y_in * g >= 0 else NEGATIVE
    color_out = COLORS["cell_output"] if h >= 0 else NEGATIVE
    return [
        {"type": "scatter", **dict(zip("xy", _valve(*IN_VALVE, y_in)))},
        {"type": "scatter", **dict(zip("xy", _valve(*OUT_VALVE, y_out)))},
        {"type": "scatter", **dict(zip("xy", stream_in)), "fillcolor": color_in},
        {"type": "scatter", **dict(zip("xy", stream_out)), "fillcolor": color_out},
        {"type": "scatter", "x": level[0], "y": level[1],
         "fillcolor": COLORS["cell_state"] if s >= 0 else NEGATIVE},
        {"type": "scatter", "x": loop_x if back else [None] * 4, "y": loop_y if back else [None] * 4},
        {"type": "scatter", "x": [t[0] for t in texts], "y": [t[1] for t in texts], "text": [t[2] for t in texts],
         "textposition": [t[3] for t in texts]},
    ]


def _static(xref: str, yref: str) -> tuple[list[dict], list[dict]]:
    """Pipes, units, the tank and its loop, arrowheads and fixed labels: layout shapes and annotations."""
    ref = {"xref": xref, "yref": yref}
    line = {"color": GREY, "width": 2}
    gx, gr = G
    hx, hr = H
    tx0, tx1, ty0, ty1 = TANK
    shapes: list[dict] = []
    for x0, x1 in ((0.55, gx - gr), (gx + gr, tx0), (tx1, hx - hr), (hx + hr, X_OUT - 0.35)):
        for y in (MID - PIPE, MID + PIPE):   # the pipe walls
            shapes.append({"type": "line", "x0": x0, "x1": x1, "y0": y, "y1": y, "line": line, **ref})
    for cx, r in (G, H):
        shapes.append({"type": "circle", "x0": cx - r, "x1": cx + r, "y0": MID - r, "y1": MID + r,
                       "line": line, "fillcolor": "rgba(136,136,136,0.12)", **ref})
    shapes.append({"type": "rect", "x0": tx0, "x1": tx1, "y0": ty0, "y1": ty1, "line": {**line, "width": 3},
                   "fillcolor": "rgba(0,158,115,0.06)", **ref})
    shapes.append({"type": "line", "x0": tx0, "x1": tx1, "y0": MID, "y1": MID,
                   "line": {"color": GREY, "width": 1, "dash": "dot"}, **ref})
    lx, ly = _loop()
    shapes.append({"type": "path", "path": f"M {lx[0]},{ly[0]} L {lx[1]},{ly[1]} L {lx[2]},{ly[2]} L {lx[3]},{ly[3]}",
                   "line": {"color": COLORS["cell_state"], "width": 3}, **ref})
    for (x0, x1), name in ((IN_VALVE, "input_gate"), (OUT_VALVE, "output_gate")):   # gate control lines
        xm = (x0 + x1) / 2
        shapes.append({"type": "line", "x0": xm, "x1": xm, "y0": MID + PIPE + 0.18, "y1": MID + PIPE + 0.32,
                       "line": {"color": COLORS[name], "width": 2}, **ref})
    arrow = {"showarrow": True, "arrowhead": 2, "arrowsize": 1.2, "arrowwidth": 2, "arrowcolor": GREY,
             "text": "", "axref": xref, "ayref": yref, **ref}
    notes = [
        {**arrow, "x": gx - gr, "y": MID, "ax": 0.45, "ay": MID},                       # net_c into g
        {**arrow, "x": tx0, "y": MID, "ax": tx0 - 0.3, "ay": MID},                      # into the carousel
        {**arrow, "x": X_OUT, "y": MID, "ax": X_OUT - 0.4, "ay": MID},                  # y_c out
        {**arrow, "x": lx[3], "y": ly[3], "ax": lx[2], "ay": ly[2] - 0.01, "arrowcolor": COLORS["cell_state"]},
        {"text": "net_c", "x": 0.05, "y": MID + PIPE + 0.08, "showarrow": False, "xanchor": "left",   # above the pipe
         "yanchor": "bottom", **ref},
        {"text": "g", "x": gx, "y": MID, "showarrow": False, "font": {"size": 16}, **ref},
        {"text": "h", "x": hx, "y": MID, "showarrow": False, "font": {"size": 16}, **ref},
        {"text": "CEC: self-loop, weight 1.0", "x": (tx0 + tx1) / 2, "y": LOOP_Y + 0.08, "showarrow": False,
         "yanchor": "bottom", "font": {"size": 12, "color": COLORS["cell_state"]}, **ref},
    ]
    return shapes, notes


def add_cell_diagram(fig: go.Figure, first: Mapping[str, float], s_max: float, *, xaxis: str = "x",
                     yaxis: str = "y", label: str = "") -> list[int]:
    """Draw the diagram on the axes ``xaxis``/``yaxis`` of ``fig`` at the values ``first``.

    Returns the indices of its moving traces in ``fig.data`` (order of :data:`DYNAMIC`), for the
    ``traces`` of animation frames made with :func:`diagram_frame`. The axes are fixed to
    :data:`X_RANGE` and :data:`Y_RANGE`, hidden, and keep the diagram's proportions.
    """
    start = len(fig.data)
    styles = [
        {"fill": "toself", "mode": "lines", "line": {"width": 1, "color": COLORS["input_gate"]},
         "fillcolor": COLORS["input_gate"], "name": "input gate (valve)"},
        {"fill": "toself", "mode": "lines", "line": {"width": 1, "color": COLORS["output_gate"]},
         "fillcolor": COLORS["output_gate"], "name": "output gate (valve)"},
        {"fill": "toself", "mode": "lines", "line": {"width": 0}, "opacity": 0.75, "name": "y_in·g(net_c) flowing in"},
        {"fill": "toself", "mode": "lines", "line": {"width": 0}, "opacity": 0.75, "name": "y_out·h(s_c) flowing out"},
        {"fill": "toself", "mode": "lines", "line": {"width": 0}, "opacity": 0.55, "name": "s_c (the level)"},
        {"mode": "lines", "line": {"width": 6, "color": COLORS["lstm_truncated"]}, "name": "E_s on the self-loop"},
        {"mode": "text", "textfont": {"size": 12}, "cliponaxis": False, "name": "values"},   # labels may overhang
    ]
    for style, trace in zip(styles, diagram_frame(first, s_max, label=label), strict=True):
        fig.add_trace(go.Scatter(**{**trace, **style, "fillcolor": trace.get("fillcolor", style.get("fillcolor"))},
                                 xaxis=xaxis, yaxis=yaxis, showlegend=False, hoverinfo="skip"))
    shapes, notes = _static(xaxis, yaxis)
    fig.update_layout(shapes=list(fig.layout.shapes) + shapes, annotations=list(fig.layout.annotations) + notes)
    axis = {"range": list(X_RANGE), "visible": False, "fixedrange": True}
    fig.update_layout({_layout_name(xaxis): axis,
                       _layout_name(yaxis): {"range": list(Y_RANGE), "visible": False, "fixedrange": True}})
    return list(range(start, len(fig.data)))


def _layout_name(axis: str) -> str:
    """"x" -> "xaxis", "y3" -> "yaxis3"."""
    return f"{axis[0]}axis{axis[1:]}"


def cell_values(rec: Mapping[str, np.ndarray], t: int, cell: int = 0, block_size: int = 1) -> dict[str, float]:
    """The diagram's values of ``cell`` at step ``t`` (0-based) from a record of per-step arrays.

    Gates are per block: cell j belongs to block j // block_size. Arrays may be (T,) or (T, n).
    """
    def at(key: str, j: int) -> float:
        a = np.asarray(rec[key], dtype=float)
        return float(a[t] if a.ndim == 1 else a[t, j])

    block = cell // max(block_size, 1)
    return {"y_in": at("y_in", block), "y_out": at("y_out", block), "g_c": at("g_c", cell), "s_c": at("s_c", cell),
            "h_s": at("h_s", cell), "y_c": at("y_c", cell)}


def cell_diagram(rec: Mapping[str, np.ndarray], *, cell: int = 0, block_size: int = 1, height: int = 300,
                 frame_ms: int = 400) -> go.Figure:
    """A stand-alone animated diagram: one frame per step of ``rec`` (forward), then E_s flowing back if present.

    Parameters
    ----------
    rec : per-step arrays ``y_in``, ``y_out`` (T,) or (T, C); ``g_c``, ``s_c``, ``h_s``, ``y_c`` (T,) or
        (T, C*S); optional ``E_s`` and ``length``.
    cell, block_size : which cell to draw, and the cells per block (to find its gates).
    """
    L = int(rec.get("length", len(np.asarray(rec["s_c"]))))
    s = np.asarray(rec["s_c"], dtype=float)
    s_max = float(np.nanmax(np.abs(s[:L] if s.ndim == 1 else s[:L, cell]))) if L else 1.0
    frames = []
    for t in range(L):
        frames.append({"name": f"f{t + 1}", "data": diagram_frame(cell_values(rec, t, cell, block_size), s_max,
                                                                   label=f"t = {t + 1} →")})
    if "E_s" in rec:
        e = np.asarray(rec["E_s"], dtype=float)
        e = e if e.ndim == 1 else e[:, cell]
        for t in reversed(range(L)):
            frames.append({"name": f"b{t + 1}", "data": diagram_frame(cell_values(rec, t, cell, block_size), s_max,
                                                                       label=f"← t = {t + 1}", e_s=float(e[t]))})
    fig = go.Figure()
    traces = add_cell_diagram(fig, cell_values(rec, L - 1, cell, block_size), s_max, label=f"t = {L}")
    for f in frames:
        f["traces"] = traces
    fig.update_layout(**plotly_layout(
        height=height, margin={"l": 5, "r": 5, "t": 10, "b": 60}, hovermode=False,
        updatemenus=play_menus(frame_ms, y=0.0, pad={"t": 4}),
        sliders=[{"active": L - 1, "x": 0.0, "len": 1.0, "y": 0.0, "yanchor": "top", "pad": {"t": 45},
                  "currentvalue": {"visible": False},
                  "steps": [{"label": f["name"], "method": "animate", "args": [[f["name"]], still()]}
                            for f in frames]}]))
    return go.Figure({**fig.to_dict(), "frames": frames}, _validate=False)
