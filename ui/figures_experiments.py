"""Figures of the Experiments page: pure builders, arrays in, ``go.Figure`` (or a table) out.

* :func:`internals_animation` — a network's internals on one sequence as a Plotly
  animation that plays in the browser: first the forward pass (gates, cell states,
  cell outputs, outputs against the target grow step by step), then the error
  signal flowing back through the constant error carousel (E_s, revealed from the
  last step to the first). A plain RNN's record gives hidden activations and its
  vanishing backward error δ_h instead.
* :func:`learning_curves` — error and % correct over training sequences, one colour
  per model (LSTM vs RNN baseline), thin lines per trial, a thick line for the mean.
* :func:`example_sequence_figure` — one sequence of a real-valued task.
* ``*_table`` — the same data as a ``pandas.DataFrame`` (Data table expanders, CSV).

No Streamlit here. Arrays are stored as float32 in the figure (base64 in the JSON),
so an animation of 60 frames stays around a megabyte.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figure_spec import FrozenFigure
from ui.figures_diagram import add_cell_diagram, cell_values, diagram_frame
from ui.step_control import play_menus
from ui.theme import COLORS, plotly_layout

Array = np.ndarray
MAX_LINES = 8          # lines of one kind drawn per panel (cells, blocks); the table has all of them
MAX_POINTS = 200       # time steps drawn per line; longer sequences are thinned evenly
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "5px 2px", "1px 3px")
MODEL_COLORS = {"LSTM": COLORS["ours"], "RNN": COLORS["rnn_measured"]}
DIAGRAM_HEIGHT = 250   # px of the cell diagram above the charts


def _steps(rec: Mapping[str, Array], key: str) -> Array | None:
    """``rec[key]`` as a float (L, n) array cut to the sequence length, or None if absent."""
    if key not in rec or rec[key] is None:
        return None
    a = np.asarray(rec[key], dtype=float)
    L = int(rec.get("length", a.shape[0]))
    return a.reshape(a.shape[0], -1)[:L]


def is_rnn_record(rec: Mapping[str, Array]) -> bool:
    """True for the record of a plain RNN (hidden activations ``h``), False for an LSTM."""
    return "h" in rec and "s_c" not in rec


def _sparse(target: Array) -> bool:
    """True if targets come at a few steps only (e.g. at the sequence end): drawn as markers, not lines."""
    n = int((~np.isnan(target).all(1)).sum())
    return 0 < n <= max(3, len(target) // 20)


def _output_lines(rec: Mapping[str, Array], class_names: Sequence[str] | None = None) -> list[dict]:
    """The lines of the output panel: dicts name, y (L,), kind ("output", "target" or "picked"), text.

    Up to 3 output units: each against its own target. More (one unit per symbol or class): the
    output of the unit that should be on, against 1, and the largest other output, against 0; where
    targets come at a few steps only (a class at the sequence end), also the class the net picked
    (its largest output), labelled with the class name.
    """
    y, target = _steps(rec, "y_k"), _steps(rec, "target")
    if y.shape[1] <= 3:
        suffix = (lambda o: f" {o + 1}") if y.shape[1] > 1 else (lambda o: "")
        out = []
        for o in range(y.shape[1]):
            out += [{"name": f"output{suffix(o)}", "y": y[:, o], "kind": "output"},
                    {"name": f"target{suffix(o)}", "y": target[:, o], "kind": "target"}]
        return out
    has = ~np.isnan(target).all(1)
    want = np.where(has, np.nanargmax(np.where(np.isnan(target), -np.inf, target), axis=1), 0)
    rows = np.arange(len(y))
    right = np.where(has, y[rows, want], np.nan)
    others = y.copy()
    others[rows, want] = -np.inf
    wrong = np.where(has, others.max(1), np.nan)
    out = [{"name": "output of the right symbol", "y": right, "kind": "output"},
           {"name": "target 1", "y": np.where(has, 1.0, np.nan), "kind": "target"},
           {"name": "largest other output", "y": wrong, "kind": "output"},
           {"name": "target 0", "y": np.where(has, 0.0, np.nan), "kind": "target"}]
    if _sparse(target):
        names = list(class_names) if class_names is not None and len(class_names) == y.shape[1] else \
            [f"unit {k + 1}" for k in range(y.shape[1])]
        picked = np.argmax(y, axis=1)
        text = [f"picked {names[picked[t]]}" + (" ✓" if picked[t] == want[t] else f" ✗ (right: {names[want[t]]})")
                if has[t] else "" for t in range(len(y))]
        out.append({"name": "class the net picked", "y": np.where(has, y.max(1), np.nan), "kind": "picked",
                    "text": text})
    return out


def _panels(rec: Mapping[str, Array], class_names: Sequence[str] | None = None) -> list[tuple[str, list[dict]]]:
    """(panel title, lines) for the record; a line is a dict name, y (L,), color, dash, kind."""
    def group(key: str, name: str, color: str, kind: str = "forward") -> list[dict]:
        a = _steps(rec, key)
        if a is None:
            return []
        n = a.shape[1]
        return [{"name": f"{name} {i + 1}" if n > 1 else name, "y": a[:, i], "color": color,
                 "dash": DASHES[i % len(DASHES)], "kind": kind} for i in range(min(n, MAX_LINES))]

    out_lines = []
    for i, line in enumerate(_output_lines(rec, class_names)):
        kind = line.pop("kind")
        color = COLORS["target"] if kind == "target" else COLORS["output"]
        few = int(np.isfinite(line["y"]).sum()) <= max(3, len(line["y"]) // 20)   # e.g. only at the end
        mode = "markers" if kind == "target" else ("markers+text" if kind == "picked" else
                                                   "markers" if few else "lines")
        out_lines.append({**line, "color": color, "dash": DASHES[i // 2 % len(DASHES)], "mode": mode,
                          "kind": "target" if kind == "target" else "forward",
                          "symbol": {"target": "x", "picked": "star"}.get(kind, "circle-open" if i else "circle")})
    if is_rnn_record(rec):
        return [("Hidden units h", group("h", "h", COLORS["rnn_measured"])),
                ("Outputs and target", out_lines),
                ("Error flowing back, |δ_h| (log scale)", group("delta_h", "|δ_h|", COLORS["rnn_measured"], "back"))]
    gates = group("y_in", "input gate", COLORS["input_gate"]) + group("y_out", "output gate", COLORS["output_gate"])
    return [("Gates y_in, y_out", gates),
            ("Cell states s_c (the CEC)", group("s_c", "s_c", COLORS["cell_state"])),
            ("Cell outputs y_c", group("y_c", "y_c", COLORS["cell_output"])),
            ("Outputs and target", out_lines),
            ("Error flowing back through the CEC, E_s", group("E_s", "E_s", COLORS["lstm_truncated"], "back"))]


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
        out = _panels(r, class_names)
        return [p for p in out if not p[0].startswith("Cell outputs")] if compact else out

    panels = chosen(rec)
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
    heights = ([DIAGRAM_HEIGHT] if off else []) + [panel_height] * len(panels)
    fig = make_subplots(rows=len(panels) + off, cols=1, vertical_spacing=40 / (sum(heights) + 40 * len(panels)),
                        row_heights=[h / sum(heights) for h in heights],
                        subplot_titles=([f"<b>Cell {cell + 1}</b> (block {cell // block_size + 1})"] if off else [])
                        + [p[0] for p in panels])
    bottom_row = len(panels) + off
    for r in range(1 + off, bottom_row + 1):            # the charts share their time axis (not the diagram)
        fig.update_xaxes(matches=f"x{bottom_row}" if r != bottom_row else None, showticklabels=r == bottom_row,
                         row=r, col=1)
    lines = []
    for row, (_, group) in enumerate(panels, start=1 + off):
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
            e_s = float(_steps(rec, "E_s")[t, cell]) if t_back is not None and "E_s" in rec else None
            data += diagram_frame(cell_values(rec, t, cell, block_size), s_max,
                                  label=f"← t = {t + 1}" if t_back is not None else f"t = {t + 1} →", e_s=e_s)
        return data

    if cell is not None:
        s_all = _steps(rec, "s_c")[:, cell]
        s_max = float(np.nanmax(np.abs(s_all))) or 1.0
        add_cell_diagram(fig, cell_values(rec, L - 1, cell, block_size), s_max, xaxis="x", yaxis="y",
                         label=f"t = {L}")

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


def record_table(rec: Mapping[str, Array]) -> pd.DataFrame:
    """Every per-step array of a record as columns (one row per time step, t = 1..L)."""
    L = int(rec.get("length", len(np.asarray(rec["y_k"]))))
    cols: dict[str, Array] = {"t": np.arange(1, L + 1)}
    for key in ("x", "y_in", "y_out", "g_c", "s_c", "h_s", "y_c", "h", "y_k", "target", "e_s", "E_s", "delta_h"):
        a = _steps(rec, key)
        if a is None:
            continue
        for i in range(a.shape[1]):
            cols[f"{key}_{i + 1}" if a.shape[1] > 1 else key] = a[:, i]
    return pd.DataFrame(cols)


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
