"""Python entry points of the LSTM kernels: the same arguments and returns as the readable references.

========================  =============================================  ====================================
here                      kernel                                         reference it equals
========================  =============================================  ====================================
:func:`lstm_forward`      :func:`~lstm_core.nets.kernels_lstm.forward`   :func:`lstm_core.lstm.forward`
:func:`lstm_train_seq`    :func:`~lstm_core.nets.kernels_rtrl.train_sequence`   ``lstm_online.train_sequence``
:func:`lstm_train_chunk`  :func:`~lstm_core.nets.kernels_rtrl.train_chunk`      the trial loop's NumPy path
========================  =============================================  ====================================

Inputs are given dense (``x``) or by symbol (``sym``, the index of the active input unit, −1
for none); exactly one of them.
"""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..lstm import LSTMConfig, layout, masks
from . import kernels_lstm, kernels_rtrl
from .kernels_lstm import arch_of
from .kernels_score import RULE_REBER, rule_tuple

Array = np.ndarray
_NO_X = np.zeros((1, 1, 1, 0))
_NO_SYM = np.zeros((1, 1, 1), np.int64)
NO_LEGAL = np.zeros((1, 1, 1, 1), bool)


def inputs(x: Array | None, sym: Array | None, ndim: int) -> tuple[Array, Array, bool]:
    """(x, sym, use_sym) for a kernel: the given one, and a stand-in for the other."""
    if (x is None) == (sym is None):
        raise ValueError("give exactly one of x (dense inputs) and sym (symbol indices)")
    if sym is not None:
        return _NO_X.reshape((1,) * (ndim - 1) + (0,)), np.ascontiguousarray(sym, np.int64), True
    return np.ascontiguousarray(x, float), _NO_SYM.reshape((1,) * (ndim - 1)), False


def lstm_forward(cfg: LSTMConfig, params: dict[str, Array], x: Array | None = None,
                 sym: Array | None = None) -> dict[str, Array]:
    """The trace of :func:`lstm_core.lstm.forward` (same keys and shapes), computed by the kernel.

    x : (K, B, T, n_in), or sym : (K, B, T)
    """
    L = layout(cfg)
    xx, ss, use_sym = inputs(x, sym, 4)
    K, B, T = (ss.shape if use_sym else xx.shape[:3])
    net, a = np.empty((K, B, T, L.U)), np.empty((K, B, T, L.U))
    s, net_k, y_k = np.empty((K, B, T, L.CS)), np.empty((K, B, T, cfg.n_out)), np.empty((K, B, T, cfg.n_out))
    W_h, W_k = (np.ascontiguousarray(params[k], float) for k in ("W_h", "W_k"))
    kernels_lstm.forward(W_h, W_k, arch_of(cfg), xx, ss, use_sym, net, a, s, net_k, y_k)
    return {"net": net, "a": a, "s": s, "g_c": ACTIVATIONS[cfg.g].fn(net[..., L.cells]),
            "h_s": ACTIVATIONS[cfg.h].fn(s), "net_k": net_k, "y_k": y_k}


def lstm_train_seq(cfg: LSTMConfig, params: dict[str, Array], x: Array | None, y: Array, has_target: Array,
                   lr, update: str = "step", sym: Array | None = None) -> tuple[dict[str, Array], dict[str, Array]]:
    """:func:`lstm_core.lstm_online.train_sequence` by the kernel: one sequence per trial.

    x : (K, T, n_in) or sym : (K, T); y : (K, T, O); has_target : (K, T); lr scalar or (K,).
    Returns new params and ``{"y_k": (K, T, O) outputs at target steps (NaN elsewhere), "E": (K,)}``.
    """
    if update not in ("step", "sequence"):
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    M_h, M_k = masks(cfg)
    xx, ss, use_sym = inputs(x, sym, 3)
    K, T = y.shape[:2]
    W_h, W_k = params["W_h"].astype(float, copy=True), params["W_k"].astype(float, copy=True)
    lr_k = np.broadcast_to(np.asarray(lr, float).reshape(-1), (K,))
    arch = arch_of(cfg)
    ws = kernels_rtrl.workspace(arch, T)
    y_k, E = np.full((K, T, cfg.n_out), np.nan), np.zeros(K)
    y = np.ascontiguousarray(y, float)
    ht = np.ascontiguousarray(has_target, bool)
    for k in range(K):
        E[k] = kernels_rtrl.train_sequence(W_h[k], W_k[k], M_h, M_k, arch, update == "step", lr_k[k],
                                           xx[k] if not use_sym else xx[0], ss[k] if use_sym else ss[0],
                                           use_sym, T, y[k], ht[k], y_k[k], ws)
        y_k[k][~ht[k]] = np.nan
        if not ht[k, -1]:
            y_k[k, -1] = np.nan
    return {"W_h": W_h, "W_k": W_k}, {"y_k": y_k, "E": E}


def lstm_train_chunk(cfg: LSTMConfig, params: dict[str, Array], data: dict[str, Array], lr, update: str, rule,
                     seen0: int, pos: Array, stop: int, err_hist: Array, ok_hist: Array, counts: Array) -> Array:
    """The trial loop's block of training by the kernel (:func:`~lstm_core.nets.kernels_rtrl.train_chunk`).

    Parameters
    ----------
    params : ``W_h`` (K, I, U), ``W_k`` (K, J, O), changed in place (C-contiguous float64)
    data : the trial loop's pre-drawn arrays: ``x`` (K, N, T, n_in) or ``sym`` (K, N, T), ``lengths``
        (K, N), ``y``, ``y_ref`` (K, N, T, O), ``has_target`` (K, N, T), ``legal`` or None
    rule : a :class:`~lstm_core.preset.StopRule`; seen0 : sequences seen before position 0
    pos : (K,) int64, in/out; err_hist, ok_hist : (K, window), counts : (K, 2), in/out

    Returns
    -------
    (K,) the event of each trial (0 none, 1 its rule was met, 2 diverged)
    """
    M_h, M_k = masks(cfg)
    K = params["W_h"].shape[0]
    xx, ss, use_sym = inputs(None if data.get("sym") is not None else data["x"], data.get("sym"), 4)
    lr_k = np.ascontiguousarray(np.broadcast_to(np.asarray(lr, float).reshape(-1), (K,)))
    rt = rule_tuple(rule)
    legal = data["legal"] if rt[0] == RULE_REBER else NO_LEGAL
    events = np.zeros(K, np.int64)
    kernels_rtrl.train_chunk(params["W_h"], params["W_k"], M_h, M_k, arch_of(cfg), update == "step", lr_k,
                             xx, ss, use_sym, data["lengths"], data["y"], data["y_ref"], data["has_target"], legal,
                             rt, seen0, pos, stop, err_hist, ok_hist, counts, events)
    return events
