"""Gradients of the 1997 LSTM over whole sequences: the paper's truncated one, and the full one.

Both return ∂(½E)/∂W with E = Σ_t Σ_k (t_k(t) − y_k(t))² over the steps that carry a
target (spec eq 16, A3: the paper's Δw = α·e·y is −α times this gradient; no factor 2).

* :func:`truncated_grad` — the paper's learning rule (App. A.1, spec §2), in its
  "detached network" form (§2.1): error reaches the gates and cells only from the output
  units of the same step and flows back in time only along the internal state s (the
  CEC). Summed over a sequence this equals the forward-propagated partials dS_in, dS_c
  of eqs 25-28 (Σ_t e_s(t)·dS(t) = Σ_τ [Σ_{t≥τ} e_s(t)]·∂Δs(τ)/∂w), so it is computed
  vectorised after one forward pass, with no loop over time.
* :func:`bptt_grad` — backpropagation through time through everything (the untruncated
  gradient of the same network), a plain loop over :func:`~lstm_core.nets.lstm.step_backward`;
  with ``detach=True`` it drops the recurrent paths and becomes a slow, obviously-correct
  reference for the truncated one; with ``keep`` it drops only some of them (which units'
  activations a(t−1) pass error back in time: a diagnostic of which paths learning needs).
"""

from __future__ import annotations

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.nets.lstm import (
    LSTMConfig,
    forward,
    hidden_sources,
    layout,
    masks,
    output_error,
    output_sources,
    step_backward,
)

Array = np.ndarray


def _output_errors(cfg: LSTMConfig, params, x, y, has_target, trace):
    """Output error signals e_k (eq 19) and what every gradient needs from them.

    Returns e_k (K,B,T,O), back (K,B,T,C*S) = Σ_k w[k,c] e_k (error at the cell outputs),
    E (K,B) the squared error, and ∂(½E)/∂W_k (K,J,O).
    """
    L = layout(cfg)
    err = (y - trace["y_k"]) * has_target[..., None]                     # t_k − y_k where a target exists
    E = np.einsum("kbto,kbto->kb", err, err)                              # eq 16
    y_k = trace["y_k"]
    e_k = output_error(cfg, y_k, err)                                     # e_k = f'(net_k)(t_k − y_k), eq 19
    K, B, T, O = e_k.shape
    src_k = output_sources(cfg, trace["a"], x)                            # (K,B,T,J)
    dW_k = -np.matmul(src_k.reshape(K, B * T, L.J).transpose(0, 2, 1), e_k.reshape(K, B * T, O))
    back = np.matmul(e_k, params["W_k"][:, None, L.out_cells, :].transpose(0, 1, 3, 2))   # Σ_k w[k,c] e_k
    return e_k, back, E, dW_k * masks(cfg)["W_k"]


def _sum_over_cells(v: Array) -> Array:
    """Σ over the last axis (the S cells of a block), (..., C, S) -> (..., C).

    One matrix-vector product: NumPy's ``sum`` over a short last axis costs ~30x more.
    """
    S = v.shape[-1]
    return np.dot(v.reshape(-1, S), np.ones(S)).reshape(v.shape[:-1])


def truncated_grad(cfg: LSTMConfig, params: dict[str, Array], x: Array, y: Array,
                   has_target: Array, trace: dict[str, Array] | None = None
                   ) -> tuple[dict[str, Array], Array, dict[str, Array]]:
    """The paper's truncated gradient of ½E, summed over each sequence (spec §2.3, eqs 19-28).

    Parameters
    ----------
    params : ``W_h`` (K, I, U), ``W_k`` (K, J, O)
    x : (K, B, T, n_in) inputs
    y : (K, B, T, O) targets
    has_target : (K, B, T) bool, steps with an error signal
    trace : the :func:`~lstm_core.nets.lstm.forward` trace of these inputs, if already computed

    Returns
    -------
    grads : ``W_h`` (K, I, U), ``W_k`` (K, J, O), summed over B and T; masked
    E : (K, B) squared error per sequence (eq 16)
    trace : the forward trace, plus ``e_s`` (K, B, T, C*S), the error injected at each
        internal state (eq 23), and ``E_s``, the error the CEC carries at each step

    Notes
    -----
    e_out(t) = f'(net_out) Σ_v h(s_v) back_v            (eq 21, current step only)
    e_s(t)   = y_out h'(s) back                           (eq 23)
    E_s(τ)   = Σ_{t≥τ} e_s(t) Π_{τ<u≤t} y_φ(u)           (error carried back by the CEC; y_φ ≡ 1 in 1997)
    δnet_c(τ) = E_s(τ) y_in(τ) g'(net_c(τ)),  δnet_in(τ) = Σ_v E_s(τ) g(net_c(τ)) f'(net_in(τ))
    ∂(½E)/∂w[u, m] = −Σ_τ δnet_u(τ) z_m(τ)                (eqs 22, 26, 28)
    """
    L = layout(cfg)
    trace = forward(cfg, params, x) if trace is None else trace
    _, back, E, dW_k = _output_errors(cfg, params, x, y, has_target, trace)
    net, a, s = trace["net"], trace["a"], trace["s"]
    K, B, T, _ = net.shape
    C, S = L.C, L.S
    y_g = a[..., : L.G]
    fp = y_g * (1.0 - y_g)                                                # f'(net) = f(1 − f) of every gate
    y_out = a[..., L.out_gate] if L.out_gate is not None else np.ones((K, B, T, C))
    h_s = trace["h_s"].reshape(K, B, T, C, S)
    dh_s = ACTIVATIONS[cfg.h].dvalue(h_s)                                 # h'(s), from h(s)
    back = back.reshape(K, B, T, C, S)
    e_s = y_out[..., None] * dh_s * back                                  # eq 23
    if L.forget_gate is None:
        E_s = np.cumsum(e_s[:, :, ::-1], axis=2)[:, :, ::-1]              # CEC: carried back unchanged
    else:
        phi = a[..., L.forget_gate]
        E_s = np.empty_like(e_s)
        carry = np.zeros((K, B, C, S))
        for t in range(T - 1, -1, -1):                                    # carried back scaled by y_φ
            carry = E_s[:, :, t] = e_s[:, :, t] + carry
            carry = carry * phi[:, :, t, :, None]
    g_c = trace["g_c"].reshape(K, B, T, C, S)
    y_in = a[..., L.in_gate]
    delta = np.empty((K, B, T, L.U))
    delta[..., L.in_gate] = _sum_over_cells(E_s * g_c) * fp[..., L.in_gate]     # eq 26 summed over time
    if L.out_gate is not None:
        delta[..., L.out_gate] = fp[..., L.out_gate] * _sum_over_cells(h_s * back)   # eq 21
    if L.forget_gate is not None:
        s_prev = np.zeros_like(h_s)
        s_prev[:, :, 1:] = s.reshape(K, B, T, C, S)[:, :, :-1]
        delta[..., L.forget_gate] = _sum_over_cells(E_s * s_prev) * fp[..., L.forget_gate]
    delta[..., L.cells] = (E_s * y_in[..., None] * ACTIVATIONS[cfg.g].dvalue(g_c)).reshape(K, B, T, L.CS)
    z = hidden_sources(cfg, a, x)                                         # (K,B,T,I)
    dW_h = -np.matmul(z.reshape(K, B * T, L.I).transpose(0, 2, 1), delta.reshape(K, B * T, L.U))
    trace = {**trace, "e_s": e_s.reshape(K, B, T, L.CS), "E_s": E_s.reshape(K, B, T, L.CS)}
    return {"W_h": dW_h * masks(cfg)["W_h"], "W_k": dW_k}, E, trace


def bptt_grad(cfg: LSTMConfig, params: dict[str, Array], x: Array, y: Array, has_target: Array,
              detach: bool = False, keep: Array | None = None
              ) -> tuple[dict[str, Array], Array, dict[str, Array]]:
    """Gradient of ½E by backpropagation through time, one step at a time (spec §2.1, §3.3).

    With ``detach=False`` this is the exact gradient of the network (error also flows
    through every recurrent weight, where it vanishes fast). With ``detach=True`` the
    recurrent sources a(t−1) are treated as constant inputs: the paper's truncation,
    computed the slow, obvious way. ``keep`` sits between the two: the error that the net
    inputs of step t send back to a(t−1) through the recurrent weights is kept for some
    units only; the others' a(t−1) count as constants (the error a cell's output receives
    from the output units of its own step always stays). Connectivity "B" has no such paths.

    Parameters
    ----------
    params, x, y, has_target : as :func:`truncated_grad`
    detach : True: no error flows back in time through a(t−1) (the same as ``keep`` all 0)
    keep : (U,) 0/1, units in :func:`~lstm_core.nets.lstm.layout`'s order (input gates,
        output gates, forget gates, cells): 1 where the error reaches a_u(t−1); None: every unit

    Returns
    -------
    grads, E, trace : as :func:`truncated_grad` (the trace without ``e_s``, ``E_s``)
    """
    L = layout(cfg)
    if detach and keep is not None:
        raise ValueError("bptt_grad: give detach=True or keep, not both")
    if keep is not None:
        keep = np.asarray(keep, dtype=float)
        if keep.shape != (L.U,):
            raise ValueError(f"keep must have shape ({L.U},), not {keep.shape}")
    trace = forward(cfg, params, x)
    _, back, E, dW_k = _output_errors(cfg, params, x, y, has_target, trace)
    net, a = trace["net"], trace["a"]
    K, B, T, _ = net.shape
    s = trace["s"].reshape(K, B, T, L.C, L.S)
    W_rT = None if L.src_rec is None or detach else params["W_h"][:, L.src_rec, :].transpose(0, 2, 1)
    delta = np.empty((K, B, T, L.U))
    da = np.zeros((K, B, L.U))            # error at a(t) arriving from step t+1 through W_r
    ds_carry = np.zeros((K, B, L.C, L.S))   # error at s(t) arriving from s(t+1) along the CEC
    for t in range(T - 1, -1, -1):
        da[..., L.cells] += back[:, :, t]                                 # + from the outputs of step t
        s_prev = s[:, :, t - 1] if t > 0 else np.zeros_like(ds_carry)
        delta[:, :, t], _, ds_carry = step_backward(cfg, net[:, :, t], a[:, :, t], s[:, :, t], s_prev, da, ds_carry)
        da = np.matmul(delta[:, :, t], W_rT) if W_rT is not None else np.zeros_like(da)   # to a(t−1)
        if keep is not None:
            da *= keep                                                    # only through the kept units
    z = hidden_sources(cfg, a, x)
    dW_h = -np.matmul(z.reshape(K, B * T, L.I).transpose(0, 2, 1), delta.reshape(K, B * T, L.U))
    return {"W_h": dW_h * masks(cfg)["W_h"], "W_k": dW_k}, E, trace


def apply_update(cfg: LSTMConfig, params: dict[str, Array], grads: dict[str, Array], lr) -> dict[str, Array]:
    """Gradient step ``W − lr·∂(½E)/∂W`` (= the paper's W + Δw); lr a scalar or (K,) array."""
    lr = np.asarray(lr, dtype=float)
    lr = lr.reshape((-1, 1, 1)) if lr.ndim else lr
    return {name: params[name] - lr * grads[name] for name in params}
