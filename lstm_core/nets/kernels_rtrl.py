"""The paper's learning rule, compiled: truncated RTRL with the partials dS (App. A.1, eqs 19-28).

The kernel twin of :func:`lstm_core.nets.lstm_rtrl.train_sequence` (tested equal to 1e-10),
plus the chunk driver the trial loop calls: present a trial's next sequences one by one,
score each (:mod:`~lstm_core.nets.kernels_score`), stop the trial's chunk at once when its
rule is met or it diverges. Weights change at every target step (``step_update``, App. A.1)
or once per sequence (the summed changes applied at its end).

Per trial and cell c = (j, v) the learner carries, reset at each sequence start (A23)::

    dS_in[c, m]  = ∂s_c/∂w[in_j, m]     dS_in  ← y_φ dS_in  + g(net_c) f'(net_in_j) z_m      (eq 25)
    dS_c[c, m]   = ∂s_c/∂w[c, m]        dS_c   ← y_φ dS_c   + g'(net_c) y_in_j z_m           (eq 27)
    dS_phi[c, m] = ∂s_c/∂w[φ_j, m]      dS_phi ← y_φ dS_phi + s_c(t−1) f'(net_φ_j) z_m       (spec §6)

and at a target step, with e_k = f'(net_k)(t_k − y_k) (eq 19; linear outputs: t_k − y_k)::

    e_s[c] = y_out_j h'(s_c) Σ_k w[k, c] e_k                          (eq 23)
    Δw[c, m] = α e_s[c] dS_c[c, m]                                    (eq 28)
    Δw[in_j, m] = α Σ_v e_s[c] dS_in[c, m]                            (eq 26)
    Δw[out_j, m] = α f'(net_out_j) (Σ_v h(s_c) Σ_k w[k, c] e_k) z_m   (eqs 21-22)
    Δw[k, j] = α e_k y_j                                              (eq 22)

Columns m of dS are only visited where z has been non-zero in this sequence (``cols``):
for one-hot inputs the symbols shown so far, the recurrent sources and the bias.
"""

from __future__ import annotations

import numpy as np

from lstm_core.nets._numba import literally, njit
from lstm_core.nets.kernels_lstm import add_scaled, output_step, sizes, squash, squash_dvalue, step_forward
from lstm_core.nets.kernels_score import after_sequence, next_sequence, trial_buffers


@njit(cache=True, nogil=True)
def workspace(arch, T):
    """Scratch arrays of one trial, allocated once per chunk."""
    n_in, C, S, O, rec, has_out, has_phi, _, _, _, _ = arch
    G, U, I, J, _, _ = sizes(arch)
    CS = C * S
    return (np.zeros((CS, I)), np.zeros((CS, I)), np.zeros((CS, I)),       # dS_in, dS_c, dS_phi
            np.zeros(U), np.zeros(U), np.zeros(U), np.zeros(CS), np.zeros(CS),   # net, a, a_prev, s, s_prev
            np.zeros(O), np.zeros(O), np.zeros(CS), np.zeros(CS),           # net_k, e_k, back, e_s
            np.zeros((I, U)), np.zeros((J, O)),                             # dW_h, dW_k (sequence updates)
            np.zeros(I, np.int64), np.zeros(I, np.bool_), np.zeros(J),      # cols, in_cols, src_k
            np.zeros(I), np.zeros(CS), np.zeros(I, np.int64))               # z, g_c, z_cols


@njit(cache=True, nogil=True)
def train_sequence(W_h, W_k, M_h, M_k, arch, step_update, lr, x, sym, use_sym, length, y, has_target, y_k, ws):
    """Present one sequence to one network and learn from it; returns E = Σ (t_k − y_k)² (eq 16).

    Parameters
    ----------
    W_h (I, U), W_k (J, O) : changed in place; M_h, M_k : 0/1 masks of the weights that exist
    x (T, n_in) or sym (T,) : the inputs (see the module docstring); length : steps to run
    y (T, O), has_target (T,) : targets; y_k (T, O) : filled at target steps and the last step
    ws : :func:`workspace`
    """
    n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, out_linear, _ = arch
    G, U, I, J, phi0, c0 = sizes(arch)
    (dS_in, dS_c, dS_phi, net, a, a_prev, s, s_prev, net_k, e_k, back, e_s, dW_h, dW_k, cols, in_cols, src_k, z, g_c,
     z_cols) = ws
    # reset (A23): activations, states and partials 0; the columns z can be non-zero in
    dS_in[:] = 0.0
    dS_c[:] = 0.0
    dS_phi[:] = 0.0
    a_prev[:] = 0.0
    s_prev[:] = 0.0
    in_cols[:] = False
    z[:] = 0.0
    z[I - 1] = 1.0                                               # the bias source
    n_cols = 0
    if not use_sym:
        for m in range(n_in):
            cols[n_cols] = m
            n_cols += 1
    for m in range(n_in, I):                                     # recurrent sources and the bias
        cols[n_cols] = m
        n_cols += 1
    if not step_update:
        dW_h[:] = 0.0
        dW_k[:] = 0.0
    rate = lr if step_update else 1.0
    Wd_h = W_h if step_update else dW_h                          # where Δw goes
    Wd_k = W_k if step_update else dW_k
    E = 0.0
    t_last = length - 1
    for t in range(length):
        x_t = x[t] if not use_sym else x[0]                     # (x is a (1, 0) stand-in when by symbol)
        sym_t = sym[t] if use_sym else -1
        if use_sym and sym_t >= 0 and not in_cols[sym_t]:       # a symbol shown for the first time
            in_cols[sym_t] = True
            cols[n_cols] = sym_t
            n_cols += 1
        if use_sym:                                              # z(t) = [x(t), a(t−1), 1]; by symbol, also
            n_z = 0                                              # where it is not 0
            if sym_t >= 0:
                z[sym_t] = 1.0
                z_cols[0] = sym_t
                n_z = 1
            for m in range(n_in, I):
                z_cols[n_z] = m
                n_z += 1
        else:
            for m in range(n_in):
                z[m] = x_t[m]
        if rec:
            for r in range(U):
                z[n_in + r] = a_prev[r]
        step_forward(W_h, arch, x_t, sym_t, use_sym, a_prev, s_prev, net, a, s, g_c)
        # --- forward-propagated partials (eqs 25, 27; §6)
        for j in range(C):
            y_in = a[j]
            fp_in = y_in * (1.0 - y_in)                          # f'(net_in)
            phi = a[phi0 + j] if has_phi else 1.0
            fp_phi = phi * (1.0 - phi)
            for v in range(S):
                c = j * S + v
                d_in = g_c[c] * fp_in                            # ∂Δs/∂net_in
                d_c = squash_dvalue(g_c[c], g_kind) * y_in       # ∂Δs/∂net_c
                if has_phi:
                    d_phi = s_prev[c] * fp_phi
                    for i in range(n_cols):
                        m = cols[i]
                        dS_in[c, m] = phi * dS_in[c, m] + d_in * z[m]
                        dS_c[c, m] = phi * dS_c[c, m] + d_c * z[m]
                        dS_phi[c, m] = phi * dS_phi[c, m] + d_phi * z[m]
                elif use_sym:                                    # without y_φ only columns with z ≠ 0 change:
                    for i in range(n_z):                         # a step costs the same for 7 or 1004 symbols
                        m = z_cols[i]
                        dS_in[c, m] += d_in * z[m]
                        dS_c[c, m] += d_c * z[m]
                else:                                            # dense inputs: every column, contiguous
                    for m in range(I):
                        dS_in[c, m] += d_in * z[m]
                        dS_c[c, m] += d_c * z[m]
        if has_target[t] or t == t_last:
            output_step(W_k, arch, x_t, sym_t, use_sym, a, net_k, y_k[t])
        if has_target[t]:
            _learn(W_k, M_h, M_k, arch, rate, y[t], y_k[t], a, s, ws, Wd_h, Wd_k, n_cols)
            for o in range(O):
                d = y[t, o] - y_k[t, o]
                E += d * d
        for u in range(U):                                       # a(t) is z(t+1)'s recurrent part
            a_prev[u] = a[u]
        for c in range(C * S):
            s_prev[c] = s[c]
        if use_sym and sym_t >= 0:
            z[sym_t] = 0.0
    if not step_update:
        add_scaled(W_h, dW_h, lr)
        add_scaled(W_k, dW_k, lr)
    return E


@njit(cache=True, nogil=True)
def _learn(W_k, M_h, M_k, arch, rate, y_t, y_kt, a, s, ws, Wd_h, Wd_k, n_cols):
    """The weight changes of one target step (eqs 19-28) into Wd_h, Wd_k (the weights, or the sums)."""
    n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, out_linear, in_to_out = arch
    G, U, I, J, phi0, c0 = sizes(arch)
    CS = C * S
    dS_in, dS_c, dS_phi, net, _, _, _, _, net_k, e_k, back, e_s, _, _, cols, _, src_k, z, _, _ = ws
    for o in range(O):                                           # e_k = f'(net_k)(t_k − y_k)   (eq 19)
        err = y_t[o] - y_kt[o]
        e_k[o] = err if out_linear else y_kt[o] * (1.0 - y_kt[o]) * err
    for c in range(CS):                                          # Σ_k w[k, c] e_k, then e_s    (eq 23)
        acc = 0.0
        for o in range(O):
            acc += W_k[c, o] * e_k[o]
        back[c] = acc
        j = c // S
        y_out = a[C + j] if has_out else 1.0
        h_s = squash(s[c], h_kind)
        e_s[c] = y_out * squash_dvalue(h_s, h_kind) * acc
    for i in range(n_cols):                                      # Δw into gates and cells (eqs 26, 28, §6)
        m = cols[i]
        for j in range(C):
            d_in, d_phi = 0.0, 0.0
            for v in range(S):
                c = j * S + v
                d_in += e_s[c] * dS_in[c, m]
                if has_phi:
                    d_phi += e_s[c] * dS_phi[c, m]
                Wd_h[m, c0 + c] += rate * M_h[m, c0 + c] * e_s[c] * dS_c[c, m]
            Wd_h[m, j] += rate * M_h[m, j] * d_in
            if has_phi:
                Wd_h[m, phi0 + j] += rate * M_h[m, phi0 + j] * d_phi
    if has_out:                                                  # output gates: Δw = α e_out z(t) (eqs 21-22)
        for j in range(C):
            acc = 0.0
            for v in range(S):
                c = j * S + v
                acc += squash(s[c], h_kind) * back[c]
            e_out = a[C + j] * (1.0 - a[C + j]) * acc
            if e_out == 0.0:
                continue
            for i in range(n_cols):                              # z(t) is non-zero only in these columns
                m = cols[i]
                Wd_h[m, C + j] += rate * M_h[m, C + j] * e_out * z[m]
    for c in range(CS):                                          # output units: Δw[k, j] = α e_k y_j   (eq 22)
        src_k[c] = a[c0 + c]
    src_k[J - 1] = 1.0
    if in_to_out:
        for m in range(n_in):
            src_k[CS + m] = z[m]                                 # x(t), the input part of z(t)
    for jj in range(J):
        if src_k[jj] != 0.0:
            for o in range(O):
                Wd_k[jj, o] += rate * M_k[jj, o] * e_k[o] * src_k[jj]


@njit(cache=True, nogil=True)
def train_chunk(W_h, W_k, M_h, M_k, arch, step_update, lr, x, sym, use_sym, lengths, y, y_ref, has_target, legal,
                rule, seen0, pos, n_stop, err_hist, ok_hist, counts, event):
    """Train K trials on their pre-drawn sequences ``pos[k] .. n_stop − 1``, each until its rule or divergence.

    Parameters
    ----------
    W_h (K, I, U), W_k (K, J, O) : in place; lr : (K,)
    x (K, N, T, n_in) or sym (K, N, T); lengths (K, N); y, y_ref (K, N, T, O); has_target (K, N, T)
    legal : (K, N, T, O) bool (Exp 1 scoring), else a (1, 1, 1, 1) stand-in
    rule : :func:`~lstm_core.nets.kernels_score.rule_tuple`; seen0 : sequences seen before position 0
    pos : (K,) in/out, the next position of each trial; event : (K,) out, EVENT_* of each trial
    err_hist, ok_hist : (K, window); counts : (K, 2) — see :func:`record_and_check`

    Notes
    -----
    The full-gradient and RNN drivers are this loop around their own sequence trainer; its
    bookkeeping is shared (:func:`~lstm_core.nets.kernels_score.trial_buffers`, ``next_sequence``,
    ``after_sequence``). One driver taking the trainer as an argument would not be cached: Numba
    misses its on-disk cache for a function-typed argument (or a closure over one) in every new
    process (measured with numba 0.68), so every worker process would compile it again.
    """
    for k in range(W_h.shape[0]):
        ws = workspace(arch, y.shape[2])
        y_k, keep_h, keep_k = trial_buffers(W_h[k], W_k[k], y, event, k)
        while pos[k] < n_stop:
            b, L = next_sequence(k, pos, lengths, W_h[k], W_k[k], keep_h, keep_k)
            train_sequence(W_h[k], W_k[k], M_h, M_k, arch, step_update, lr[k], x[k, b] if not use_sym else x[0, 0],
                           sym[k, b] if use_sym else sym[0, 0], use_sym, L, y[k, b], has_target[k, b], y_k, ws)
            if after_sequence(k, b, L, y_k, y_ref, has_target, legal, rule, seen0, W_h[k], W_k[k], keep_h,
                              keep_k, err_hist, ok_hist, counts, event):
                break


@njit(cache=True, nogil=True)
def train_chunk_fixed(n_in, C, S, O, rec, has_out, has_phi, g_kind, h_kind, out_linear, in_to_out,
                      W_h, W_k, M_h, M_k, step_update, lr, x, sym, use_sym, lengths, y, y_ref, has_target, legal,
                      rule, seen0, pos, n_stop, err_hist, ok_hist, counts, event):
    """:func:`train_chunk` compiled for one net: the eleven numbers of its ``arch`` given one by one.

    Numba compiles this once per net (``literally``: each number becomes a constant of the machine
    code, and so do the loop bounds over units and sources), so the loops of a step are unrolled
    as a C compiler would unroll them for fixed sizes. Same code, same float operations in the same
    order: the weights are bit for bit those of :func:`train_chunk` (tested); a step of the Exp 4
    net costs ~0.8× as much. The price is a compile for every new net (~6 s, then cached on
    disk), so only long runs take this path (:func:`lstm_core.nets.engine.fixed_net`).
    """
    arch = (literally(n_in), literally(C), literally(S), literally(O), literally(rec), literally(has_out),
            literally(has_phi), literally(g_kind), literally(h_kind), literally(out_linear), literally(in_to_out))
    train_chunk(W_h, W_k, M_h, M_k, arch, step_update, lr, x, sym, use_sym, lengths, y, y_ref, has_target, legal,
                rule, seen0, pos, n_stop, err_hist, ok_hist, counts, event)
