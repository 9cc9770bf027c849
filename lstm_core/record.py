"""Per-step internals of one memory-cell block on one short sequence, for the "Memory cell" page.

A single block (C = 1, S = 1) whose weights are set by hand, spec §1.2::

    net_in  = w_in,x·x + w_in,write·write + b_in        y_in  = f(net_in)
    net_out = w_out,read·read + b_out                   y_out = f(net_out)
    net_c   = w_c·x + b_c                               s_c(t) = s_c(t−1) + y_in·g(net_c)
                                                        y_c   = y_out·h(s_c)

The block reads three input lines: the value x, a "write" signal and a "read" signal
(connectivity "B": no recurrent weights, so what the gates do is only what the sliders
say). Everything is computed by :func:`lstm_core.lstm.forward` and named by
:func:`lstm_core.lstm.internals`; this module only sets the weights and the inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .lstm import LSTMConfig, forward, internals, layout

Array = np.ndarray

CELL_CONFIG = LSTMConfig(n_in=3, n_out=1, blocks=1, block_size=1, connectivity="B")
INPUTS = ("value", "write", "read")
MAX_STEPS = 60        # longest sequence a student may type
MAX_ABS_VALUE = 10.0  # largest |value| a student may type


@dataclass(frozen=True)
class CellWeights:
    """The hand-set weights of the block (the page's sliders)."""

    w_in_value: float = 0.0   # value -> input gate
    w_in_write: float = 6.0   # write signal -> input gate
    b_in: float = -3.0        # input-gate bias (negative: closed unless told to write, spec §1.6)
    w_out_read: float = 6.0   # read signal -> output gate
    b_out: float = -3.0       # output-gate bias
    w_c: float = 1.0          # value -> cell input
    b_c: float = 0.0          # cell-input bias


def single_cell_params(w: CellWeights) -> dict[str, Array]:
    """The weight arrays of :data:`CELL_CONFIG` (K = 1) holding ``w``.

    Returns ``W_h`` (1, I=4, U=3) and ``W_k`` (1, J, 1); the output unit reads y_c with weight 1.
    """
    cfg = CELL_CONFIG
    L = layout(cfg)
    W_h = np.zeros((1, L.I, L.U))
    x_value, x_write, x_read = range(3)
    ig, og, c = L.in_gate.start, L.out_gate.start, L.cells.start
    W_h[0, x_value, ig], W_h[0, x_write, ig], W_h[0, L.src_bias, ig] = w.w_in_value, w.w_in_write, w.b_in
    W_h[0, x_read, og], W_h[0, L.src_bias, og] = w.w_out_read, w.b_out
    W_h[0, x_value, c], W_h[0, L.src_bias, c] = w.w_c, w.b_c
    W_k = np.zeros((1, L.J, 1))
    W_k[0, L.out_cells, 0] = 1.0
    return {"W_h": W_h, "W_k": W_k}


def run_single_cell(inputs: Array, w: CellWeights) -> dict[str, Array]:
    """Step the block through one sequence.

    Parameters
    ----------
    inputs : (T, 3) the value, write and read lines at every step

    Returns
    -------
    dict of (T,) arrays: ``value``, ``write``, ``read``, ``net_in``, ``net_out``, ``net_c``,
    ``y_in``, ``y_out``, ``g_c``, ``s_c``, ``h_s``, ``y_c``, and ``dh_s`` = h'(s_c), the factor
    by which error enters the cell (small when the state has drifted, spec §1.6).
    """
    inputs = np.asarray(inputs, dtype=float)
    cfg = CELL_CONFIG
    tr = internals(cfg, forward(cfg, single_cell_params(w), inputs[None, None]))
    out = {name: inputs[:, i].copy() for i, name in enumerate(INPUTS)}
    for name in ("net_in", "net_out", "net_c", "y_in", "y_out", "g_c", "s_c", "h_s", "y_c"):
        out[name] = tr[name][0, 0, :, 0]
    out["dh_s"] = ACTIVATIONS[cfg.h].deriv(out["s_c"])
    return out


def store_recall(values: Array) -> Array:
    """Inputs (T, 3) for a value sequence: write at the first step, read at the last."""
    values = np.asarray(values, dtype=float)
    inputs = np.zeros((values.size, 3))
    inputs[:, 0] = values
    inputs[0, 1] = 1.0
    inputs[-1, 2] = 1.0
    return inputs


def _drift(T: int = 40) -> Array:
    inputs = np.zeros((T, 3))
    inputs[:, 0] = 0.5                        # a steady input, never meant to be stored
    inputs[-1, 2] = 1.0
    return inputs


SEQUENCES: dict[str, Array] = {
    "store_recall": store_recall([0.8] + [0.0] * 10 + [0.0]),
    "distractors": store_recall([0.8] + list(np.random.default_rng(1997).uniform(-1, 1, 18).round(2)) + [0.0]),
    "drift": _drift(),
}
"""Preset input sequences (T, 3): store a value then recall it; store it through distractors;
a steady input that makes the state drift when the input gate is not closed."""

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?", re.ASCII)


def parse_sequence(text: str, max_steps: int = MAX_STEPS, max_abs: float = MAX_ABS_VALUE) -> Array:
    """Parse a typed value sequence such as ``"0.8, 0, -0.3, 0"``.

    Raises
    ------
    ValueError
        with a message a student can act on: empty, too long, not a number, too large.
    """
    items = [item.strip(" \t") for item in text.strip(" \t\r\n").split(",")]
    if items == [""]:
        raise ValueError("Type at least one number, e.g. 0.8, 0, 0, 0.")
    if len(items) > max_steps:
        raise ValueError(f"At most {max_steps} numbers, please (you typed {len(items)}).")
    values = []
    for i, item in enumerate(items, start=1):
        if not _NUMBER.fullmatch(item):
            shown = item[:12] + ("…" if len(item) > 12 else "")
            raise ValueError(f"Item {i} ({shown!r}) is not a number; separate numbers with commas.")
        v = float(item)
        if not abs(v) <= max_abs:
            raise ValueError(f"Item {i} ({item}) is larger than {max_abs:g} in size.")
        values.append(v)
    return np.array(values)
