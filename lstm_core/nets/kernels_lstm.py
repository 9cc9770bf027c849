"""The 1997 LSTM, compiled: forward pass and the paper's truncated RTRL, as plain loops (App. A.1).

Read with the paper's Appendix A.1 (or spec §2) beside it; the names are the paper's.
One trial's weights are ``W_h`` (I, U) — ``W_h[m, u]`` is w[u, m], from source m to unit u
— and ``W_k`` (J, O). Hidden units are ordered as in :mod:`lstm_core.nets.lstm`:
``[in gates (C), out gates (C, if any), forget gates (C, if any), cells (C*S)]``; the
sources of a hidden unit are ``z(t) = [x(t) (n_in), a(t−1) (U, connectivity "F"), 1]``,
those of an output unit ``[y_c(t) (C*S), x(t) (n_in, connectivity "B" or ``input_to_output``), 1]``.

Inputs come either dense, ``x`` (T, n_in), or by symbol, ``sym`` (T,) — the index of the
one active input unit, −1 for none — so that a step of a one-hot task costs the same for 7
or 1004 symbols: the input part of a net input is one weight row, and the partials dS
change only in the columns of symbols the sequence has shown (the others stay 0).

``arch`` is the numeric form of an :class:`~lstm_core.nets.lstm.LSTMConfig` (:func:`arch_of`).
The readable references these equal (tests, 1e-10): :func:`lstm_core.nets.lstm.forward` and
:func:`lstm_core.nets.lstm_rtrl.train_sequence`.
"""

from __future__ import annotations

import math

import numpy as np

from lstm_core.nets._numba import literally, njit

ACT_CODES = {"logistic": 0, "h_pm1": 1, "g_pm2": 2, "identity": 3, "tanh": 4}


def arch_of(cfg) -> tuple:
    """``(n_in, C, S, O, rec, has_out_gate, has_forget_gate, g, h, out_linear, in_to_out)`` of an LSTMConfig."""
    return (int(cfg.n_in), int(cfg.blocks), int(cfg.block_size), int(cfg.n_out),
            int(cfg.connectivity == "F"), int(cfg.output_gate), int(cfg.forget_gate),
            ACT_CODES[cfg.g], ACT_CODES[cfg.h], int(getattr(cfg, "output", "logistic") == "linear"),
            int(cfg.inputs_feed_outputs))


@njit(cache=True, nogil=True)
def f(x):
    """Logistic f(x) = σ(x), written as 0.5 + 0.5 tanh(x/2) like the reference."""
    return 0.5 + 0.5 * math.tanh(0.5 * x)


@njit(cache=True, nogil=True)
def squash(x, kind):
    """g or h of the config: logistic, h ∈ [−1,1], g ∈ [−2,2], identity, tanh."""
    if kind == 0:
        return f(x)
    if kind == 1:
        return math.tanh(0.5 * x)
    if kind == 2:
        return 2.0 * math.tanh(0.5 * x)
    if kind == 3:
        return x
    return math.tanh(x)


@njit(cache=True, nogil=True)
def squash_dvalue(y, kind):
    """The derivative of :func:`squash` written through its value y."""
    if kind == 0:
        return y * (1.0 - y)
    if kind == 1:
        return 0.5 * (1.0 - y * y)
    if kind == 2:
        return 1.0 - 0.25 * y * y
    if kind == 3:
        return 1.0
    return 1.0 - y * y


@njit(cache=True, nogil=True)
def add_scaled(W, dW, lr):
    """W += lr · dW, in place (2-D): a sequence's summed weight changes applied at its end."""
    for m in range(W.shape[0]):
        for u in range(W.shape[1]):
            W[m, u] += lr * dW[m, u]


@njit(cache=True, nogil=True)
def sizes(arch):
    """(G, U, I, J, first forget gate, first cell) of ``arch``."""
    n_in, C, S, O, rec, has_out, has_phi, _, _, _, in_to_out = arch
    G = C * (1 + has_out + has_phi)
    U = G + C * S
    I = n_in + (U if rec else 0) + 1
    J = C * S + (n_in if in_to_out else 0) + 1
    return G, U, I, J, C * (1 + has_out), G


@njit(cache=True, nogil=True)
def step_forward(W_h, arch, x_t, sym_t, use_sym, a_prev, s_prev, net, a, s, g_c):
    """One step of every unit (eqs 6-9, the CEC): fills ``net`` (U,), ``a`` (U,), ``s``, ``g_c`` (C*S,).

    ``a`` holds y_in, y_out, y_φ of the gates and y_c of the cells; a_prev / s_prev are
    the previous step's (zeros at a reset).
    """
    n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, _, _ = arch
    G, U, I, J, phi0, c0 = sizes(arch)
    for u in range(U):                                   # net(t) = W z(t), summed in a register: the bias ...
        acc = W_h[I - 1, u]
        if use_sym:                                       # ... the input (one row, or all of them) ...
            if sym_t >= 0:
                acc += W_h[sym_t, u]
        else:
            for m in range(n_in):
                acc += x_t[m] * W_h[m, u]
        if rec:                                           # ... and the recurrent sources a(t−1)
            for r in range(U):
                acc += a_prev[r] * W_h[n_in + r, u]
        net[u] = acc
    for u in range(G):
        a[u] = f(net[u])                                  # y_in, y_out, y_φ = f(net)
    for j in range(C):
        y_in = a[j]
        y_out = a[C + j] if has_out else 1.0
        for v in range(S):
            c = j * S + v
            g_c[c] = squash(net[c0 + c], g_kind)          # g(net_c)
            if has_phi:
                s[c] = a[phi0 + j] * s_prev[c] + y_in * g_c[c]   # s(t) = y_φ s(t−1) + y_in g
            else:
                s[c] = s_prev[c] + y_in * g_c[c]                 # CEC: s(t) = s(t−1) + y_in g
            a[c0 + c] = y_out * squash(s[c], h_kind)          # y_c = y_out h(s)


@njit(cache=True, nogil=True)
def output_step(W_k, arch, x_t, sym_t, use_sym, a, net_k, y_k):
    """Output units at step t: net_k = W_k [y_c, (x), 1], y_k = f(net_k) (or net_k if linear)."""
    n_in, C, S, O, rec, _, _, _, _, out_linear, in_to_out = arch
    G, U, I, J, _, c0 = sizes(arch)
    CS = C * S
    for o in range(O):
        acc = W_k[J - 1, o]
        for c in range(CS):
            acc += a[c0 + c] * W_k[c, o]
        if in_to_out:                                     # "B" (or input_to_output): x(t) feeds the outputs
            if use_sym:
                if sym_t >= 0:
                    acc += W_k[CS + sym_t, o]
            else:
                for m in range(n_in):
                    acc += x_t[m] * W_k[CS + m, o]
        net_k[o] = acc
        y_k[o] = acc if out_linear else f(acc)


@njit(cache=True, nogil=True)
def forward(W_h, W_k, arch, x, sym, use_sym, net, a, s, net_k, y_k):
    """K networks over B sequences each from reset (the kernel twin of :func:`lstm_core.nets.lstm.forward`).

    x : (K, B, T, n_in) or sym : (K, B, T); fills net, a (K, B, T, U), s (K, B, T, C*S),
    net_k and y_k (K, B, T, O).
    """
    K, B, T = net.shape[0], net.shape[1], net.shape[2]
    U, CS = net.shape[3], s.shape[3]
    a0, s0, g_c = np.zeros(U), np.zeros(CS), np.zeros(CS)
    for k in range(K):
        for b in range(B):
            for t in range(T):
                a_prev = a[k, b, t - 1] if t else a0
                s_prev = s[k, b, t - 1] if t else s0
                x_t = x[k, b, t] if not use_sym else x[0, 0, 0]
                sym_t = sym[k, b, t] if use_sym else -1
                step_forward(W_h[k], arch, x_t, sym_t, use_sym, a_prev, s_prev, net[k, b, t], a[k, b, t], s[k, b, t],
                             g_c)
                output_step(W_k[k], arch, x_t, sym_t, use_sym, a[k, b, t], net_k[k, b, t], y_k[k, b, t])


@njit(cache=True, nogil=True)
def outputs(W_h, W_k, arch, x, sym, use_sym, steps, y_k):
    """Only the outputs y_k (K, B, T, O) of :func:`forward`: what tests and stopping rules need, no trace kept.

    Sequence (k, b) runs for ``steps[k, b]`` steps (its length); y_k after them is left as given.
    """
    K, B = y_k.shape[0], y_k.shape[1]
    G, U, I, J, _, _ = sizes(arch)
    CS = U - G
    net, a, a_prev = np.zeros(U), np.zeros(U), np.zeros(U)
    s, s_prev, g_c, net_k = np.zeros(CS), np.zeros(CS), np.zeros(CS), np.zeros(y_k.shape[3])
    for k in range(K):
        for b in range(B):
            a_prev[:] = 0.0                                   # reset (A23)
            s_prev[:] = 0.0
            for t in range(steps[k, b]):
                x_t = x[k, b, t] if not use_sym else x[0, 0, 0]
                sym_t = sym[k, b, t] if use_sym else -1
                step_forward(W_h[k], arch, x_t, sym_t, use_sym, a_prev, s_prev, net, a, s, g_c)
                output_step(W_k[k], arch, x_t, sym_t, use_sym, a, net_k, y_k[k, b, t])
                a_prev[:] = a
                s_prev[:] = s


@njit(cache=True, nogil=True)
def outputs_fixed(n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, out_linear, in_to_out,
                  W_h, W_k, x, sym, use_sym, steps, y_k):
    """:func:`outputs` compiled for one net (as :func:`lstm_core.nets.kernels_rtrl.train_chunk_fixed`)."""
    arch = (literally(n_in), literally(C), literally(S), literally(O), literally(rec), literally(has_out),
            literally(has_phi), literally(g_kind), literally(h_kind), literally(out_linear), literally(in_to_out))
    outputs(W_h, W_k, arch, x, sym, use_sym, steps, y_k)
