"""The lines a network's internals are drawn as: one panel per quantity, one line per cell or unit.

Pure (arrays in, dicts or a table out): :func:`panels` says what :func:`ui.figures_internals.internals_animation`
draws in each panel (LSTM: gates, cell states, cell outputs, outputs against the target, E_s; plain RNN:
hidden units, outputs, the backward error δ_h); :func:`record_table` gives the same record as a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ui.theme import COLORS

Array = np.ndarray
MAX_LINES = 8          # lines of one kind drawn per panel (cells, blocks); the table has all of them
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "5px 2px", "1px 3px")


def steps_of(rec: Mapping[str, Array], key: str) -> Array | None:
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
    y, target = steps_of(rec, "y_k"), steps_of(rec, "target")
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


def panels(rec: Mapping[str, Array], class_names: Sequence[str] | None = None) -> list[tuple[str, list[dict]]]:
    """(panel title, lines) for the record; a line is a dict name, y (L,), color, dash, kind."""
    def group(key: str, name: str, color: str, kind: str = "forward") -> list[dict]:
        a = steps_of(rec, key)
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


def record_table(rec: Mapping[str, Array]) -> pd.DataFrame:
    """Every per-step array of a record as columns (one row per time step, t = 1..L)."""
    L = int(rec.get("length", len(np.asarray(rec["y_k"]))))
    cols: dict[str, Array] = {"t": np.arange(1, L + 1)}
    for key in ("x", "y_in", "y_out", "g_c", "s_c", "h_s", "y_c", "h", "y_k", "target", "e_s", "E_s", "delta_h"):
        a = steps_of(rec, key)
        if a is None:
            continue
        for i in range(a.shape[1]):
            cols[f"{key}_{i + 1}" if a.shape[1] > 1 else key] = a[:, i]
    return pd.DataFrame(cols)
