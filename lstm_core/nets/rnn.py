"""Conventional recurrent nets, the competitors of the 1997 paper, trained by BPTT and by RTRL.

One concern at ~320 lines: the RNN of the paper's comparisons (config, masks, step forward and
backward, BPTT); RTRL lives in :mod:`lstm_core.nets.rnn_rtrl`.

One hidden layer, with the experiments' timing (spec §1.3, A1): the outputs read the
hidden layer of the *same* step::

    net_h(t) = x(t) @ W_xh + h(t−1) @ W_hh + b_h     h(t) = f_h(net_h(t))     h(0) = 0
    net_k(t) = h(t) @ W_ho + x(t) @ W_xo + b_o       y_k(t) = f_o(net_k(t))   (W_xo only if inputs feed outputs)

Error and learning-rate convention (spec A3): E = Σ_targets (t − y)², no ½, and the
update is Δw = −lr · ∂(½E)/∂w = lr · e · source, with e = f'(net)·(t − y) (no factor 2).
Every gradient function here returns ∂(½E)/∂w.

Two learning algorithms compute the same gradient of a sequence:

* BPTT (:func:`bptt_grad`, here): run forward, store every step, walk back in time, one
  :func:`step_backward` per step.
* RTRL (:func:`lstm_core.nets.rnn_rtrl.grad`, Williams & Zipser 1989, spec §5): carry the
  sensitivities ∂h_u(t)/∂W_h[i, j] forward in time; weights can change while the net runs.

:func:`step_forward` and :func:`step_backward` are the rules of one time step; the forward
pass, BPTT and the recorder (:mod:`lstm_core.analysis.record`) loop over them.

Weights that do not exist (the off-diagonal of W_hh under ``recurrence="self"``, the
topology of Exp 2a) are held at exactly 0 by a 0/1 mask (:func:`masks`) multiplied
into the weights at initialisation and into every gradient.

Padding. Sequences of one batch may have different lengths L ≤ T; steps after L carry
``has_target=False``. That is enough because the net is causal: the state at step t depends
only on inputs up to t, so the padded steps cannot change any output at a step ≤ L, and
since no error is injected after L, the backward pass carries exactly zero error through the
padded steps (and RTRL multiplies its sensitivities there by e = 0). The padded inputs may
hold anything.

Left out: the error-backflow measurement |∂ϑ_v(t−q)/∂ϑ_u(t)| (:mod:`lstm_core.analysis.errorflow`) and
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


def masks(cfg: RNNConfig) -> dict[str, Array]:
    """0/1 mask of every parameter array (1 = the weight exists); shapes as :func:`param_shapes`."""
    out = {key: np.ones(shape) for key, shape in param_shapes(cfg).items()}
    if cfg.recurrence == "self":
        out["W_hh"] = np.eye(cfg.n_hidden)  # only w[u, u]
    return out


def weight_count(cfg: RNNConfig) -> int:
    """Number of existing (unmasked) weights and biases; 36 / 144 / 10404 for exp2a_config(4 / 10 / 100)."""
    return int(sum(mask.sum() for mask in masks(cfg).values()))


def init_params(cfg: RNNConfig, rngs: list[np.random.Generator]) -> Params:
    """Draw K = len(rngs) independent nets, weights uniform in [−init_range, init_range].

    Trial k draws only from ``rngs[k]`` (keys in :data:`PARAM_KEYS` order), so K trials in one
    call equal K separate K=1 calls bit for bit. Masked weights are 0.

    Returns
    -------
    dict: "W_xh" (K, n_in, H), "W_hh" (K, H, H), "W_ho" (K, H, O), and if present
    "b_h" (K, H), "W_xo" (K, n_in, O), "b_o" (K, O).
    """
    shapes, mask, r = param_shapes(cfg), masks(cfg), cfg.init_range
    per_trial = [{key: rng.uniform(-r, r, size=shape) * mask[key] for key, shape in shapes.items()}
                 for rng in rngs]
    return {key: np.stack([trial[key] for trial in per_trial]) for key in shapes}


# ---------------------------------------------------------------------------------------- helpers

def _mm(a: Array, W: Array) -> Array:
    """(K, ..., n) @ (K, n, m) -> (K, ..., m): one matmul for all steps of all sequences."""
    K, n = a.shape[0], a.shape[-1]
    return (a.reshape(K, -1, n) @ W).reshape(a.shape[:-1] + (W.shape[-1],))


def _sum_outer(a: Array, d: Array) -> Array:
    """Σ_b Σ_t a(t)ᵀ d(t): (K, B, T, n), (K, B, T, m) -> (K, n, m)."""
    K = a.shape[0]
    return np.swapaxes(a.reshape(K, -1, a.shape[-1]), 1, 2) @ d.reshape(K, -1, d.shape[-1])


def target_mask(has_target: Array, shape: tuple[int, ...]) -> Array:
    """has_target (K, B, T) or (K, B, T, O), bool -> 0/1 float array of ``shape`` (K, B, T, O)."""
    m = np.asarray(has_target, dtype=float)
    return np.broadcast_to(m[..., None] if m.ndim == len(shape) - 1 else m, shape)


def lr_per_trial(lr: float | Array, K: int) -> Array:
    """Learning rate, scalar or (K,), as a (K,) float array."""
    return np.broadcast_to(np.asarray(lr, dtype=float), (K,)).copy()


def apply_update(params: Params, grads: Params, lr: float | Array) -> Params:
    """Gradient step w − lr·∂(½E)/∂w on every array; ``lr`` scalar or per trial (K,). New dict."""
    K = next(iter(params.values())).shape[0]
    lr_k = lr_per_trial(lr, K)
    return {key: p - lr_k.reshape((K,) + (1,) * (p.ndim - 1)) * grads[key] for key, p in params.items()}


# ---------------------------------------------------------------------------------------- one step

def step_forward(cfg: RNNConfig, params: Params, net_x: Array, h_prev: Array) -> tuple[Array, Array]:
    """One step of the hidden layer: net(t) = net_x(t) + h(t−1) @ W_hh, y(t) = f_h(net(t)).

    Parameters
    ----------
    net_x : (K, B, H) the input and bias part x(t) @ W_xh + b_h of the net inputs
    h_prev : (K, B, H) hidden activations h(t−1)

    Returns
    -------
    net_h, h : (K, B, H) net inputs and activations y = f_h(net) of step t
    """
    W_hh = params["W_hh"]                                   # (K, H, H)
    if cfg.recurrence == "self":                            # only w[u, u]: no matmul
        net_h = net_x + h_prev * np.diagonal(W_hh, axis1=1, axis2=2)[:, None, :]
    else:
        net_h = net_x + h_prev @ W_hh
    return net_h, ACTIVATIONS[cfg.hidden_act].fn(net_h)


def step_backward(cfg: RNNConfig, params: Params, net_h: Array, dh: Array) -> tuple[Array, Array]:
    """One step of BPTT: from the error at h(t) to the error at net(t) and at h(t−1).

    Parameters
    ----------
    net_h : (K, B, H) net inputs of step t
    dh : (K, B, H) ∂(½E)/∂h(t), from the outputs of step t and from net(t+1)

    Returns
    -------
    dnet : (K, B, H) ∂(½E)/∂net(t) = f_h'(net(t)) · dh  (minus the paper's δ(t))
    dh_prev : (K, B, H) what reaches h(t−1) through W_hh: dnet @ W_hhᵀ
    """
    dnet = dh * ACTIVATIONS[cfg.hidden_act].deriv(net_h)
    W_hh = params["W_hh"]
    if cfg.recurrence == "self":
        return dnet, dnet * np.diagonal(W_hh, axis1=1, axis2=2)[:, None, :]
    return dnet, dnet @ np.swapaxes(W_hh, 1, 2)


def output_net(cfg: RNNConfig, params: Params, h: Array, x: Array) -> Array:
    """net_k = h @ W_ho + x @ W_xo + b_o over any steps: h (K, ..., H), x (K, ..., n_in) -> (K, ..., O)."""
    net_k = _mm(h, params["W_ho"])
    if cfg.input_to_output:
        net_k += _mm(x, params["W_xo"])
    if cfg.bias:
        net_k += params["b_o"].reshape((h.shape[0],) + (1,) * (h.ndim - 2) + (cfg.n_out,))
    return net_k


# ---------------------------------------------------------------------------------------- BPTT

def forward(cfg: RNNConfig, params: Params, x: Array) -> dict[str, Array]:
    """Run K nets on B sequences each, from h(0) = 0.

    Parameters
    ----------
    x : (K, B, T, n_in) inputs

    Returns
    -------
    trace : dict with "x" (K, B, T, n_in), "net_h" and "h" (K, B, T, H), "net_k" and "y_k" (K, B, T, O)
    """
    x = np.ascontiguousarray(x, dtype=float)
    net_x = _mm(x, params["W_xh"])  # (K, B, T, H) input part of net_h, all steps in one matmul
    if cfg.bias:
        net_x += params["b_h"][:, None, None, :]
    net_x = np.ascontiguousarray(np.moveaxis(net_x, 2, 0))  # (T, K, B, H): contiguous per step
    net_h, h = np.empty_like(net_x), np.empty_like(net_x)
    h_prev = np.zeros(net_x.shape[1:])  # (K, B, H) h(0) = 0
    for t in range(len(net_x)):
        net_h[t], h[t] = step_forward(cfg, params, net_x[t], h_prev)
        h_prev = h[t]
    # back to (K, B, T, H), C-contiguous: a matmul's BLAS path (hence its rounding) depends on the
    # strides of each trial's slice, which must not depend on K (K trials == K runs bit for bit)
    net_h, h = (np.ascontiguousarray(np.moveaxis(a, 0, 2)) for a in (net_h, h))
    net_k = output_net(cfg, params, h, x)
    return {"x": x, "net_h": net_h, "h": h, "net_k": net_k, "y_k": ACTIVATIONS[cfg.output_act].fn(net_k)}


def _errors(trace: dict[str, Array], y_target: Array, has_target: Array) -> tuple[Array, Array]:
    """e = t − y at target steps, else 0, (K, B, T, O); and E = Σ e² per sequence, (K, B)."""
    e = target_mask(has_target, trace["y_k"].shape) * (np.asarray(y_target, dtype=float) - trace["y_k"])
    return e, np.sum(e * e, axis=(2, 3))


def error_signals(cfg: RNNConfig, params: Params, trace: dict[str, Array], e: Array) -> tuple[Array, Array]:
    """BPTT's per-step error signals from the errors e = t − y (K, B, T, O), one :func:`step_backward` a step.

    Returns
    -------
    dnet_k : (K, B, T, O) ∂(½E)/∂net_k(t) = −e·f_o'(net_k)
    dnet_h : (K, B, T, H) ∂(½E)/∂net_h(t), carried back through every step (minus the paper's δ_h)
    """
    dnet_k = -e * ACTIVATIONS[cfg.output_act].deriv(trace["net_k"])
    dh_out = _mm(dnet_k, np.swapaxes(params["W_ho"], 1, 2))  # (K, B, T, H) via W_ho
    net_h = trace["net_h"]
    dnet_h = np.empty_like(net_h)
    dh_next = np.zeros(dh_out[:, :, 0].shape)  # error arriving at h(t) from step t+1; none after the last step
    for t in reversed(range(net_h.shape[2])):
        dnet_h[:, :, t], dh_next = step_backward(cfg, params, net_h[:, :, t], dh_out[:, :, t] + dh_next)
    return dnet_k, dnet_h


def backward(cfg: RNNConfig, params: Params, trace: dict[str, Array], e: Array) -> Params:
    """BPTT: ∂(½E)/∂w summed over the B sequences, from the errors e = t − y, (K, B, T, O)."""
    x, h = trace["x"], trace["h"]
    K, B, _, H = h.shape
    dnet_k, dnet_h = error_signals(cfg, params, trace, e)
    h_prev = np.concatenate([np.zeros((K, B, 1, H)), h[:, :, :-1]], axis=2)  # h(t−1), h(0) = 0
    grads = {"W_ho": _sum_outer(h, dnet_k),  # Σ h(t)ᵀ dnet_k(t)
             "W_xh": _sum_outer(x, dnet_h),  # Σ x(t)ᵀ dnet_h(t)
             "W_hh": _sum_outer(h_prev, dnet_h)}  # Σ h(t−1)ᵀ dnet_h(t)
    if cfg.bias:
        grads["b_h"] = dnet_h.sum(axis=(1, 2))  # Σ dnet_h(t)
        grads["b_o"] = dnet_k.sum(axis=(1, 2))  # Σ dnet_k(t)
    if cfg.input_to_output:
        grads["W_xo"] = _sum_outer(x, dnet_k)  # Σ x(t)ᵀ dnet_k(t)
    mask = masks(cfg)
    return {key: grads[key] * mask[key] for key in params}  # masked weights never move


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
    trace = forward(cfg, params, x)
    e, E = _errors(trace, y_target, has_target)
    return backward(cfg, params, trace, e), E


def bptt_train_sequence(cfg: RNNConfig, params: Params, x: Array, y_target: Array, has_target: Array,
                        lr: float | Array, update: str = "sequence") -> tuple[Params, dict[str, Array]]:
    """One BPTT update per sequence (per-sequence accumulation): w − lr·∂(½E)/∂w.

    Arguments as :func:`bptt_grad`; ``lr`` scalar or (K,). Only ``update="sequence"`` exists
    (real-time updates within a sequence are RTRL's, :func:`lstm_core.nets.rnn_rtrl.train_sequence`).
    With B > 1 the gradient is summed over the B sequences. Returns the new params (a new dict) and
    the forward trace of the old params, with "E" (K, B) added.
    """
    if update != "sequence":
        raise ValueError("BPTT updates once per sequence: update must be 'sequence'")
    trace = forward(cfg, params, x)
    e, trace["E"] = _errors(trace, y_target, has_target)
    return apply_update(params, backward(cfg, params, trace, e), lr), trace
