"""Per-step internals of one memory-cell block on one short sequence, for the "Memory cell" page.

A single block (C = 1, S = 1) whose weights are set by hand, spec §1.2::

    net_in  = w_in,x·x + w_in,write·write + b_in        y_in  = f(net_in)
    net_out = w_out,read·read + b_out                   y_out = f(net_out)
    net_c   = w_c·x + b_c                               s_c(t) = s_c(t−1) + y_in·g(net_c)
                                                        y_c   = y_out·h(s_c)

The block reads three input lines: the value x, a "write" signal and a "read" signal
(connectivity "B": no recurrent weights, so what the gates do is only what the sliders
say). Everything is computed by :func:`lstm_core.nets.lstm.forward` and named by
:func:`lstm_core.nets.lstm.internals`; this module only sets the weights and the inputs.

The second half records a trained network of any preset on one task sequence
(:func:`record_sequence`, :func:`record_checkpoints`), sized for an animation: over the
real length T = L_b of sequence b, one network (params with K = 1). For an LSTM preset:
gate activations, the internal states s_c of the constant error carousel (CEC), cell
outputs, outputs and targets, and the two error signals of the paper's truncated
learning rule: ``e_s``, the error the output units inject into each internal state at
step t, and ``E_s``, the error the CEC carries back to step t (the sum of e_s over all
later steps, unchanged: the carousel). For a plain RNN: the hidden activations and
``delta_h``, the error backpropagation through time brings to each step; it shrinks (or
blows up) from step to step, the vanishing gradient the paper is about. Error signals
have the paper's sign (error = t − y, App. A.1): minus the gradient of ½E, so a positive
value means "this unit should be larger".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS, lstm_grad, rnn
from lstm_core.nets.lstm import LSTMConfig, forward, internals, layout
from lstm_core.tasks import Batch

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


# ----------------------------------------------------------------------------- trained networks

def _one_trial(params: dict[str, Array], shapes: dict[str, tuple[int, ...]]) -> dict[str, Array]:
    """Params with a leading K = 1 axis (accepts them with or without it); ``shapes`` without K."""
    out = {}
    for name, v in params.items():
        v = np.asarray(v, dtype=float)
        if v.ndim == len(shapes[name]):
            v = v[None]
        if v.shape[0] != 1:
            raise ValueError(f"record needs the weights of one network (K = 1); {name} has shape {v.shape}")
        out[name] = v
    return out


def _sequence(batch: Batch, b: int) -> tuple[Array, Array, Array, int]:
    if not 0 <= b < batch.B:
        raise IndexError(f"sequence {b} is not in a batch of {batch.B}")
    L = int(batch.lengths[b])
    return batch.x[b, :L], batch.y[b, :L], batch.has_target[b, :L], L


def record_sequence(preset: Preset, params_one_trial: dict[str, Array], batch: Batch, b: int = 0) -> dict[str, Array]:
    """Run one network over sequence ``b`` of ``batch`` and keep every step's internals.

    Parameters
    ----------
    preset : the preset whose network ``params_one_trial`` belongs to
    params_one_trial : weights of one network, with a leading K = 1 axis (or without it)
    batch : a :class:`~lstm_core.tasks.Batch` of the preset's task
    b : which sequence of the batch

    Returns
    -------
    dict of arrays, T = the sequence's length:

    LSTM: ``x`` (T, n_in); ``y_in``, ``y_out`` (T, C) gate activations (y_out ≡ 1 without
    output gates); ``g_c``, ``s_c``, ``h_s``, ``y_c`` (T, C*S); ``y_k`` (T, O) outputs;
    ``target`` (T, O), NaN where there is no target; ``has_target`` (T,) bool; ``e_s``,
    ``E_s`` (T, C*S) error injected at / carried back by each internal state; ``y_phi``
    (T, C) forget gates (≡ 1 in the 1997 model); ``length`` () int.

    RNN: ``x``, ``h`` (T, H), ``y_k``, ``target``, ``has_target``, ``delta_h`` (T, H) the
    error BPTT brings to each hidden unit's net input (:func:`lstm_core.nets.rnn.error_signals`, the
    paper's sign), ``length``.

    Notes
    -----
    Without a forget gate s_c(t) = s_c(t−1) + y_in(t) g(net_c(t)) (eq 6 of App. A.1), so
    ``s_c`` is the running sum of ``y_in * g_c``; E_s(t) = Σ_{u≥t} e_s(u) (spec §2.3).
    """
    x, y, ht, L = _sequence(batch, b)
    X, Y, H = x[None, None], y[None, None], ht[None, None]            # (1, 1, T, ·)
    target = np.where(ht[:, None], y, np.nan)
    common = {"x": x.copy(), "target": target, "has_target": ht.astype(bool).copy(), "length": np.array(L)}
    cfg, net = preset.net, NETS[preset.model]
    p = _one_trial(params_one_trial, net.param_shapes(cfg))
    if net.has_cells:
        _, _, trace = lstm_grad.truncated_grad(cfg, p, X, Y, H)
        named = internals(cfg, trace)
        out = {k: named[k][0, 0] for k in ("y_in", "y_out", "y_phi", "g_c", "s_c", "h_s", "y_c", "y_k")}
        out["g_c"] = out["g_c"].reshape(L, -1)
        out["e_s"], out["E_s"] = trace["e_s"][0, 0], trace["E_s"][0, 0]
        return {**common, **out}
    trace = rnn.forward(cfg, p, X)
    _, dnet_h = rnn.error_signals(cfg, p, trace, (Y - trace["y_k"]) * H[..., None])   # BPTT, step by step
    return {**common, "h": trace["h"][0, 0], "y_k": trace["y_k"][0, 0], "delta_h": -dnet_h[0, 0]}


def record_checkpoints(preset: Preset, checkpoints: list[tuple[int, dict[str, Array]]], batch: Batch,
                       b: int = 0) -> list[dict[str, Array]]:
    """:func:`record_sequence` of sequence ``b`` under every checkpoint's weights (for a slider).

    Each record also holds ``sequences`` () int, the training sequences seen at that checkpoint.
    """
    return [{**record_sequence(preset, params, batch, b), "sequences": np.array(int(seen))}
            for seen, params in checkpoints]
