"""The paper's learning algorithm as written: real-time truncated RTRL (App. A.1, spec §2.2-2.6).

The readable reference of the compiled learner :mod:`lstm_core.nets.kernels_rtrl` (tested
equal to it to 1e-10) and the NumPy engine's learner (``LAB_ENGINE=numpy``). Per trial and
cell it carries the forward-propagated partials

    dS_in[jv, m](t) = ∂s_jv(t)/∂w[in_j, m]    (eq 25)
    dS_c [jv, m](t) = ∂s_jv(t)/∂w[c_jv, m]    (eq 27)
    dS_φ [jv, m](t) = ∂s_jv(t)/∂w[φ_j, m]     (forget-gate variant, spec §6)

so its storage does not depend on the sequence length, and at every step that has a
target it changes the weights at once (``update="step"``, the default for Exps 1, 2a,
2b; spec §2.4, A4) or accumulates the changes until the sequence ends
(``update="sequence"``). With targets only at the end the two are the same, and equal
one step of :func:`lstm_core.nets.lstm_grad.truncated_grad` — the tests check both.
"""

from __future__ import annotations

import numpy as np

from lstm_core.activations import ACTIVATIONS, _dsigmoid
from lstm_core.nets.lstm import (
    LSTMConfig,
    layout,
    masks,
    output_activation,
    output_error,
    output_sources,
    step_forward,
)

Array = np.ndarray


def train_sequence(cfg: LSTMConfig, params: dict[str, Array], x: Array, y: Array, has_target: Array,
                   lr, update: str = "step", weight_masks: dict[str, Array] | None = None
                   ) -> tuple[dict[str, Array], dict[str, Array]]:
    """Present one sequence to each of K networks and learn from it by truncated RTRL.

    Parameters
    ----------
    params : ``W_h`` (K, I, U), ``W_k`` (K, J, O); not modified
    x : (K, T, n_in) one input sequence per trial (padding after its end is harmless)
    y : (K, T, O) targets
    has_target : (K, T) bool
    lr : learning rate α, a scalar or (K,) per trial
    update : "step" (apply Δw at every target step) or "sequence" (sum, apply at the end)
    weight_masks : ``W_h``, ``W_k`` 0/1 masks in place of :func:`~lstm_core.nets.lstm.masks` (weights held
        where 0: the sequential construction of Exps 2a/2b)

    Returns
    -------
    new_params : same keys and shapes
    out : ``y_k`` (K, T, O) outputs as produced while learning, ``E`` (K,) squared error (eq 16)
    """
    if update not in ("step", "sequence"):
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    L = layout(cfg)
    M = masks(cfg) if weight_masks is None else weight_masks
    M_h, M_k = M["W_h"], M["W_k"]
    g, h = ACTIVATIONS[cfg.g], ACTIVATIONS[cfg.h]
    W_h, W_k = params["W_h"].copy(), params["W_k"].copy()
    K, T, _ = x.shape
    C, S, CS = L.C, L.S, L.CS
    lr = np.asarray(lr, dtype=float).reshape(-1, 1, 1) if np.ndim(lr) else float(lr)
    acc_h, acc_k = np.zeros_like(W_h), np.zeros_like(W_k)
    dS_in = np.zeros((K, C, S, L.I))          # ∂s/∂w[in_j, :], reset per sequence (A23)
    dS_c = np.zeros((K, C, S, L.I))           # ∂s/∂w[c_jv, :]
    dS_phi = np.zeros((K, C, S, L.I)) if L.forget_gate is not None else None
    a = np.zeros((K, L.U))                    # previous activations (recurrent sources)
    s = np.zeros((K, C, S))
    y_out_all = np.zeros((K, T, cfg.n_out))
    E = np.zeros(K)
    for t in range(T):
        z = _sources(cfg, x[:, t], a)                                           # z(t) (K, I)
        net = np.einsum("ki,kiu->ku", z, W_h)                                   # net(t) = W z(t)
        s_prev = s
        y_g, g_c, s, y_c = step_forward(cfg, net, s_prev)
        fp = _dsigmoid(net[:, : L.G])
        net_c = net[:, L.cells].reshape(K, C, S)
        phi = y_g[:, L.forget_gate, None, None] if dS_phi is not None else 1.0
        zz = z[:, None, None, :]
        dS_in = phi * dS_in + (g_c * fp[:, L.in_gate, None])[..., None] * zz             # eq 25
        dS_c = phi * dS_c + (g.deriv(net_c) * y_g[:, L.in_gate, None])[..., None] * zz   # eq 27
        if dS_phi is not None:                                                           # spec §6
            dS_phi = phi * dS_phi + (s_prev * fp[:, L.forget_gate, None])[..., None] * zz
        a = np.concatenate([y_g, y_c.reshape(K, CS)], axis=1)
        src_k = output_sources(cfg, a, x[:, t])                                 # (K, J)
        net_k = np.einsum("kj,kjo->ko", src_k, W_k)
        y_k = output_activation(cfg, net_k)                                     # f(net_k), or net_k
        y_out_all[:, t] = y_k
        mask = has_target[:, t]
        if not mask.any():
            continue
        err = (y[:, t] - y_k) * mask[:, None]                                   # t_k − y_k
        E += (err ** 2).sum(1)
        e_k = output_error(cfg, y_k, err)                                       # eq 19
        back = np.einsum("ko,kco->kc", e_k, W_k[:, L.out_cells]).reshape(K, C, S)   # Σ_k w[k,c] e_k
        y_out = y_g[:, L.out_gate, None] if L.out_gate is not None else 1.0
        e_s = y_out * h.deriv(s) * back                                         # eq 23
        dh = np.zeros_like(W_h)                                                 # Δw / α, eqs 22, 26, 28
        dh[:, :, L.in_gate] = np.einsum("kcs,kcsi->kic", e_s, dS_in)           # eq 26
        dh[:, :, L.cells] = (e_s[..., None] * dS_c).reshape(K, CS, L.I).transpose(0, 2, 1)   # eq 28
        if L.out_gate is not None:
            e_out = fp[:, L.out_gate] * (h.fn(s) * back).sum(-1)               # eq 21
            dh[:, :, L.out_gate] = z[:, :, None] * e_out[:, None, :]           # eq 22
        if dS_phi is not None:
            dh[:, :, L.forget_gate] = np.einsum("kcs,kcsi->kic", e_s, dS_phi)
        dk = src_k[:, :, None] * e_k[:, None, :]                                # eq 22, output units
        if update == "step":
            W_h += lr * dh * M_h
            W_k += lr * dk * M_k
        else:
            acc_h += dh
            acc_k += dk
    if update == "sequence":
        W_h += lr * acc_h * M_h
        W_k += lr * acc_k * M_k
    return {"W_h": W_h, "W_k": W_k}, {"y_k": y_out_all, "E": E}


def _sources(cfg: LSTMConfig, x_t: Array, a_prev: Array) -> Array:
    """z(t) = [x(t), a(t−1) (connectivity "F"), 1], shape (K, I)."""
    L = layout(cfg)
    parts = [x_t] + ([a_prev] if L.src_rec is not None else []) + [np.ones((x_t.shape[0], 1))]
    return np.concatenate(parts, axis=1)

