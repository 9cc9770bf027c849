"""The paper's learning algorithm as written: real-time truncated RTRL (App. A.1, spec §2.2-2.6).

The learner carries, per trial and cell, the forward-propagated partials

    dS_in[jv, m](t) = ∂s_jv(t)/∂w[in_j, m]    (eq 25)
    dS_c [jv, m](t) = ∂s_jv(t)/∂w[c_jv, m]    (eq 27)
    dS_φ [jv, m](t) = ∂s_jv(t)/∂w[φ_j, m]     (forget-gate variant, spec §6)

so its storage does not depend on the sequence length, and at every step that has a
target it changes the weights at once (``update="step"``, the default for Exps 1, 2a,
2b; spec §2.4, A4) or accumulates the changes until the sequence ends
(``update="sequence"``). With targets only at the end the two are the same, and equal
one step of :func:`lstm_core.lstm_grad.truncated_grad` — the tests check both.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, sigmoid
from .lstm import LSTMConfig, layout, masks

Array = np.ndarray


def train_sequence(cfg: LSTMConfig, params: dict[str, Array], x: Array, y: Array, has_target: Array,
                   lr, update: str = "step") -> tuple[dict[str, Array], dict[str, Array]]:
    """Present one sequence to each of K networks and learn from it by truncated RTRL.

    Parameters
    ----------
    params : ``W_h`` (K, I, U), ``W_k`` (K, J, O); not modified
    x : (K, T, n_in) one input sequence per trial (padding after its end is harmless)
    y : (K, T, O) targets
    has_target : (K, T) bool
    lr : learning rate α, a scalar or (K,) per trial
    update : "step" (apply Δw at every target step) or "sequence" (sum, apply at the end)

    Returns
    -------
    new_params : same keys and shapes
    out : ``y_k`` (K, T, O) outputs as produced while learning, ``E`` (K,) squared error (eq 16)

    Notes
    -----
    The output units never feed back, and their weights only change at target steps, so
    their outputs are computed a segment at a time: all steps up to and including the next
    target step in one matmul (Exp 2a/2b: the whole sequence at once).
    """
    if update not in ("step", "sequence"):
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    L = layout(cfg)
    M_h, M_k = masks(cfg)
    g, h = ACTIVATIONS[cfg.g], ACTIVATIONS[cfg.h]
    K, T, n_in = x.shape
    C, S, CS, G = L.C, L.S, L.CS, L.G
    lr_k = np.broadcast_to(np.asarray(lr, dtype=float).reshape(-1), (K,))
    # Weights unit-major while learning: W_t[k, u, m] = w[u, m], so that each unit kind's Δw is a block of rows.
    W_t, W_k = params["W_h"].transpose(0, 2, 1).copy(), params["W_k"].copy()
    M_t = {kind: (None if M_h[:, sl].all() else M_h[:, sl].T) for kind, sl in _kinds(L).items()}   # None: all exist
    if update == "step":                                   # Δw goes straight into the weights ...
        dW_t, dW_k, rate = W_t, W_k, lr_k
    else:                                                  # ... or into sums applied at the end
        dW_t, dW_k, rate = np.zeros_like(W_t), np.zeros_like(W_k), np.ones(K)
    z = np.zeros((K, L.I, 1))                             # z(t) = [x(t), a(t−1) (under "F"), 1]; a(0) = 0
    z[:, L.src_bias] = 1.0
    z_row = z.reshape(K, 1, 1, L.I)                       # the same, broadcast over (C, S)
    dS = {kind: np.zeros((K, C, S, L.I)) for kind in ("in", "c") + (("phi",) if L.forget_gate else ())}
    s = np.zeros((K, C, S))
    src_k = np.zeros((K, T, L.J))                         # sources of the output units, every step
    src_k[..., L.out_bias] = 1.0
    if L.out_x is not None:
        src_k[..., L.out_x] = x
    y_c_all = src_k[..., L.out_cells].reshape(K, T, C, S)
    y_out_all = np.zeros((K, T, cfg.n_out))
    err_all = np.zeros((K, T, cfg.n_out))
    net = np.empty((K, L.U, 1))
    tmp = np.empty((K, C, S, L.I))
    targets = has_target.any(axis=0).tolist()
    done = 0                                              # outputs computed for steps < done
    for t in range(T):
        z[:, L.src_x, 0] = x[:, t]
        np.matmul(W_t, z, out=net)                                              # net(t) = W z(t)
        y_g = sigmoid(net[:, :G, 0])                                            # y_in, y_out, y_φ = f(net)
        fp = y_g * (1.0 - y_g)                                                  # f'(net)
        g_c = g.fn(net[:, G:, 0]).reshape(K, C, S)
        y_in = y_g[:, L.in_gate, None]
        s_prev = s
        if L.forget_gate is not None:                                           # spec §6
            phi = y_g[:, L.forget_gate, None]
            s = phi * s_prev + y_in * g_c
            for part in dS.values():
                part *= phi[..., None]
            np.multiply((s_prev * fp[:, L.forget_gate, None])[..., None], z_row, out=tmp)
            dS["phi"] += tmp
        else:
            s = s_prev + y_in * g_c                                             # CEC
        np.multiply((g_c * fp[:, L.in_gate, None])[..., None], z_row, out=tmp)
        dS["in"] += tmp                                                         # eq 25
        np.multiply((g.dvalue(g_c) * y_in)[..., None], z_row, out=tmp)
        dS["c"] += tmp                                                          # eq 27
        h_s = h.fn(s)
        y_out = y_g[:, L.out_gate, None] if L.out_gate is not None else None
        y_c = y_c_all[:, t]
        if y_out is not None:
            np.multiply(h_s, y_out, out=y_c)                                    # y_c = y_out h(s)
        else:
            y_c[...] = h_s
        if targets[t]:
            y_k = _outputs(src_k, W_k, y_out_all, done, t + 1)
            done = t + 1
            err = np.multiply(y[:, t] - y_k, has_target[:, t, None], out=err_all[:, t])   # t_k − y_k
            e_k = y_k * (1.0 - y_k) * err                                       # eq 19
            back = np.matmul(W_k[:, L.out_cells], e_k[:, :, None]).reshape(K, C, S)   # Σ_k w[k,c] e_k
            e_s = h.dvalue(h_s) * back                                          # eq 23
            if y_out is not None:
                e_s *= y_out
            e_s *= rate[:, None, None]                                          # α e_s (or e_s)
            _add(dW_t, L.in_gate, _sum_cells(e_s, dS["in"]), M_t["in"])        # eq 26
            _add(dW_t, L.cells, (e_s[..., None] * dS["c"]).reshape(K, CS, L.I), M_t["c"])   # eq 28
            if y_out is not None:
                e_out = fp[:, L.out_gate] * (h_s * back).sum(-1) * rate[:, None]   # eq 21
                _add(dW_t, L.out_gate, e_out[:, :, None] * z_row[:, 0, 0, None, :], M_t["out"])   # eq 22
            if L.forget_gate is not None:
                _add(dW_t, L.forget_gate, _sum_cells(e_s, dS["phi"]), M_t["phi"])
            dk = src_k[:, t, :, None] * (e_k * rate[:, None])[:, None, :]      # eq 22, output units
            dW_k += dk * M_k
        if L.src_rec is not None:                                               # a(t) is z(t+1)'s recurrent part
            z[:, L.src_rec.start:L.src_rec.start + G, 0] = y_g
            z[:, L.src_rec.start + G:L.src_rec.stop, 0] = y_c.reshape(K, CS)
    if done < T:
        _outputs(src_k, W_k, y_out_all, done, T)
    if update == "sequence":
        W_t += lr_k[:, None, None] * dW_t
        W_k += lr_k[:, None, None] * dW_k                 # the sums are masked already (_add, dk * M_k)
    W_h = np.ascontiguousarray(W_t.transpose(0, 2, 1))
    return {"W_h": W_h, "W_k": W_k}, {"y_k": y_out_all, "E": np.einsum("kto,kto->k", err_all, err_all)}


def _kinds(L) -> dict[str, slice]:
    """The unit kinds of a layout and where they sit in U."""
    kinds = {"in": L.in_gate, "c": L.cells, "out": L.out_gate, "phi": L.forget_gate}
    return {kind: sl for kind, sl in kinds.items() if sl is not None}


def _outputs(src_k: Array, W_k: Array, y_out_all: Array, t0: int, t1: int) -> Array:
    """Fill ``y_out_all[:, t0:t1]`` with f(W_k src_k) (K, t1−t0, O); returns the last step's (K, O)."""
    y_seg = y_out_all[:, t0:t1]
    y_seg[...] = sigmoid(np.matmul(src_k[:, t0:t1], W_k))
    return y_seg[:, -1]


def _sum_cells(e_s: Array, dS: Array) -> Array:
    """Σ_v e_s[v] dS[v, m] over the cells v of each block: (K, C, S), (K, C, S, I) -> (K, C, I)."""
    return np.matmul(e_s[:, :, None, :], dS)[:, :, 0]


def _add(W_t: Array, units: slice, dW: Array, M: Array | None) -> None:
    """W_t[:, units] += dW (masked: absent weights stay 0), in place; W_t and dW unit-major (K, ·, I)."""
    W_t[:, units] += dW if M is None else dW * M
