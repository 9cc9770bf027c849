"""The full gradient of the LSTM, compiled: backpropagation through time through every path (spec §2.1, §3.3).

The kernel twin of :func:`lstm_core.nets.lstm_grad.bptt_grad` followed by
:func:`~lstm_core.nets.lstm_grad.apply_update` (one weight change per sequence; tested equal to
1e-10), plus the chunk driver the trial loop calls (as :func:`lstm_core.nets.kernels_rtrl.train_chunk`).
Unlike the paper's truncated rule, error also flows back through the recurrent weights
(connectivity "F") into every gate and cell of the step before.

The forward pass is :func:`~lstm_core.nets.kernels_lstm.step_forward` and
:func:`~lstm_core.nets.kernels_lstm.output_step`, its values kept for every step; the backward
pass walks t = length−1 … 0 with :func:`step_backward`. With e_k = f'(net_k)(t_k − y_k) at a
target step (eq 19; linear outputs: t_k − y_k; 0 elsewhere), per block j and cell c = (j, v)::

    dy_c   = Σ_k w[k, c] e_k + da[c]                         error at y_c(t): outputs, and step t+1
    ds_c   = dy_c y_out h'(s_c) + y_φ(t+1) ds_c(t+1)          error at s_c(t): y_c, and the CEC
    δnet_c = ds_c y_in g'(net_c)
    δin    = f'(net_in)  (Σ_v ds_c g(net_c) + da[in])
    δout   = f'(net_out) (Σ_v dy_c h(s_c)   + da[out])
    δφ     = f'(net_φ)   (Σ_v ds_c s_c(t−1) + da[φ])
    da     = Σ_u w[u, r] δ_u                                  to a_r(t−1), connectivity "F" only
    Δw[u, m] = α Σ_t δ_u(t) z_m(t),   Δw[k, m] = α Σ_t e_k(t) y_m(t)

(da is the error arriving at a(t) from step t+1 through the recurrent weights; y_φ ≡ 1 without
a forget gate.) Weights, layout and ``arch`` as in :mod:`~lstm_core.nets.kernels_lstm`.
"""

from __future__ import annotations

import numpy as np

from lstm_core.nets._numba import njit
from lstm_core.nets.kernels_lstm import output_step, sizes, squash, squash_dvalue, step_forward
from lstm_core.nets.kernels_score import after_sequence, next_sequence, trial_buffers


@njit(cache=True, nogil=True)
def workspace(arch, T):
    """Scratch arrays of one trial, allocated once per chunk."""
    n_in, C, S, O, rec, has_out, has_phi, _, _, _, _ = arch
    G, U, I, J, _, _ = sizes(arch)
    CS = C * S
    return (np.zeros((T, U)), np.zeros((T, U)), np.zeros((T, CS)), np.zeros((T, CS)),   # net, a, s, g_c per step
            np.zeros((T, O)), np.zeros(U), np.zeros(CS),                           # net_k per step, a0, s0
            np.zeros((I, U)), np.zeros((J, O)),                                    # dW_h, dW_k
            np.zeros(O), np.zeros(CS), np.zeros(U), np.zeros(U),                   # e_k, back, da, delta
            np.zeros(CS), np.zeros(CS), np.zeros(J))                               # ds, ds_next, src_k


@njit(cache=True, nogil=True)
def step_backward(W_h, arch, back, da, ds_next, phi_next, a_t, s_t, s_prev, g_c_t, delta, ds):
    """One step of BPTT, from the errors at step t's outputs (``back``) and from step t+1.

    Parameters
    ----------
    W_h : (I, U) weights; back : (C*S,) Σ_k w[k, c] e_k(t) (0 without a target)
    da : (U,) in: error at a(t) from step t+1; out: error at a(t−1) (left 0 under connectivity "B")
    ds_next : (C*S,) error at s(t+1); phi_next : (C,) y_φ(t+1) (ones at the last step / without forget gates)
    a_t (U,), s_t (C*S,), s_prev (C*S,) s(t−1), g_c_t (C*S,) g(net_c(t)) : the forward pass's values
    delta : (U,) out, δ of every hidden unit's net input; ds : (C*S,) out, error at s(t)
    """
    n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, _, _ = arch
    G, U, I, J, phi0, c0 = sizes(arch)
    for j in range(C):
        y_in = a_t[j]
        y_out = a_t[C + j] if has_out else 1.0
        d_in, d_out, d_phi = 0.0, 0.0, 0.0
        for v in range(S):
            c = j * S + v
            dy_c = back[c] + da[c0 + c]                                   # error at y_c(t)
            h_s = squash(s_t[c], h_kind)
            ds[c] = dy_c * y_out * squash_dvalue(h_s, h_kind) + ds_next[c] * phi_next[j]   # at s(t)
            delta[c0 + c] = ds[c] * y_in * squash_dvalue(g_c_t[c], g_kind)                # δnet_c
            d_in += ds[c] * g_c_t[c]
            d_out += dy_c * h_s
            d_phi += ds[c] * s_prev[c]
        delta[j] = y_in * (1.0 - y_in) * (d_in + da[j])                                  # δin
        if has_out:
            delta[C + j] = y_out * (1.0 - y_out) * (d_out + da[C + j])                    # δout
        if has_phi:
            phi = a_t[phi0 + j]
            delta[phi0 + j] = phi * (1.0 - phi) * (d_phi + da[phi0 + j])                  # δφ
    if rec:                                                               # da = W_r δ: to a(t−1)
        for r in range(U):
            acc = 0.0
            for u in range(U):
                acc += W_h[n_in + r, u] * delta[u]
            da[r] = acc


@njit(cache=True, nogil=True)
def train_sequence(W_h, W_k, M_h, M_k, arch, lr, x, sym, use_sym, length, y, has_target, y_k, ws):
    """Present one sequence, backpropagate through time, change the weights once; returns E (eq 16).

    Parameters
    ----------
    W_h (I, U), W_k (J, O) : changed in place; M_h, M_k : 0/1 masks of the weights that exist
    x (T, n_in) or sym (T,) : the inputs; length : steps to run (the rest is padding)
    y (T, O), has_target (T,) : targets; y_k (T, O) : filled with the outputs of steps < length
    ws : :func:`workspace`
    """
    n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, out_linear, in_to_out = arch
    G, U, I, J, phi0, c0 = sizes(arch)
    CS = C * S
    net, a, s, g_c, net_k, a0, s0, dW_h, dW_k, e_k, back, da, delta, ds, ds_next, src_k = ws
    a0[:] = 0.0
    s0[:] = 0.0
    for t in range(length):                                               # forward, every step kept
        x_t = x[t] if not use_sym else x[0]
        sym_t = sym[t] if use_sym else -1
        step_forward(W_h, arch, x_t, sym_t, use_sym, a[t - 1] if t else a0, s[t - 1] if t else s0,
                     net[t], a[t], s[t], g_c[t])
        output_step(W_k, arch, x_t, sym_t, use_sym, a[t], net_k[t], y_k[t])
    dW_h[:] = 0.0
    dW_k[:] = 0.0
    da[:] = 0.0
    ds_next[:] = 0.0
    phi_one = np.ones(C)
    E = 0.0
    for t in range(length - 1, -1, -1):
        x_t = x[t] if not use_sym else x[0]
        sym_t = sym[t] if use_sym else -1
        back[:] = 0.0
        if has_target[t]:
            for o in range(O):                                            # e_k = f'(net_k)(t_k − y_k)  (eq 19)
                err = y[t, o] - y_k[t, o]
                E += err * err
                e_k[o] = err if out_linear else y_k[t, o] * (1.0 - y_k[t, o]) * err
            for c in range(CS):                                           # Σ_k w[k, c] e_k
                acc = 0.0
                for o in range(O):
                    acc += W_k[c, o] * e_k[o]
                back[c] = acc
            for c in range(CS):                                           # Δw[k, m] += e_k y_m(t)
                src_k[c] = a[t, c0 + c]
            if in_to_out:
                for m in range(n_in):
                    src_k[CS + m] = (1.0 if m == sym_t else 0.0) if use_sym else x_t[m]
            src_k[J - 1] = 1.0
            for jj in range(J):
                if src_k[jj] != 0.0:
                    for o in range(O):
                        dW_k[jj, o] += e_k[o] * src_k[jj]
        phi_next = a[t + 1, phi0:phi0 + C] if has_phi and t + 1 < length else phi_one
        step_backward(W_h, arch, back, da, ds_next, phi_next, a[t], s[t], s[t - 1] if t else s0, g_c[t],
                      delta, ds)
        ds_next[:] = ds
        # Δw[u, m] += δ_u z_m(t), z(t) = [x(t), a(t−1), 1]: the input row(s) ...
        if use_sym:
            if sym_t >= 0:
                for u in range(U):
                    dW_h[sym_t, u] += delta[u]
        else:
            for m in range(n_in):
                if x_t[m] != 0.0:
                    for u in range(U):
                        dW_h[m, u] += delta[u] * x_t[m]
        if rec and t:                                                     # ... the recurrent sources ...
            for r in range(U):
                a_r = a[t - 1, r]
                if a_r != 0.0:
                    for u in range(U):
                        dW_h[n_in + r, u] += delta[u] * a_r
        for u in range(U):                                                # ... and the bias
            dW_h[I - 1, u] += delta[u]
    for m in range(I):
        for u in range(U):
            W_h[m, u] += lr * (M_h[m, u] * dW_h[m, u])
    for jj in range(J):
        for o in range(O):
            W_k[jj, o] += lr * (M_k[jj, o] * dW_k[jj, o])
    return E


@njit(cache=True, nogil=True)
def train_chunk(W_h, W_k, M_h, M_k, arch, lr, x, sym, use_sym, lengths, y, y_ref, has_target, legal,
                rule, seen0, pos, n_stop, err_hist, ok_hist, counts, event):
    """Train K trials on their pre-drawn sequences ``pos[k] .. n_stop − 1``, each until its rule or divergence.

    Arguments as :func:`lstm_core.nets.kernels_rtrl.train_chunk` (without ``step_update``: the
    full gradient changes the weights once per sequence).
    """
    for k in range(W_h.shape[0]):
        ws = workspace(arch, y.shape[2])
        y_k, keep_h, keep_k = trial_buffers(W_h[k], W_k[k], y, event, k)
        while pos[k] < n_stop:
            b, L = next_sequence(k, pos, lengths, W_h[k], W_k[k], keep_h, keep_k)
            train_sequence(W_h[k], W_k[k], M_h, M_k, arch, lr[k], x[k, b] if not use_sym else x[0, 0],
                           sym[k, b] if use_sym else sym[0, 0], use_sym, L, y[k, b], has_target[k, b], y_k, ws)
            if after_sequence(k, b, L, y_k, y_ref, has_target, legal, rule, seen0, W_h[k], W_k[k], keep_h,
                              keep_k, err_hist, ok_hist, counts, event):
                break
