"""Figures of one memory-cell block: animated traces, drift comparison, equations with numbers.

Pure functions: a record from :func:`lstm_core.analysis.record.run_single_cell` (dict of (T,) arrays)
in, a go.Figure, a DataFrame or LaTeX strings out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.analysis.record import CellWeights
from ui.figures_diagram import add_cell_diagram, cell_values, diagram_frame
from ui.step_control import play_menus, still
from ui.theme import COLORS, COLORWAY, plotly_layout

# (panel, key, label, colour, dash)
TRACES: list[tuple[int, str, str, str, str]] = [
    (1, "value", "input value x", COLORS["target"], "solid"),
    (1, "write", "write signal", COLORS["input_gate"], "dot"),
    (1, "read", "read signal", COLORS["output_gate"], "dot"),
    (2, "net_in", "net_in", COLORS["input_gate"], "solid"),
    (2, "net_out", "net_out", COLORS["output_gate"], "solid"),
    (2, "net_c", "net_c", COLORWAY[4], "solid"),
    (3, "y_in", "y_in = f(net_in)", COLORS["input_gate"], "solid"),
    (3, "y_out", "y_out = f(net_out)", COLORS["output_gate"], "solid"),
    (4, "g_c", "g(net_c)", COLORWAY[4], "dot"),
    (4, "s_c", "s_c (the CEC)", COLORS["cell_state"], "solid"),
    (4, "h_s", "h(s_c)", COLORS["cell_state"], "dot"),
    (4, "y_c", "y_c = y_out·h(s_c)", COLORS["cell_output"], "solid"),
]
PANELS = ("inputs", "net inputs", "gates", "cell")


def _panel_traces(rec: dict[str, np.ndarray], upto: int) -> list[go.Scatter]:
    t = np.arange(1, upto + 1)
    return [go.Scatter(x=t, y=np.round(rec[key][:upto], 4), name=label, mode="lines+markers",
                       line={"color": colour, "dash": dash, "width": 2.5 if key == "s_c" else 2},
                       marker={"size": 5}, legendgroup=PANELS[panel - 1],
                       legendgrouptitle={"text": PANELS[panel - 1]})
            for panel, key, label, colour, dash in TRACES]


_DASH_MARK = {"solid": "—", "dot": "···", "dash": "--"}
_PANEL_NAMES = ("inputs", "net inputs", "gate activations", "memory cell")


def _title(panel: int) -> str:
    """A panel's title naming each of its lines in the line's colour and dash (instead of a legend)."""
    names = [f'<span style="color:{colour}">{_DASH_MARK.get(dash, "—")} {label}</span>'
             for p, _, label, colour, dash in TRACES if p == panel]
    return f"<b>{_PANEL_NAMES[panel - 1]}</b>: " + ", ".join(names)


def cell_animation(rec: dict[str, np.ndarray], step: int | None = None, *, diagram: bool = True,
                   panel_height: int = 150, diagram_height: int = 260, frame_ms: int = 400,
                   panels: tuple[int, ...] = (1, 2, 3, 4)) -> go.Figure:
    """The block's diagram (paper Fig. 1) above four panels over time (inputs, net inputs, gates, cell), animated.

    One Plotly frame per step moves the diagram's valves and level to that step and reveals the
    traces up to it; one play / pause menu and one slider drive both, in the browser. ``step``
    (1-based) is the step shown at first (default: the last, the whole sequence). ``panels``: which
    of the four to draw (1-based, in :data:`PANELS` order; a projector has room for three).
    """
    T = rec["s_c"].size
    step = T if step is None else int(np.clip(step, 1, T))
    n_rows = len(panels) + int(diagram)
    first = 2 if diagram else 1
    row_of = {panel: first + i for i, panel in enumerate(panels)}
    drawn = [i for i, (panel, *_rest) in enumerate(TRACES) if panel in row_of]     # indices into TRACES
    heights = ([diagram_height] if diagram else []) + [panel_height] * len(panels)
    titles = ([""] if diagram else []) + [_title(panel) for panel in panels]
    fig = make_subplots(rows=n_rows, cols=1, vertical_spacing=45 / (sum(heights) + 45 * (n_rows - 1)),
                        row_heights=[h / sum(heights) for h in heights], subplot_titles=titles)
    traces = _panel_traces(rec, step)
    for i in drawn:
        fig.add_trace(traces[i], row=row_of[TRACES[i][0]], col=1)
    n = len(drawn)
    bottom = f"x{n_rows}" if n_rows > 1 else "x"
    for row in range(first, n_rows + 1):
        fig.update_xaxes(range=[0.5, T + 0.5], matches=bottom if row != n_rows else None,
                         showticklabels=row == n_rows, row=row, col=1)
    fig.update_xaxes(title_text="time step t", row=n_rows, col=1)
    s_max = float(np.max(np.abs(rec["s_c"]))) or 1.0
    diagram_traces = []
    if diagram:
        diagram_traces = add_cell_diagram(fig, cell_values(rec, step - 1), s_max, xaxis="x", yaxis="y",
                                          label=f"t = {step}")
    frames = []
    for k in range(1, T + 1):
        data = [{"type": "scatter", "x": list(range(1, k + 1)), "y": np.round(rec[TRACES[i][1]][:k], 4).tolist()}
                for i in drawn]
        if diagram:
            data += diagram_frame(cell_values(rec, k - 1), s_max, label=f"t = {k}")
        frames.append({"name": str(k), "traces": list(range(n)) + diagram_traces, "data": data})
    for panel in panels:
        keys = [k for p, k, *_ in TRACES if p == panel]
        lo = min(float(rec[k].min()) for k in keys)
        hi = max(float(rec[k].max()) for k in keys)
        pad = 0.08 * max(hi - lo, 0.5)
        fig.update_yaxes(range=[lo - pad, hi + pad], row=row_of[panel], col=1)
    fig.update_layout(**plotly_layout(
        height=sum(heights) + 45 * (n_rows - 1) + 195, hovermode="x unified",
        margin={"t": 20, "b": 175, "r": 10},   # the buttons, then the slider under them
        showlegend=False,   # the panel titles name each line in its colour: the plot keeps the full width
        updatemenus=play_menus(frame_ms, y=0.0, pad={"t": 50}),
        sliders=[{"active": step - 1, "x": 0.0, "len": 1.0, "y": 0.0, "yanchor": "top", "pad": {"t": 95},
                  "currentvalue": {"prefix": "step t = ", "xanchor": "right"},
                  "steps": [{"label": f["name"], "method": "animate", "args": [[f["name"]], still()]}
                            for f in frames]}]))
    return with_frames(fig, frames)


class AnimatedFigure(go.Figure):
    """A go.Figure whose animation frames are plain dicts, added only when it is serialised.

    Plotly validates every frame trace as an object, which costs about a second for a few
    hundred of them; these frames carry only the x / y (or z) arrays of traces the figure
    has already validated. ``to_dict`` (used by ``to_json`` and by ``st.plotly_chart``)
    returns the figure with its frames.
    """

    def __init__(self, fig: go.Figure, frames: list[dict]):
        super().__init__(fig)
        self._raw_frames = frames

    def to_dict(self) -> dict:
        spec = super().to_dict()
        spec["frames"] = self._raw_frames
        return spec

    def __reduce__(self):  # picklable, so st.cache_data can keep it
        return _rebuild, (go.Figure.to_dict(self), self._raw_frames)


def _rebuild(spec: dict, frames: list[dict]) -> AnimatedFigure:
    return AnimatedFigure(go.Figure(spec), frames)


def with_frames(fig: go.Figure, frames: list[dict]) -> AnimatedFigure:
    """``fig`` with animation ``frames`` (dicts with name, traces and data), see :class:`AnimatedFigure`."""
    return AnimatedFigure(fig, frames)


def drift_figure(runs: dict[str, dict[str, np.ndarray]]) -> go.Figure:
    """State drift (spec §1.6): s_c and h'(s_c) over time for a few input-gate biases."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("internal state s_c", "h'(s_c): how much error can enter"))
    dashes = ("solid", "dash", "dot")
    for i, (label, rec) in enumerate(runs.items()):
        t = np.arange(1, rec["s_c"].size + 1)
        for col, key, colour in ((1, "s_c", COLORS["cell_state"]), (2, "dh_s", COLORS["cell_output"])):
            fig.add_trace(go.Scatter(x=t, y=rec[key], name=label, legendgroup=label, showlegend=col == 1,
                                     line={"color": colour, "dash": dashes[i % 3]}), row=1, col=col)
    fig.update_xaxes(title_text="time step t")
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    fig.update_layout(**plotly_layout(height=360, hovermode="x unified", margin={"t": 90},
                                      legend={"y": 1.15, "yanchor": "bottom"}))
    return fig


def cell_table(rec: dict[str, np.ndarray]) -> pd.DataFrame:
    """Every trace of :func:`cell_animation`, one row per step (for screen readers)."""
    data = {"t": np.arange(1, rec["s_c"].size + 1)}
    data.update({label: np.round(rec[key], 4) for _, key, label, _, _ in TRACES})
    data["h'(s_c)"] = np.round(rec["dh_s"], 6)
    return pd.DataFrame(data)


def _n(v: float) -> str:
    return f"{v:.3f}".replace("-", "-\\,") if v < 0 else f"{v:.3f}"


def cell_equations(rec: dict[str, np.ndarray], w: CellWeights, step: int) -> list[str]:
    """The paper's block equations (spec §1.2, App. A.1 eqs 6-9) filled in at ``step`` (1-based)."""
    t = int(np.clip(step, 1, rec["s_c"].size)) - 1
    v = {k: float(a[t]) for k, a in rec.items()}
    s_prev = float(rec["s_c"][t - 1]) if t > 0 else 0.0
    # short rows (definition, numbers, result): every equation fits a 1024-px screen
    return [
        rf"\begin{{aligned}} net_{{in}}(t) &= w_{{in,x}}\,x + w_{{in,w}}\,\mathrm{{write}} + b_{{in}} \\"
        rf" &= {_n(w.w_in_value)}\cdot{_n(v['value'])} + {_n(w.w_in_write)}\cdot{_n(v['write'])} \\"
        rf" &\quad + ({_n(w.b_in)}) \\ &= {_n(v['net_in'])} \end{{aligned}}",   # (4 rows: fits 1024 px)
        rf"y^{{in}}(t) = f(net_{{in}}(t)) = {_n(v['y_in'])}",
        rf"\begin{{aligned}} net_{{out}}(t) &= w_{{out,r}}\,\mathrm{{read}} + b_{{out}} \\"
        rf" &= {_n(w.w_out_read)}\cdot{_n(v['read'])} + ({_n(w.b_out)}) \\ &= {_n(v['net_out'])} \end{{aligned}}",
        rf"y^{{out}}(t) = f(net_{{out}}(t)) = {_n(v['y_out'])}",
        rf"\begin{{aligned}} net_c(t) &= w_c\,x + b_c \\"
        rf" &= {_n(w.w_c)}\cdot{_n(v['value'])} + ({_n(w.b_c)}) \\ &= {_n(v['net_c'])} \end{{aligned}}",
        rf"\begin{{aligned}} g(net_c(t)) &= 4\sigma(net_c) - 2 \\ &= {_n(v['g_c'])} \end{{aligned}}",
        rf"\begin{{aligned}} s_c(t) &= s_c(t-1) + y^{{in}}(t)\,g(net_c(t)) \\"
        rf" &= {_n(s_prev)} + {_n(v['y_in'])}\cdot{_n(v['g_c'])} \\ &= {_n(v['s_c'])} \end{{aligned}}",
        rf"\begin{{aligned}} y^c(t) &= y^{{out}}(t)\,h(s_c(t)) \\"
        rf" &= {_n(v['y_out'])}\cdot{_n(v['h_s'])} \\ &= {_n(v['y_c'])} \end{{aligned}}",
    ]
