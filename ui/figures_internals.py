"""A network's internals on one sequence as a Plotly animation that plays in the browser.

:func:`internals_animation`: first the forward pass (gates, cell states, cell outputs, outputs
against the target grow step by step), then the error signal flowing back through the constant
error carousel (E_s, revealed from the last step to the first); a plain RNN's record gives hidden
activations and its vanishing backward error δ_h instead. The chosen cell is drawn above the
charts as the paper's Fig. 1 block (:mod:`ui.figures_diagram`), moved by the same frames.

No Streamlit here. Arrays are stored as float32 in the figure (base64 in the JSON),
so an animation of 60 frames stays around a megabyte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures_diagram import add_cell_diagram, cell_values, diagram_frame
from ui.internals_panels import is_rnn_record, panels, steps_of
from ui.step_control import play_menus
from ui.theme import plotly_layout

Array = np.ndarray
MAX_POINTS = 200       # time steps drawn per line; longer sequences are thinned evenly
DIAGRAM_HEIGHT = 250   # px of the cell diagram above the charts (compact: 170)


def _frame_steps(L: int, n: int) -> list[int]:
    """Up to n step counts 1..L, evenly spaced, always ending at L."""
    return sorted({int(round(t)) for t in np.linspace(1, L, min(n, L))})


def _range(ys: list[Array], log: bool = False) -> list[float]:
    vals = np.concatenate([y[np.isfinite(y)] for y in ys] or [np.zeros(1)])
    if log:
        vals = vals[vals > 0]
        if not len(vals):
            return [-3.0, 0.0]
        lo, hi = np.log10(vals.min()), np.log10(vals.max())
        return [float(lo - 0.2), float(hi + 0.2 + (hi - lo < 1e-9))]
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
    pad = 0.08 * (hi - lo) if hi > lo else 0.5
    return [lo - pad, hi + pad]


def internals_animation(rec: Mapping[str, Array], *, title: str = "", step_labels: Sequence[str] | None = None,
                        n_forward: int = 40, n_backward: int = 20,
                        class_names: Sequence[str] | None = None, diagram_cell: int | None = None,
                        panel_height: int = 170, frame_ms: int = 250, compact: bool = False,
                        range_recs: Sequence[Mapping[str, Array]] = ()) -> go.Figure:
    """The network's internals on one sequence, animated: forward pass, then error flowing back.

    Parameters
    ----------
    rec : dict from ``lstm_core.analysis.record.record_sequence``; arrays (T, ·) with ``length`` L:
        LSTM ``y_in``, ``y_out`` (T, C), ``s_c``, ``y_c``, ``E_s`` (T, C*S), ``y_k`` (T, O),
        ``target`` (T, O, NaN where none); RNN ``h``, ``delta_h`` (T, H), ``y_k``, ``target``.
    step_labels : optional (L,) labels of the steps (e.g. the input symbols), shown as hover text.
    diagram_cell : for an LSTM, the 0-based cell drawn as the paper's Fig. 1 block diagram above the
        charts (valves, carousel, E_s on the loop when going back), moved by the same frames; None: no diagram.
    panel_height, frame_ms : height of one chart panel (px), and how long Play shows each frame.
    range_recs : records of the same network at other checkpoints: every panel's y-axis covers them
        too, so the axes stay put while the checkpoint slider moves (states are seen to grow).
    compact : for a 1024×768 projector: no legend (hover names every line) and no cell-output panel
        (y_c = y_out·h(s_c) is in the diagram), so the rest stays readable in one screen.
    class_names : optional (O,) names of the output units (e.g. the classes Q, R, S, U of Exp 6a),
        written next to the class the net picked where outputs count at the sequence end only.
    n_forward, n_backward : frames of each phase (≤ 60 frames in all by default).

    Returns
    -------
    go.Figure with one subplot per panel, ``frames``, a play/pause menu and a step slider.
    """
    def chosen(r: Mapping[str, Array]) -> list[tuple[str, list[dict]]]:
        out = panels(r, class_names)
        return [p for p in out if not p[0].startswith("Cell outputs")] if compact else out

    drawn = chosen(rec)
    # y-axes fixed across checkpoints: each panel's range covers the same panel of every record given
    other_panels = list(zip(*[chosen(r) for r in range_recs])) if range_recs else []
    L = int(rec.get("length", len(np.asarray(rec["y_k"]))))
    stride = max(1, int(np.ceil(L / MAX_POINTS)))
    keep = np.arange(0, L, stride)                       # thinned step indices (0-based)
    steps = keep + 1                                     # the paper's t = 1..L
    rnn = is_rnn_record(rec)
    cell = diagram_cell if diagram_cell is not None and not rnn and "g_c" in rec and "h_s" in rec else None
    if cell is not None:
        n_cells = np.asarray(rec["s_c"]).reshape(len(np.asarray(rec["s_c"])), -1).shape[1]
        n_blocks = np.asarray(rec["y_in"]).reshape(len(np.asarray(rec["y_in"])), -1).shape[1]
        cell = int(np.clip(cell, 0, n_cells - 1))
        block_size = max(n_cells // max(n_blocks, 1), 1)
    off = int(cell is not None)                          # the diagram takes the first row
    heights = ([170 if compact else DIAGRAM_HEIGHT] if off else []) + [panel_height] * len(drawn)
    fig = make_subplots(rows=len(drawn) + off, cols=1, vertical_spacing=40 / (sum(heights) + 40 * len(drawn)),
                        row_heights=[h / sum(heights) for h in heights],
                        subplot_titles=([""] if off else []) + [p[0] for p in drawn])
    bottom_row = len(drawn) + off
    for r in range(1 + off, bottom_row + 1):            # the charts share their time axis (not the diagram)
        fig.update_xaxes(matches=f"x{bottom_row}" if r != bottom_row else None, showticklabels=r == bottom_row,
                         row=r, col=1)
    lines = []
    for row, (_, group) in enumerate(drawn, start=1 + off):
        for line in group:
            y = np.abs(line["y"]) if line["kind"] == "back" and rnn else line["y"]
            y = np.where(y == 0, np.nan, y) if line["kind"] == "back" and rnn else y
            lines.append((line, y[keep].astype(np.float32)))
            mode = line.get("mode", "lines")
            text = [line["text"][i] for i in keep] if "text" in line else \
                ([step_labels[i] for i in keep] if step_labels is not None else None)
            fig.add_trace(go.Scatter(
                x=steps, y=y[keep].astype(np.float32), name=line["name"], legendgroup=f"p{row}", mode=mode,
                line={"color": line["color"], "dash": line["dash"], "width": 2},
                marker={"symbol": line.get("symbol", "x"), "size": 12 if "text" in line else 9,
                        "color": line["color"]} if mode != "lines" else None,
                text=text, textposition="middle left" if "text" in line else None,
                hovertemplate=_hover(text is not None),
            ), row=row, col=1)
        log = rnn and row == bottom_row
        same = [g for _, g in other_panels[row - 1 - off]] if other_panels else []   # this panel, every checkpoint
        ys = [ln["y"] for ln in group] + [ln["y"] for g in same for ln in g]
        fig.update_yaxes(range=_range([np.abs(y) if log else y for y in ys], log=log),
                         type="log" if log else "linear", row=row, col=1)
    fig.update_xaxes(range=[0.5, L + 0.5], row=bottom_row, col=1, title_text="time step t")
    if step_labels is not None and L <= 40:  # short symbol strings: name each step's input under the axis
        fig.update_xaxes(tickmode="array", tickvals=list(range(1, L + 1)),
                         ticktext=[f"{t}<br>{step_labels[t - 1]}" for t in range(1, L + 1)], row=bottom_row, col=1)

    def frame_data(t_fwd: int, t_back: int | None) -> list[dict]:
        data = []
        for line, y in lines:
            shown = y.copy()
            if line["kind"] == "back":
                shown[steps < (t_back if t_back is not None else L + 1)] = np.nan
            else:
                shown[steps > t_fwd] = np.nan
            data.append({"type": "scatter", "y": shown})
        if cell is not None:                             # the diagram at the same step (the error when going back)
            t = (t_back if t_back is not None else t_fwd) - 1
            e_s = float(steps_of(rec, "E_s")[t, cell]) if t_back is not None and "E_s" in rec else None
            data += diagram_frame(cell_values(rec, t, cell, block_size), s_max,
                                  label=f"{name} · ← t = {t + 1}" if t_back is not None else f"{name} · t = {t + 1} →",
                                  e_s=e_s)
        return data

    if cell is not None:
        name = f"Cell {cell + 1} (block {cell // block_size + 1})"      # written in the diagram's corner
        s_all = steps_of(rec, "s_c")[:, cell]
        s_max = float(np.nanmax(np.abs(s_all))) or 1.0
        add_cell_diagram(fig, cell_values(rec, L - 1, cell, block_size), s_max, xaxis="x", yaxis="y",
                         label=f"{name} · t = {L}")

    frames, labels = [], []
    for t in _frame_steps(L, n_forward):
        frames.append({"data": frame_data(t, None), "name": f"f{t}"})
        labels.append(f"→{t}")
    for t in reversed(_frame_steps(L, n_backward)):
        frames.append({"data": frame_data(L, t), "name": f"b{t}"})
        labels.append(f"←{t}")
    # the figure opens on the last frame: the whole sequence, error flow included
    slider_steps = [{"args": [[f["name"]], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                         "transition": {"duration": 0}}],
                     "label": lab, "method": "animate"} for f, lab in zip(frames, labels)]
    fig.update_layout(**plotly_layout(
        title={"text": title, "x": 0.5, "xanchor": "center"} if title else None,
        height=sum(heights) + 40 * (len(heights) - 1) + 150, hovermode="x unified",
        showlegend=not compact,
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top",
                "tracegroupgap": 12, "groupclick": "toggleitem"},
        margin={"t": 70, "b": 30, "r": 10},
        updatemenus=play_menus(frame_ms, y=1.0, yanchor="bottom", pad={"b": 28}),
        sliders=[{"active": len(frames) - 1, "steps": slider_steps, "x": 0.0, "len": 1.0, "y": 0.0,
                  "yanchor": "top", "pad": {"t": 55}, "currentvalue": {"prefix": "step ", "font": {"size": 13}}}]))
    # frames as plain dicts, unvalidated: thousands of small traces would take seconds to validate
    return go.Figure({**fig.to_dict(), "frames": frames}, _validate=False)


def _hover(with_text: bool) -> str:
    return "%{y:.3f}" + (" (%{text})" if with_text else "") + "<extra>%{fullData.name}</extra>"
