"""Conventional recurrent nets, the competitors of the 1997 paper, trained by BPTT and by RTRL.

One hidden layer, with the experiments' timing (spec §1.3, A1): the outputs read the
hidden layer of the *same* step::

    h(t) = f_h( x(t) @ W_xh + h(t−1) @ W_hh + b_h )        h(0) = 0
    y(t) = f_o( h(t) @ W_ho + x(t) @ W_xo + b_o )          (W_xo only if inputs feed outputs)

Error and learning-rate convention (spec A3): E = Σ_targets (t − y)², no ½, and the
update is Δw = −lr · ∂(½E)/∂w = lr · e · source, with e = f'(net)·(t − y) (no factor 2).
Every gradient function here returns ∂(½E)/∂w.

Two learning algorithms compute the same gradient of a sequence:

* BPTT (:func:`bptt_grad`): run forward, store every step, walk back in time.
* RTRL (:func:`rtrl_grad`, Williams & Zipser 1989, spec §5): carry the sensitivities
  p[u, i, j] = ∂h_u(t)/∂W_h[i, j] forward in time, O(n⁴) time per step; the gradient is
  available at every step, so weights can change while the net runs ("real time",
  :func:`rtrl_train_sequence` with ``update="step"``).

Weights that do not exist (the off-diagonal of W_hh under ``recurrence="self"``, the
topology of Exp 2a) are held at exactly 0 by a 0/1 mask (:func:`weight_masks`) multiplied
into the weights at initialisation and into every gradient.

Padding. Sequences of one batch may have different lengths L ≤ T; steps after L carry
``has_target=False``. That is enough because the net is causal: the state at step t depends
only on inputs up to t, so the padded steps cannot change any output at a step ≤ L, and
since no error is injected after L, the backward pass carries exactly zero error through the
padded steps (and RTRL multiplies its sensitivities there by e = 0). The padded inputs may
hold anything.

Left out: the error-backflow measurement |∂ϑ_v(t−q)/∂ϑ_u(t)| (module ``errorflow``) and
teacher forcing (not used in the paper's comparisons, spec §5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.activations import ACTIVATIONS

Array = np.ndarray
Params = dict[str, Array]

# Parameter keys in a fixed order (also the order in which init_params draws them).
PARAM_KEYS = ("W_xh", "W_hh", "b_h", "W_ho", "W_xo", "b_o")


@dataclass(frozen=True)
class RNNConfig:
    """A one-hidden-layer recurrent net (spec §3.1, §4.2 "Competitors", §5)."""

    n_in: int
    n_hidden: int
    n_out: int
    recurrence: str = "full"  # "full": dense W_hh; "self": self-connections only (Exp 2a)
    input_to_output: bool = False  # Exp 2a: the outputs also receive the inputs (W_xo)
    bias: bool = True  # b_h and b_o; Exp 2a has no biases
    init_range: float = 0.2  # every weight uniform in [−init_range, init_range]
    hidden_act: str = "logistic"  # key of ACTIVATIONS
    output_act: str = "logistic"  # key of ACTIVATIONS

    def __post_init__(self) -> None:
        if min(self.n_in, self.n_hidden, self.n_out) < 1:
            raise ValueError("n_in, n_hidden and n_out must be >= 1")
        if self.recurrence not in ("full", "self"):
            raise ValueError(f"recurrence must be 'full' or 'self', not {self.recurrence!r}")
        for act in (self.hidden_act, self.output_act):
            if act not in ACTIVATIONS:
                raise ValueError(f"unknown activation {act!r}; choose from {sorted(ACTIVATIONS)}")
        if not self.init_range >= 0.0:
            raise ValueError("init_range must be >= 0")


def exp2a_config(p: int) -> RNNConfig:
    """The RTRL/BPTT competitor of Exp 2a (spec §4.2): p+1 inputs and outputs, one hidden unit.

    The hidden unit is self-recurrent and sees the inputs; the outputs see the inputs and the
    hidden unit; no biases; logistic units; weights in [−0.2, 0.2]. 36 weights for p=4.
    """
    return RNNConfig(n_in=p + 1, n_hidden=1, n_out=p + 1, recurrence="self",
                     input_to_output=True, bias=False, init_range=0.2)


def param_shapes(cfg: RNNConfig) -> dict[str, tuple[int, ...]]:
    """Shapes of one trial's parameters (without the leading K axis), in :data:`PARAM_KEYS` order."""
    n_in, H, O = cfg.n_in, cfg.n_hidden, cfg.n_out
    shapes = {"W_xh": (n_in, H), "W_hh": (H, H), "b_h": (H,), "W_ho": (H, O), "W_xo": (n_in, O), "b_o": (O,)}
    if not cfg.bias:
        del shapes["b_h"], shapes["b_o"]
    if not cfg.input_to_output:
        del shapes["W_xo"]
    return shapes


def weight_masks(cfg: RNNConfig) -> dict[str, Array]:
    """0/1 mask of every parameter array (1 = the weight exists); shapes as :func:`param_shapes`."""
    masks = {key: np.ones(shape) for key, shape in param_shapes(cfg).items()}
    if cfg.recurrence == "self":
        masks["W_hh"] = np.eye(cfg.n_hidden)  # only w[u, u]
    return masks


def weight_count(cfg: RNNConfig) -> int:
    """Number of existing (unmasked) weights and biases; 36 / 144 / 10404 for exp2a_config(4 / 10 / 100)."""
    return int(sum(mask.sum() for mask in weight_masks(cfg).values()))


def init_params(cfg: RNNConfig, rngs: list[np.random.Generator]) -> Params:
    """Draw K = len(rngs) independent nets, weights uniform in [−init_range, init_range].

    Trial k draws only from ``rngs[k]`` (keys in :data:`PARAM_KEYS` order), so K trials in one
    call equal K separate K=1 calls bit for bit. Masked weights are 0.

    Returns
    -------
    dict: "W_xh" (K, n_in, H), "W_hh" (K, H, H), "W_ho" (K, H, O), and if present
    "b_h" (K, H), "W_xo" (K, n_in, O), "b_o" (K, O).
    """
    shapes, masks, r = param_shapes(cfg), weight_masks(cfg), cfg.init_range
    per_trial = [{key: rng.uniform(-r, r, size=shape) * masks[key] for key, shape in shapes.items()}
                 for rng in rngs]
    return {key: np.stack([trial[key] for trial in per_trial]) for key in shapes}


# ---------------------------------------------------------------------------------------- helpers

def _mm_all(a: Array, W: Array) -> Array:
    """(K, B, T, n) @ (K, n, m) -> (K, B, T, m): one matmul for all steps of all sequences."""
    K, B, T, n = a.shape
    return (a.reshape(K, B * T, n) @ W).reshape(K, B, T, W.shape[-1])


def _sum_outer(a: Array, d: Array) -> Array:
    """Σ_b Σ_t a(t)ᵀ d(t): (K, B, T, n), (K, B, T, m) -> (K, n, m)."""
    K = a.shape[0]
    return np.swapaxes(a.reshape(K, -1, a.shape[-1]), 1, 2) @ d.reshape(K, -1, d.shape[-1])


def _target_mask(has_target: Array, shape: tuple[int, ...]) -> Array:
    """has_target (K, B, T) or (K, B, T, O), bool -> 0/1 float array of ``shape`` (K, B, T, O)."""
    m = np.asarray(has_target, dtype=float)
    return np.broadcast_to(m[..., None] if m.ndim == len(shape) - 1 else m, shape)


def _masked(cfg: RNNConfig, grads: Params) -> Params:
    """Multiply the 0/1 masks into the gradients, so masked weights never move."""
    masks = weight_masks(cfg)
    return {key: g * masks[key] for key, g in grads.items()}


def _lr_shape(lr: float | Array, K: int) -> Array:
    """Learning rate, scalar or (K,), as a (K,) float array."""
    return np.broadcast_to(np.asarray(lr, dtype=float), (K,)).copy()


def apply_update(params: Params, grads: Params, lr: float | Array) -> Params:
    """Gradient step w − lr·∂(½E)/∂w on every array; ``lr`` scalar or per trial (K,). New dict."""
    K = next(iter(params.values())).shape[0]
    lr_k = _lr_shape(lr, K)
    return {key: p - lr_k.reshape((K,) + (1,) * (p.ndim - 1)) * grads[key] for key, p in params.items()}


# ---------------------------------------------------------------------------------------- BPTT

def forward(cfg: RNNConfig, params: Params, x: Array) -> dict[str, Array]:
    """Run K nets on B sequences each, from h(0) = 0.

    Parameters
    ----------
    x : (K, B, T, n_in) inputs

    Returns
    -------
    cache : dict with "x" (K, B, T, n_in), "net_h" and "h" (K, B, T, H), "net_o" and "y" (K, B, T, O)
    """
    f_h, f_o = ACTIVATIONS[cfg.hidden_act], ACTIVATIONS[cfg.output_act]
    x = np.ascontiguousarray(x, dtype=float)
    K, B, T, _ = x.shape
    W_hh = params["W_hh"]  # (K, H, H)
    net_x = _mm_all(x, params["W_xh"])  # (K, B, T, H) input part of net_h, all steps in one matmul
    if cfg.bias:
        net_x += params["b_h"][:, None, None, :]
    net_x = np.ascontiguousarray(np.moveaxis(net_x, 2, 0))  # (T, K, B, H): contiguous per step
    net_h, h = np.empty_like(net_x), np.empty_like(net_x)
    w_self = np.diagonal(W_hh, axis1=1, axis2=2)[:, None, :]  # (K, 1, H) for recurrence "self"
    h_prev = np.zeros(net_x.shape[1:])  # (K, B, H) h(0) = 0
    for t in range(T):
        rec = h_prev * w_self if cfg.recurrence == "self" else h_prev @ W_hh  # h(t−1) @ W_hh
        net_h[t] = net_x[t] + rec
        h[t] = h_prev = f_h.fn(net_h[t])
    # back to (K, B, T, H), C-contiguous: a matmul's BLAS path (hence its rounding) depends on the
    # strides of each trial's slice, which must not depend on K (K trials == K runs bit for bit)
    net_h, h = (np.ascontiguousarray(np.moveaxis(a, 0, 2)) for a in (net_h, h))
    net_o = _mm_all(h, params["W_ho"])
    if cfg.input_to_output:
        net_o += _mm_all(x, params["W_xo"])
    if cfg.bias:
        net_o += params["b_o"][:, None, None, :]
    return {"x": x, "net_h": net_h, "h": h, "net_o": net_o, "y": f_o.fn(net_o)}


def _errors(cache: dict[str, Array], y_target: Array, has_target: Array) -> tuple[Array, Array]:
    """e = t − y at target steps, else 0, (K, B, T, O); and E = Σ e² per sequence, (K, B)."""
    e = _target_mask(has_target, cache["y"].shape) * (np.asarray(y_target, dtype=float) - cache["y"])
    return e, np.sum(e * e, axis=(2, 3))


def backward(cfg: RNNConfig, params: Params, cache: dict[str, Array], e: Array) -> Params:
    """BPTT: ∂(½E)/∂w summed over the B sequences, from the errors e = t − y, (K, B, T, O)."""
    f_h, f_o = ACTIVATIONS[cfg.hidden_act], ACTIVATIONS[cfg.output_act]
    x, net_h, h = cache["x"], cache["net_h"], cache["h"]
    K, B, T, H = h.shape
    dnet_o = -e * f_o.deriv(cache["net_o"])  # ∂(½E)/∂net_o = −(t − y)·f_o'(net_o)
    grads = {"W_ho": _sum_outer(h, dnet_o)}  # Σ h(t)ᵀ dnet_o(t)
    dh_out = np.moveaxis(_mm_all(dnet_o, np.swapaxes(params["W_ho"], 1, 2)), 2, 0)  # (T,K,B,H) via W_ho
    fprime = np.moveaxis(f_h.deriv(net_h), 2, 0)  # (T, K, B, H) f_h'(net_h(t)), all steps at once
    W_hh_T = np.swapaxes(params["W_hh"], 1, 2)  # (K, H, H)
    w_self = np.diagonal(params["W_hh"], axis1=1, axis2=2)[:, None, :]  # (K, 1, H)
    dnet_h = np.empty_like(fprime)  # (T, K, B, H)
    dh_next = np.zeros((K, B, H))  # error arriving at h(t) from step t+1; none after the last step
    for t in reversed(range(T)):
        dh = dh_out[t] + dh_next  # ∂(½E)/∂h(t): from the outputs of step t and from net_h(t+1)
        dnet_h[t] = dh * fprime[t]  # ∂(½E)/∂net_h(t) = f_h'(net_h(t)) · ∂(½E)/∂h(t)
        dh_next = dnet_h[t] * w_self if cfg.recurrence == "self" else dnet_h[t] @ W_hh_T  # to h(t−1)
    dnet_h = np.ascontiguousarray(np.moveaxis(dnet_h, 0, 2))  # (K, B, T, H)
    h_prev = np.concatenate([np.zeros((K, B, 1, H)), h[:, :, :-1]], axis=2)  # h(t−1), h(0) = 0
    grads["W_xh"] = _sum_outer(x, dnet_h)  # Σ x(t)ᵀ dnet_h(t)
    grads["W_hh"] = _sum_outer(h_prev, dnet_h)  # Σ h(t−1)ᵀ dnet_h(t)
    if cfg.bias:
        grads["b_h"] = dnet_h.sum(axis=(1, 2))  # Σ dnet_h(t)
        grads["b_o"] = dnet_o.sum(axis=(1, 2))  # Σ dnet_o(t)
    if cfg.input_to_output:
        grads["W_xo"] = _sum_outer(x, dnet_o)  # Σ x(t)ᵀ dnet_o(t)
    return _masked(cfg, {key: grads[key] for key in params})


def bptt_grad(cfg: RNNConfig, params: Params, x: Array, y_target: Array,
              has_target: Array) -> tuple[Params, Array]:
    """Exact gradient of ½E by backpropagation through time.

    Parameters
    ----------
    x : (K, B, T, n_in) inputs (padded steps may hold anything)
    y_target : (K, B, T, O) targets (read only where ``has_target``)
    has_target : (K, B, T) bool, or (K, B, T, O) for per-output targets

    Returns
    -------
    grads : ∂(½E)/∂w summed over the B sequences; same keys and shapes as ``params``
    E : (K, B) E = Σ_targets (t − y)² of each sequence
    """
    cache = forward(cfg, params, x)
    e, E = _errors(cache, y_target, has_target)
    return backward(cfg, params, cache, e), E


def bptt_train_sequence(cfg: RNNConfig, params: Params, x: Array, y_target: Array, has_target: Array,
                        lr: float | Array, update: str = "sequence") -> tuple[Params, dict[str, Array]]:
    """One BPTT update per sequence (per-sequence accumulation): w − lr·∂(½E)/∂w.

    Arguments as :func:`bptt_grad`; ``lr`` scalar or (K,). Only ``update="sequence"`` exists
    (real-time updates within a sequence are RTRL's, :func:`rtrl_train_sequence`). With B > 1
    the gradient is summed over the B sequences. Returns the new params (a new dict) and the
    forward cache of the old params, with "E" (K, B) added.
    """
    if update != "sequence":
        raise ValueError("BPTT updates once per sequence: update must be 'sequence'")
    cache = forward(cfg, params, x)
    e, cache["E"] = _errors(cache, y_target, has_target)
    return apply_update(params, backward(cfg, params, cache, e), lr), cache


# ---------------------------------------------------------------------------------------- RTRL

def _rtrl_run(cfg: RNNConfig, params: Params, x: Array, y_target: Array, has_target: Array,
              lr_k: Array | None) -> tuple[Params, Params, dict[str, Array]]:
    """Run RTRL forward in time; update the weights at every target step if ``lr_k`` (K,) is given.

    Returns (params at the end, ∂(½E)/∂w accumulated over all steps, cache with "E").
    """
    f_h, f_o = ACTIVATIONS[cfg.hidden_act], ACTIVATIONS[cfg.output_act]
    x = np.ascontiguousarray(x, dtype=float)
    y_target = np.asarray(y_target, dtype=float)
    K, B, T, n_in = x.shape
    H, O = cfg.n_hidden, cfg.n_out
    I = n_in + H + (1 if cfg.bias else 0)  # sources of a hidden unit: x(t), h(t−1), 1
    m = _target_mask(has_target, (K, B, T, O))
    params = {key: p.copy() for key, p in params.items()}
    grads = {key: np.zeros_like(p) for key, p in params.items()}
    masks = weight_masks(cfg)
    diag = (np.arange(H)[:, None] * (I * H) + np.arange(I)[None, :] * H + np.arange(H)[:, None])  # (H, I)
    P = np.zeros((K, B, H, I * H))  # P[.., u, (i, j)] = ∂h_u(t)/∂W_h[i, j], W_h = [W_xh; W_hh; b_h]
    h_prev = np.zeros((K, B, H))
    ones = np.ones((K, B, 1 if cfg.bias else 0))
    out = {name: np.zeros((T, K, B, n)) for name, n in (("net_h", H), ("h", H), ("net_o", O), ("y", O))}
    E = np.zeros((K, B))
    for t in range(T):
        bias_row = [params["b_h"][:, None, :]] if cfg.bias else []
        W_h = np.concatenate([params["W_xh"], params["W_hh"], *bias_row], axis=1)  # (K, I, H)
        z = np.concatenate([x[:, :, t], h_prev, ones], axis=2)  # (K, B, I) z(t) = [x(t); h(t−1); 1]
        net_h = z @ W_h  # (K, B, H)
        h = f_h.fn(net_h)
        # p_u(t) = f'(net_u) [Σ_l w_hh[l, u] p_l(t−1) + δ_uj z_i(t)]  (Williams & Zipser)
        P = np.swapaxes(params["W_hh"], 1, 2)[:, None] @ P  # (K, B, H, I*H) Σ_l w[l, u] p_l(t−1)
        P.reshape(K, B, H * I * H)[:, :, diag] += z[:, :, None, :]  # + δ_uj z_i(t)
        P *= f_h.deriv(net_h)[..., None]  # · f_h'(net_u(t))
        net_o = h @ params["W_ho"]
        if cfg.input_to_output:
            net_o = net_o + x[:, :, t] @ params["W_xo"]
        if cfg.bias:
            net_o = net_o + params["b_o"][:, None, :]
        y = f_o.fn(net_o)
        for name, val in (("net_h", net_h), ("h", h), ("net_o", net_o), ("y", y)):
            out[name][t] = val
        h_prev = h
        if not m[:, :, t].any():
            continue  # no target anywhere at this step: zero gradient, no update
        e = m[:, :, t] * (y_target[:, :, t] - y)  # (K, B, O) e = t − y
        E += np.sum(e * e, axis=2)
        dnet_o = -e * f_o.deriv(net_o)  # (K, B, O) ∂(½E(t))/∂net_o
        step = {"W_ho": np.swapaxes(h, 1, 2) @ dnet_o}  # h(t)ᵀ dnet_o, summed over B
        if cfg.input_to_output:
            step["W_xo"] = np.swapaxes(x[:, :, t], 1, 2) @ dnet_o
        if cfg.bias:
            step["b_o"] = dnet_o.sum(axis=1)
        dh = dnet_o @ np.swapaxes(params["W_ho"], 1, 2)  # (K, B, H) ∂(½E(t))/∂h(t)
        g_h = (dh.reshape(K, 1, B * H) @ P.reshape(K, B * H, I * H)).reshape(K, I, H)  # Σ_bu dh_u p_u
        step["W_xh"], step["W_hh"] = g_h[:, :n_in], g_h[:, n_in:n_in + H]
        if cfg.bias:
            step["b_h"] = g_h[:, n_in + H]
        for key in params:
            g = step[key] * masks[key]
            grads[key] += g
            if lr_k is not None:  # real-time RTRL: change the weights now
                params[key] -= lr_k.reshape((K,) + (1,) * (g.ndim - 1)) * g
    cache = {name: np.ascontiguousarray(np.moveaxis(val, 0, 2)) for name, val in out.items()}
    cache.update(x=x, E=E)
    return params, grads, cache


def rtrl_grad(cfg: RNNConfig, params: Params, x: Array, y_target: Array,
              has_target: Array) -> tuple[Params, Array]:
    """Exact gradient of ½E, computed forward in time by RTRL sensitivities (spec §5).

    Same arguments and results as :func:`bptt_grad` (equal to rounding error); costs
    O(H²·I) per sequence and step for the sensitivities ∂h_u(t)/∂W_h[i, j] (O(n⁴) for n units).

    Notes
    -----
    p_u,ij(t) = f_h'(net_u(t)) · [Σ_l W_hh[l, u] p_l,ij(t−1) + δ_uj z_i(t)],  p(0) = 0,
    with z(t) = [x(t); h(t−1); 1] and W_h = [W_xh; W_hh; b_h] (Williams & Zipser 1989).
    ∂(½E(t))/∂W_h[i, j] = Σ_u ∂(½E(t))/∂h_u(t) · p_u,ij(t); output weights by the delta rule.
    """
    _, grads, cache = _rtrl_run(cfg, params, x, y_target, has_target, lr_k=None)
    return grads, cache["E"]


def rtrl_train_sequence(cfg: RNNConfig, params: Params, x: Array, y_target: Array, has_target: Array,
                        lr: float | Array, update: str = "step") -> tuple[Params, dict[str, Array]]:
    """Train on one sequence per trial by RTRL.

    Parameters
    ----------
    x, y_target, has_target : as :func:`bptt_grad`; B must be 1 for ``update="step"``
    lr : float or (K,) learning rate of each trial
    update : "step" — real-time RTRL: Δw = −lr·∂(½E(t))/∂w applied at every step with a
        target, while the net runs (later steps use the changed weights; the sensitivities
        carry on, as in Williams & Zipser); "sequence" — one update with the whole sequence's
        gradient at its end (equal to BPTT's).

    Returns
    -------
    params : the new parameters (a new dict; the arguments are not changed)
    cache : "x", "net_h", "h" (K, B, T, H), "net_o", "y" (K, B, T, O) as computed while training,
        and "E" (K, B) the sequence error seen while training
    """
    K, B = np.shape(x)[:2]
    if update == "sequence":
        _, grads, cache = _rtrl_run(cfg, params, x, y_target, has_target, lr_k=None)
        return apply_update(params, grads, lr), cache
    if update != "step":
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    if B != 1:
        raise ValueError("real-time RTRL (update='step') trains on one sequence per trial: B must be 1")
    new_params, _, cache = _rtrl_run(cfg, params, x, y_target, has_target, lr_k=_lr_shape(lr, K))
    return new_params, cache
