"""The RNN baselines' learners, compiled: BPTT and RTRL on the net of :mod:`~lstm_core.nets.kernels_rnn`.

The kernel twins (tested equal to 1e-10) of ``rnn.bptt_train_sequence`` (:func:`bptt_sequence`) and
``rnn_rtrl.train_sequence`` (:func:`rtrl_sequence`), plus the chunk driver the trial loop calls
(:func:`train_chunk`, as :func:`lstm_core.nets.kernels_rtrl.train_chunk`). Weights, ``arch`` and the
error convention are those of :mod:`~lstm_core.nets.kernels_rnn`.
"""

from __future__ import annotations

import numpy as np

from lstm_core.nets._numba import njit
from lstm_core.nets.kernels_lstm import add_scaled, squash_dvalue
from lstm_core.nets.kernels_rnn import hidden_step, output_step, sizes
from lstm_core.nets.kernels_score import after_sequence, next_sequence, trial_buffers

BPTT, RTRL = 0, 1     # the learning algorithm of train_chunk


@njit(cache=True, nogil=True)
def workspace(arch, T):
    """Scratch arrays of one trial, allocated once per chunk."""
    n_in, H, O, _, _, _, _, _ = arch
    I, J = sizes(arch)
    return (np.zeros((T, H)), np.zeros((T, H)), np.zeros((T, O)),     # net_h, h, net_o (per step)
            np.zeros(H), np.zeros(O), np.zeros(H), np.zeros(H),       # h0, e_o, dh, delta_h
            np.zeros((H, I, H)), np.zeros((H, I, H)),                 # p, p_next (RTRL)
            np.zeros((I, H)), np.zeros((J, O)), np.zeros(I), np.zeros(J))   # dW_h, dW_o, z, q


@njit(cache=True, nogil=True)
def _sources(arch, x_t, sym_t, use_sym, h_prev, h, z, q):
    """Fill z(t) = [x(t), h(t−1), 1] (I,) and q(t) = [h(t), (x(t)), 1] (J,)."""
    n_in, H, O, full, in_to_out, bias, _, _ = arch
    I, J = sizes(arch)
    for i in range(n_in):
        xi = (1.0 if i == sym_t else 0.0) if use_sym else x_t[i]
        z[i] = xi
        if in_to_out:
            q[H + i] = xi
    for j in range(H):
        z[n_in + j] = h_prev[j]
        q[j] = h[j]
    if bias:
        z[I - 1] = 1.0
        q[J - 1] = 1.0


@njit(cache=True, nogil=True)
def _output_error(arch, y_t, y_kt, e_o):
    """e_o = f_o'(net_o)(t − y) (eq 19 for the output units, into e_o (O,)); returns Σ (t − y)²."""
    f_o = arch[7]
    E = 0.0
    for o in range(y_t.shape[0]):
        d = y_t[o] - y_kt[o]
        E += d * d
        e_o[o] = squash_dvalue(y_kt[o], f_o) * d
    return E


@njit(cache=True, nogil=True)
def bptt_sequence(W_h, W_o, M_h, M_o, arch, lr, x, sym, use_sym, length, y, has_target, y_k, ws):
    """Present one sequence, backpropagate through time, change the weights once; returns E (eq 16).

    Parameters
    ----------
    W_h (I, H), W_o (J, O) : changed in place; M_h, M_o : 0/1 masks of the weights that exist
    x (T, n_in) or sym (T,) : the inputs; length : steps to run (the rest is padding)
    y (T, O), has_target (T,) : targets; y_k (T, O) : filled with the outputs of steps < length
    ws : :func:`workspace`

    Notes
    -----
    Backward, t = length−1 … 0, with dh_next the error arriving at h(t) from step t+1::

        e_o(t)    = f_o'(net_o(t)) (target(t) − y(t))         (0 without a target)
        dh_j(t)   = Σ_o W_ho[j, o] e_o(t) + dh_next_j          error at h_j(t)
        δ_h_j(t)  = f_h'(net_h_j(t)) dh_j(t)
        dh_next_l = Σ_j W_hh[l, j] δ_h_j(t)                    to h_l(t−1)
        ΔW_o = α Σ_t q(t) e_o(t)ᵀ,   ΔW_h = α Σ_t z(t) δ_h(t)ᵀ
    """
    n_in, H, O, full, in_to_out, bias, f_h, f_o = arch
    I, J = sizes(arch)
    net_h, h, net_o, h0, e_o, dh, delta_h, _, _, dW_h, dW_o, z, q = ws
    h0[:] = 0.0
    for t in range(length):                                 # forward, every step stored
        x_t = x[t] if not use_sym else x[0]
        sym_t = sym[t] if use_sym else -1
        hidden_step(W_h, arch, x_t, sym_t, use_sym, h[t - 1] if t else h0, net_h[t], h[t])
        output_step(W_o, arch, x_t, sym_t, use_sym, h[t], net_o[t], y_k[t])
    dW_h[:] = 0.0
    dW_o[:] = 0.0
    dh[:] = 0.0                                             # dh_next: none after the last step
    E = 0.0
    for t in range(length - 1, -1, -1):
        x_t = x[t] if not use_sym else x[0]
        sym_t = sym[t] if use_sym else -1
        _sources(arch, x_t, sym_t, use_sym, h[t - 1] if t else h0, h[t], z, q)
        if has_target[t]:
            E += _output_error(arch, y[t], y_k[t], e_o)
            for jj in range(J):                             # Δw_o += e_o q(t)
                if q[jj] != 0.0:
                    for o in range(O):
                        dW_o[jj, o] += e_o[o] * q[jj]
            for j in range(H):                              # error at h(t) from the outputs
                acc = 0.0
                for o in range(O):
                    acc += W_o[j, o] * e_o[o]
                dh[j] += acc
        for j in range(H):
            delta_h[j] = squash_dvalue(h[t, j], f_h) * dh[j]      # δ_h = f_h'(net_h) dh
        for i in range(I):                                  # Δw_h += δ_h z(t)
            if z[i] != 0.0:
                for j in range(H):
                    dW_h[i, j] += delta_h[j] * z[i]
        if full:                                            # dh_next = W_hh δ_h
            for l in range(H):
                acc = 0.0
                for j in range(H):
                    acc += W_h[n_in + l, j] * delta_h[j]
                dh[l] = acc
        else:
            for j in range(H):
                dh[j] = W_h[n_in + j, j] * delta_h[j]
    for i in range(I):
        for j in range(H):
            W_h[i, j] += lr * (M_h[i, j] * dW_h[i, j])
    for jj in range(J):
        for o in range(O):
            W_o[jj, o] += lr * (M_o[jj, o] * dW_o[jj, o])
    return E


@njit(cache=True, nogil=True)
def rtrl_sequence(W_h, W_o, M_h, M_o, arch, step_update, lr, x, sym, use_sym, length, y, has_target, y_k, ws):
    """Present one sequence and learn by RTRL (Williams & Zipser 1989); returns E (eq 16).

    Arguments as :func:`bptt_sequence`; ``step_update``: change the weights at every target
    step while the net runs (real-time RTRL), else once at the end with the summed changes.

    Notes
    -----
    The sensitivities p[u, i, j] = ∂h_u(t)/∂W_h[i, j] (``ws`` p, (H, I, H)), p(0) = 0::

        p[u, i, j](t) = f_h'(net_u(t)) [Σ_l W_hh[l, u] p[l, i, j](t−1) + δ_uj z_i(t)]
        ΔW_h[i, j] = α Σ_u dh_u(t) p[u, i, j](t),   dh_u(t) = Σ_o W_ho[u, o] e_o(t)
        ΔW_o = α q(t) e_o(t)ᵀ,   e_o(t) = f_o'(net_o(t)) (target(t) − y(t))

    Under recurrence "self" h_u depends only on the weights into u: p[u, i, j] = 0 for j ≠ u, and
    only p[u, i, u] is carried.
    """
    n_in, H, O, full, in_to_out, bias, f_h, f_o = arch
    I, J = sizes(arch)
    net_h, h, net_o, h0, e_o, dh, _, p, p_next, dW_h, dW_o, z, q = ws
    h0[:] = 0.0
    p[:] = 0.0
    if not step_update:
        dW_h[:] = 0.0
        dW_o[:] = 0.0
    E = 0.0
    for t in range(length):
        x_t = x[t] if not use_sym else x[0]
        sym_t = sym[t] if use_sym else -1
        h_prev = h[t - 1] if t else h0
        hidden_step(W_h, arch, x_t, sym_t, use_sym, h_prev, net_h[t], h[t])
        _sources(arch, x_t, sym_t, use_sym, h_prev, h[t], z, q)
        if full:                                            # p(t) from p(t−1), then · f'(net_u)
            for u in range(H):
                fp = squash_dvalue(h[t, u], f_h)
                for i in range(I):
                    for j in range(H):
                        acc = z[i] if u == j else 0.0
                        for l in range(H):
                            acc += W_h[n_in + l, u] * p[l, i, j]
                        p_next[u, i, j] = fp * acc
            p[:] = p_next
        else:
            for u in range(H):
                fp = squash_dvalue(h[t, u], f_h)
                w_uu = W_h[n_in + u, u]
                for i in range(I):
                    p[u, i, u] = fp * (w_uu * p[u, i, u] + z[i])
        output_step(W_o, arch, x_t, sym_t, use_sym, h[t], net_o[t], y_k[t])
        if not has_target[t]:
            continue
        E += _output_error(arch, y[t], y_k[t], e_o)
        for u in range(H):                                  # dh = W_ho e_o, with this step's weights
            acc = 0.0
            for o in range(O):
                acc += W_o[u, o] * e_o[o]
            dh[u] = acc
        rate = lr if step_update else 1.0
        Wd_h = W_h if step_update else dW_h                 # where Δw goes: the weights, or the sums
        Wd_o = W_o if step_update else dW_o
        for i in range(I):                                  # Δw_h = α Σ_u dh_u p[u, i, j]
            for j in range(H):
                if full:
                    acc = 0.0
                    for u in range(H):
                        acc += dh[u] * p[u, i, j]
                else:
                    acc = dh[j] * p[j, i, j]
                Wd_h[i, j] += rate * (M_h[i, j] * acc)
        for jj in range(J):                                 # Δw_o = α e_o q(t)
            if q[jj] != 0.0:
                for o in range(O):
                    Wd_o[jj, o] += rate * (M_o[jj, o] * (e_o[o] * q[jj]))
    if not step_update:
        add_scaled(W_h, dW_h, lr)
        add_scaled(W_o, dW_o, lr)
    return E


@njit(cache=True, nogil=True)
def train_chunk(W_h, W_o, M_h, M_o, arch, algo, step_update, lr, x, sym, use_sym, lengths, y, y_ref, has_target,
                legal, rule, seen0, pos, n_stop, err_hist, ok_hist, counts, event):
    """Train K trials on their pre-drawn sequences ``pos[k] .. n_stop − 1``, each until its rule or divergence.

    As :func:`lstm_core.nets.kernels_rtrl.train_chunk`, for the RNN learners: ``algo`` BPTT
    (one change per sequence) or RTRL (``step_update``: at every target step, else per sequence).

    Parameters
    ----------
    W_h (K, I, H), W_o (K, J, O) : in place; lr : (K,)
    x (K, N, T, n_in) or sym (K, N, T); lengths (K, N); y, y_ref (K, N, T, O); has_target (K, N, T)
    legal : (K, N, T, O) bool (Exp 1 scoring), else a (1, 1, 1, 1) stand-in
    rule, seen0, pos, err_hist, ok_hist, counts, event : as the LSTM driver
    """
    for k in range(W_h.shape[0]):
        ws = workspace(arch, y.shape[2])
        y_k, keep_h, keep_o = trial_buffers(W_h[k], W_o[k], y, event, k)
        while pos[k] < n_stop:
            b, L = next_sequence(k, pos, lengths, W_h[k], W_o[k], keep_h, keep_o)
            x_b = x[k, b] if not use_sym else x[0, 0]
            sym_b = sym[k, b] if use_sym else sym[0, 0]
            if algo == BPTT:
                bptt_sequence(W_h[k], W_o[k], M_h, M_o, arch, lr[k], x_b, sym_b, use_sym, L, y[k, b],
                              has_target[k, b], y_k, ws)
            else:
                rtrl_sequence(W_h[k], W_o[k], M_h, M_o, arch, step_update, lr[k], x_b, sym_b, use_sym, L, y[k, b],
                              has_target[k, b], y_k, ws)
            if after_sequence(k, b, L, y_k, y_ref, has_target, legal, rule, seen0, W_h[k], W_o[k], keep_h,
                              keep_o, err_hist, ok_hist, counts, event):
                break
