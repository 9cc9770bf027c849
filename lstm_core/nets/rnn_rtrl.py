"""Real-time recurrent learning (RTRL) of the conventional RNN (Williams & Zipser 1989, spec §5).

The same network as :mod:`lstm_core.nets.rnn` (and its :func:`~lstm_core.nets.rnn.step_forward`),
the same gradient as its BPTT, computed forward in time: per trial and sequence it carries the
sensitivities p[u, (i, j)] = ∂h_u(t)/∂W_h[i, j], with W_h = [W_xh; W_hh; b_h], so the gradient
of every step is available at once and the weights can change while the net runs
(:func:`train_sequence` with ``update="step"``). O(H²·I) per step (O(n⁴) for n units).
"""

from __future__ import annotations

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.nets.rnn import (
    Params,
    RNNConfig,
    apply_update,
    lr_per_trial,
    masks,
    output_net,
    step_forward,
    target_mask,
)

Array = np.ndarray


def _run(cfg: RNNConfig, params: Params, x: Array, y_target: Array, has_target: Array,
         lr_k: Array | None) -> tuple[Params, Params, dict[str, Array]]:
    """Run RTRL forward in time; update the weights at every target step if ``lr_k`` (K,) is given.

    Returns (params at the end, ∂(½E)/∂w accumulated over all steps, trace with "E").
    """
    f_h, f_o = ACTIVATIONS[cfg.hidden_act], ACTIVATIONS[cfg.output_act]
    x = np.ascontiguousarray(x, dtype=float)
    y_target = np.asarray(y_target, dtype=float)
    K, B, T, n_in = x.shape
    H, O = cfg.n_hidden, cfg.n_out
    I = n_in + H + (1 if cfg.bias else 0)  # sources of a hidden unit: x(t), h(t−1), 1
    m = target_mask(has_target, (K, B, T, O))
    params = {key: p.copy() for key, p in params.items()}
    grads = {key: np.zeros_like(p) for key, p in params.items()}
    mask = masks(cfg)
    diag = (np.arange(H)[:, None] * (I * H) + np.arange(I)[None, :] * H + np.arange(H)[:, None])  # (H, I)
    P = np.zeros((K, B, H, I * H))  # P[.., u, (i, j)] = ∂h_u(t)/∂W_h[i, j], W_h = [W_xh; W_hh; b_h]
    h_prev = np.zeros((K, B, H))
    ones = np.ones((K, B, 1 if cfg.bias else 0))
    out = {name: np.zeros((T, K, B, n)) for name, n in (("net_h", H), ("h", H), ("net_k", O), ("y_k", O))}
    E = np.zeros((K, B))
    for t in range(T):
        net_x = x[:, :, t] @ params["W_xh"] + (params["b_h"][:, None, :] if cfg.bias else 0.0)
        net_h, h = step_forward(cfg, params, net_x, h_prev)
        z = np.concatenate([x[:, :, t], h_prev, ones], axis=2)  # (K, B, I) z(t) = [x(t); h(t−1); 1]
        # p_u(t) = f'(net_u) [Σ_l w_hh[l, u] p_l(t−1) + δ_uj z_i(t)]  (Williams & Zipser)
        P = np.swapaxes(params["W_hh"], 1, 2)[:, None] @ P  # (K, B, H, I*H) Σ_l w[l, u] p_l(t−1)
        P.reshape(K, B, H * I * H)[:, :, diag] += z[:, :, None, :]  # + δ_uj z_i(t)
        P *= f_h.deriv(net_h)[..., None]  # · f_h'(net_u(t))
        net_k = output_net(cfg, params, h, x[:, :, t])
        y = f_o.fn(net_k)
        for name, val in (("net_h", net_h), ("h", h), ("net_k", net_k), ("y_k", y)):
            out[name][t] = val
        h_prev = h
        if not m[:, :, t].any():
            continue  # no target anywhere at this step: zero gradient, no update
        e = m[:, :, t] * (y_target[:, :, t] - y)  # (K, B, O) e = t − y
        E += np.sum(e * e, axis=2)
        dnet_k = -e * f_o.deriv(net_k)  # (K, B, O) ∂(½E(t))/∂net_k
        step = {"W_ho": np.swapaxes(h, 1, 2) @ dnet_k}  # h(t)ᵀ dnet_k, summed over B
        if cfg.input_to_output:
            step["W_xo"] = np.swapaxes(x[:, :, t], 1, 2) @ dnet_k
        if cfg.bias:
            step["b_o"] = dnet_k.sum(axis=1)
        dh = dnet_k @ np.swapaxes(params["W_ho"], 1, 2)  # (K, B, H) ∂(½E(t))/∂h(t)
        g_h = (dh.reshape(K, 1, B * H) @ P.reshape(K, B * H, I * H)).reshape(K, I, H)  # Σ_bu dh_u p_u
        step["W_xh"], step["W_hh"] = g_h[:, :n_in], g_h[:, n_in:n_in + H]
        if cfg.bias:
            step["b_h"] = g_h[:, n_in + H]
        for key in params:
            g = step[key] * mask[key]
            grads[key] += g
            if lr_k is not None:  # real-time RTRL: change the weights now
                params[key] -= lr_k.reshape((K,) + (1,) * (g.ndim - 1)) * g
    trace = {name: np.ascontiguousarray(np.moveaxis(val, 0, 2)) for name, val in out.items()}
    trace.update(x=x, E=E)
    return params, grads, trace


def grad(cfg: RNNConfig, params: Params, x: Array, y_target: Array,
         has_target: Array) -> tuple[Params, Array]:
    """Exact gradient of ½E, computed forward in time by RTRL sensitivities (spec §5).

    Same arguments and results as :func:`lstm_core.nets.rnn.bptt_grad` (equal to rounding error).

    Notes
    -----
    p_u,ij(t) = f_h'(net_u(t)) · [Σ_l W_hh[l, u] p_l,ij(t−1) + δ_uj z_i(t)],  p(0) = 0,
    with z(t) = [x(t); h(t−1); 1] and W_h = [W_xh; W_hh; b_h] (Williams & Zipser 1989).
    ∂(½E(t))/∂W_h[i, j] = Σ_u ∂(½E(t))/∂h_u(t) · p_u,ij(t); output weights by the delta rule.
    """
    _, grads, trace = _run(cfg, params, x, y_target, has_target, lr_k=None)
    return grads, trace["E"]


def train_sequence(cfg: RNNConfig, params: Params, x: Array, y_target: Array, has_target: Array,
                   lr: float | Array, update: str = "step") -> tuple[Params, dict[str, Array]]:
    """Train on one sequence per trial by RTRL.

    Parameters
    ----------
    x, y_target, has_target : as :func:`lstm_core.nets.rnn.bptt_grad`; B must be 1 for ``update="step"``
    lr : float or (K,) learning rate of each trial
    update : "step" — real-time RTRL: Δw = −lr·∂(½E(t))/∂w applied at every step with a
        target, while the net runs (later steps use the changed weights; the sensitivities
        carry on, as in Williams & Zipser); "sequence" — one update with the whole sequence's
        gradient at its end (equal to BPTT's).

    Returns
    -------
    params : the new parameters (a new dict; the arguments are not changed)
    trace : "x", "net_h", "h" (K, B, T, H), "net_k", "y_k" (K, B, T, O) as computed while training,
        and "E" (K, B) the sequence error seen while training
    """
    K, B = np.shape(x)[:2]
    if update == "sequence":
        _, grads, trace = _run(cfg, params, x, y_target, has_target, lr_k=None)
        return apply_update(params, grads, lr), trace
    if update != "step":
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    if B != 1:
        raise ValueError("real-time RTRL (update='step') trains on one sequence per trial: B must be 1")
    new_params, _, trace = _run(cfg, params, x, y_target, has_target, lr_k=lr_per_trial(lr, K))
    return new_params, trace
