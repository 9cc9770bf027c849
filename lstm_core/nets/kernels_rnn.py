"""The paper's competitors, compiled: a one-hidden-layer recurrent net trained by BPTT or by RTRL.

This module is the net: one step of the hidden and output units and :func:`forward`, the kernel twin
of ``rnn.forward`` (tested equal to 1e-10). Its learners, BPTT and RTRL, and their chunk driver are in
:mod:`~lstm_core.nets.kernels_rnn_train`. The timing is the experiments' (spec A1)::

    net_h(t) = W_hᵀ z(t),   h(t) = f_h(net_h(t)),   z(t) = [x(t) (n_in), h(t−1) (H), 1 (if bias)]
    net_o(t) = W_oᵀ q(t),   y(t) = f_o(net_o(t)),   q(t) = [h(t) (H), x(t) (n_in, if inputs feed outputs), 1]

One trial's weights are packed as in Williams & Zipser: ``W_h`` (I, H) = [W_xh; W_hh; b_h] —
``W_h[i, j]`` is the weight from source i of z to hidden unit j — and ``W_o`` (J, O) =
[W_ho; W_xo; b_o]. Weights that do not exist (Exp 2a: off-diagonal W_hh, recurrence "self")
are 0 in the masks ``M_h``, ``M_o`` and never change; under "self" the loops read only
W_hh[j, j]. Error convention (spec A3): E = Σ (target − y)², Δw = α e · source, e = f'(net)(target − y).

Inputs come dense, ``x`` (T, n_in), or by symbol, ``sym`` (T,) — the index of the one active
input unit, −1 for none — as in :mod:`~lstm_core.nets.kernels_lstm`.

``arch`` = ``(n_in, H, O, full, in_to_out, bias, f_h, f_o)`` (:func:`arch_of`); f_h, f_o are
:data:`~lstm_core.nets.kernels_lstm.ACT_CODES`.
"""

from __future__ import annotations

import numpy as np

from lstm_core.nets._numba import njit
from lstm_core.nets.kernels_lstm import ACT_CODES, squash


def arch_of(cfg) -> tuple:
    """``(n_in, H, O, full, in_to_out, bias, f_h, f_o)`` of an :class:`~lstm_core.nets.rnn.RNNConfig`."""
    return (int(cfg.n_in), int(cfg.n_hidden), int(cfg.n_out), int(cfg.recurrence == "full"),
            int(cfg.input_to_output), int(cfg.bias), ACT_CODES[cfg.hidden_act], ACT_CODES[cfg.output_act])


@njit(cache=True, nogil=True)
def sizes(arch):
    """(I, J): sources of a hidden unit and of an output unit."""
    n_in, H, O, full, in_to_out, bias, _, _ = arch
    return n_in + H + bias, H + (n_in if in_to_out else 0) + bias


@njit(cache=True, nogil=True)
def hidden_step(W_h, arch, x_t, sym_t, use_sym, h_prev, net_h, h):
    """net_h(t) = W_hᵀ [x(t), h(t−1), 1], h(t) = f_h(net_h(t)); fills net_h, h (H,)."""
    n_in, H, O, full, in_to_out, bias, f_h, _ = arch
    I, J = sizes(arch)
    for j in range(H):
        net_h[j] = W_h[I - 1, j] if bias else 0.0          # the bias ...
    if use_sym:                                             # ... the input (one row, or all of them) ...
        if sym_t >= 0:
            for j in range(H):
                net_h[j] += W_h[sym_t, j]
    else:
        for i in range(n_in):
            if x_t[i] != 0.0:
                for j in range(H):
                    net_h[j] += x_t[i] * W_h[i, j]
    if full:                                                # ... and h(t−1) through W_hh
        for l in range(H):
            if h_prev[l] != 0.0:
                for j in range(H):
                    net_h[j] += h_prev[l] * W_h[n_in + l, j]
    else:                                                   # recurrence "self": w[j, j] only
        for j in range(H):
            net_h[j] += h_prev[j] * W_h[n_in + j, j]
    for j in range(H):
        h[j] = squash(net_h[j], f_h)


@njit(cache=True, nogil=True)
def output_step(W_o, arch, x_t, sym_t, use_sym, h, net_o, y):
    """net_o(t) = W_oᵀ [h(t), (x(t)), 1], y(t) = f_o(net_o(t)); fills net_o, y (O,).

    Source by source, each adding its weight row (contiguous: 101 outputs in Exp 2a p=100).
    """
    n_in, H, O, full, in_to_out, bias, _, f_o = arch
    I, J = sizes(arch)
    for o in range(O):
        net_o[o] = W_o[J - 1, o] if bias else 0.0          # the bias ...
    for j in range(H):                                      # ... h(t) through W_ho ...
        h_j = h[j]
        for o in range(O):
            net_o[o] += h_j * W_o[j, o]
    if in_to_out:                                           # ... and x(t) through W_xo
        if use_sym:
            if sym_t >= 0:
                for o in range(O):
                    net_o[o] += W_o[H + sym_t, o]
        else:
            for i in range(n_in):
                if x_t[i] != 0.0:
                    for o in range(O):
                        net_o[o] += x_t[i] * W_o[H + i, o]
    for o in range(O):
        y[o] = squash(net_o[o], f_o)


@njit(cache=True, nogil=True)
def forward(W_h, W_o, arch, x, sym, use_sym, net_h, h, net_o, y):
    """K nets over B sequences each from h(0) = 0 (the kernel twin of :func:`lstm_core.nets.rnn.forward`).

    W_h (K, I, H), W_o (K, J, O); x : (K, B, T, n_in) or sym : (K, B, T);
    fills net_h, h (K, B, T, H) and net_o, y (K, B, T, O).
    """
    K, B, T, H = h.shape
    h0 = np.zeros(H)
    for k in range(K):
        for b in range(B):
            for t in range(T):
                x_t = x[k, b, t] if not use_sym else x[0, 0, 0]
                sym_t = sym[k, b, t] if use_sym else -1
                h_prev = h[k, b, t - 1] if t else h0
                hidden_step(W_h[k], arch, x_t, sym_t, use_sym, h_prev, net_h[k, b, t], h[k, b, t])
                output_step(W_o[k], arch, x_t, sym_t, use_sym, h[k, b, t], net_o[k, b, t], y[k, b, t])
