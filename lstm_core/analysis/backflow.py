"""Error flowing back through time, measured step by step: eq. (2) for an RNN, the naive CEC, LSTM.

Spec §3 (paper §3.1, §3.2, App. A.2). Every flow is the factor by which an error signal
ϑ_u(t), injected at one moment t, is scaled when it arrives q steps earlier:

* plain RNN, eq. (2): ∂ϑ_v(t−q)/∂ϑ_u(t) = Σ over paths Π_m f'(net_{l_m}(t−m))·w_{l_m l_{m−1}}.
  Computed three ways, which the tests compare: the brute-force path sum
  (:func:`path_sum`, n^(q−1) terms, tiny nets only), the matrix form (:func:`jacobians`,
  all u and v at once) and the BPTT recursion ϑ(t−1) = F'(t−1)·Wᵀϑ(t) on one injected
  error (:func:`rnn_backflow`, the "measurement"); plus the bound n·(f'max·‖W‖_A)^q.
* naive CEC (§3.2): one linear unit with self-weight 1: the factor is exactly 1.
* LSTM (:func:`lstm_backflow`, one :func:`lstm_core.nets.lstm.step_backward` per step): under
  the paper's truncation the error at the internal state s is carried back unchanged (also
  taken from the learning rule itself, :func:`lstm_truncated_flow`); under the full gradient it
  stays (nearly) constant too, while the error that travels *outside* the CECs vanishes as
  fast as in a plain RNN (paper §6: "flow outside the CECs vanishes quickly anyway").

Flows over 1000 steps under- or overflow float64, so every flow is returned as
log10 |factor| (−inf where it is exactly 0), computed with rescaling (:func:`rescale`).

Timing: the RNN is :func:`lstm_core.nets.rnn.forward`, h(t) = f(x(t)W_xh + h(t−1)W_hh + b), the
paper's net_i(t) = Σ_j w_ij y_j(t−1) (+ input); ``W[i, j]`` here is the paper's w_ij (``W_hh[j, i]``).
"""

from __future__ import annotations

import itertools

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.nets.lstm import LSTMConfig, forward, layout, step_backward
from lstm_core.nets.lstm_grad import truncated_grad

Array = np.ndarray
_BIG = 1e100  # rescale a propagated vector when its largest entry leaves [1/_BIG, _BIG]
LSTM_MODES = ("truncated", "full", "outside")


def log10abs(x: Array) -> Array:
    """log10 |x|, −inf where x is exactly 0 (no warning)."""
    with np.errstate(divide="ignore"):
        return np.log10(np.abs(x))


def rescale(scale: float, *arrays: Array) -> tuple[float, list[Array]]:
    """Divide ``arrays`` by their largest |entry| when it leaves [1/_BIG, _BIG]; add its log10 to ``scale``.

    The propagated errors are then ``arrays · 10^scale``: products of 1000 factors stay in float64.
    """
    m = max(float(np.abs(a).max()) for a in arrays)
    if m > 0 and not 1 / _BIG < m < _BIG:
        return scale + float(np.log10(m)), [a / m for a in arrays]
    return scale, list(arrays)


# ----------------------------------------------------------------------------- plain RNN, eq. (2)


def rnn_backflow(W: Array, fprime: Array, u: int, q_max: int) -> Array:
    """Measured flow: inject ϑ(t) = e_u at the last step, run ϑ_j(t−1) = f'_j Σ_i w_ij ϑ_i(t).

    Parameters
    ----------
    W : (n, n) the paper's weights, ``W[i, j]`` = w_ij (to unit i from unit j)
    fprime : (T, n) f'(net(τ)) of the run; t = T − 1
    u : injected unit; q_max ≤ T − 1

    Returns
    -------
    (q_max + 1, n) log10 |∂ϑ_v(t−q)/∂ϑ_u(t)|
    """
    T, n = fprime.shape
    out = np.empty((q_max + 1, n))
    d = np.zeros(n)
    d[u], scale = 1.0, 0.0
    out[0] = log10abs(d)
    for q in range(1, q_max + 1):
        d = fprime[T - 1 - q] * (W.T @ d)                                  # ϑ(t−q) = F'(t−q) Wᵀ ϑ(t−q+1), eq 1
        scale, (d,) = rescale(scale, d)
        out[q] = log10abs(d) + scale
    return out


def jacobians(W: Array, fprime: Array, q_max: int) -> Array:
    """Matrix form of eq. (2): log10 |∂ϑ_v(t−q)/∂ϑ_u(t)| for all v, u and q = 1..q_max.

    J(q) = F'(t−q) Wᵀ J(q−1), J(0) = identity, i.e. J(q) = F'(t−q)Wᵀ ··· F'(t−1)Wᵀ
    (spec §3.1: (W_uᵀ)ᵀ F'(t−1) Π (W F'(t−m)) W_v f'_v(net_v(t−q)), transposed).

    Returns
    -------
    (q_max, n, n); entry [q−1, v, u]
    """
    T, n = fprime.shape
    out = np.empty((q_max, n, n))
    J, scale = np.eye(n), 0.0
    for q in range(1, q_max + 1):
        J = fprime[T - 1 - q][:, None] * (W.T @ J)
        scale, (J,) = rescale(scale, J)
        out[q - 1] = log10abs(J) + scale
    return out


def path_sum(W: Array, fprime: Array, q: int, u: int, v: int) -> float:
    """Eq. (2) by brute force: the sum over all n^(q−1) paths l_0 = u, l_1, …, l_q = v.

    Each path contributes Π_{m=1..q} f'_{l_m}(net_{l_m}(t−m))·w_{l_{m−1} l_m}: the error
    goes from unit l_{m−1} at t−m+1 back to l_m at t−m through the weight w_{l_{m−1} l_m}
    (from l_m to l_{m−1}). Exponential cost: tiny n and q only (a test reference).
    """
    T, n = fprime.shape
    total = 0.0
    for inner in itertools.product(range(n), repeat=q - 1):
        path = (u, *inner, v)
        term = 1.0
        for m in range(1, q + 1):
            term *= fprime[T - 1 - m, path[m]] * W[path[m - 1], path[m]]
        total += term
    return total


def bound(n: int, fprime_max: float, W: Array, q_max: int) -> Array:
    """log10 of the bound n·(f'max·‖W‖_A)^q for q = 0..q_max, ‖W‖_A = max_r Σ_s |w_rs| (spec §3.1)."""
    norm_A = float(np.abs(W).sum(axis=1).max())
    with np.errstate(divide="ignore"):
        return np.log10(n) + np.arange(q_max + 1) * np.log10(fprime_max * norm_A)


def naive_cec_flow(q_max: int) -> Array:
    """Naive CEC (spec §3.2): ϑ_j(t−1) = f'_j(net_j)·w_jj·ϑ_j(t) with f = identity, w_jj = 1.

    The recursion is run, not assumed; returns log10 |ϑ_j(t−q)/ϑ_j(t)|, (q_max + 1,).
    """
    f, w_jj = ACTIVATIONS["identity"], 1.0
    theta = np.empty(q_max + 1)
    theta[0] = 1.0
    for q in range(1, q_max + 1):
        theta[q] = f.deriv(np.zeros(1))[0] * w_jj * theta[q - 1]
    return log10abs(theta)


# ----------------------------------------------------------------------------- LSTM


def lstm_truncated_flow(cfg: LSTMConfig, params: dict[str, Array], x: Array) -> Array:
    """The truncated flow as the engine learns with it: ``E_s`` of :func:`~lstm_core.nets.lstm_grad.truncated_grad`.

    One target at the last step t; E_s(τ) is the error the CEC carries back to step τ.

    Returns
    -------
    (T, CS) log10 |E_s(t−q) / E_s(t)|, index q: exactly 0 while e_s(t) ≠ 0 (nan when the
    state has drifted so far that h'(s(t)) = 0 and no error enters the cell, spec §1.6)
    """
    trace = forward(cfg, params, x)
    T = x.shape[2]
    has_target = np.zeros((1, 1, T), bool)
    has_target[..., -1] = True
    y = (trace["y_k"] < 0.5).astype(float)                               # a target far from the output
    _, _, tr = truncated_grad(cfg, params, x, y, has_target, trace)
    E_s = tr["E_s"][0, 0]                                                 # (T, CS)
    with np.errstate(divide="ignore", invalid="ignore"):
        return log10abs(E_s / E_s[-1])[::-1]


def lstm_backflow(cfg: LSTMConfig, params: dict[str, Array], x: Array, mode: str = "full",
                  signed: bool = False) -> dict[str, Array]:
    """Error injected at the last step t = T−1 of one LSTM run, carried back by ``step_backward``.

    Parameters
    ----------
    params : ``W_h`` (1, I, U), ``W_k`` (1, J, O); x : (1, 1, T, n_in)
    mode : ``"truncated"`` — the paper's rule (spec §2.1, §3.3): error injected at every
        internal state s(t) travels back only through the CEC, nothing flows along the
        recurrent weights; ``"full"`` — the same injection, backpropagated through every
        weight (BPTT); ``"outside"`` — a unit-norm error injected at the hidden activations
        a(t) and backpropagated through every weight *except* the CEC's self-loop
        ∂s(τ)/∂s(τ−1): the flow outside the CECs. With forget gates the CEC scales the
        error by y_φ at every step.

    Returns
    -------
    dict of log10 magnitudes, index q = 0..T−1 (lag): ``s`` (T, CS) error at each internal
    state; ``net_c`` (T, CS) and ``net_in`` (T, C) error at the cell inputs and input gates
    (where it leaves the CEC, spec §3.3); ``a`` (T,) norm of the error at the hidden
    activations a(t−q) (what flows back along the recurrent weights). With ``signed=True``
    (short runs only: no rescaling) the raw signed errors instead, index τ (time):
    ``s`` (T, CS), ``net`` (T, U) = ϑ at every net input, ``a`` (T, U) = ϑ at a(τ) from τ+1.
    """
    if mode not in LSTM_MODES:
        raise ValueError(f"mode must be one of {LSTM_MODES}, not {mode!r}")
    L = layout(cfg)
    trace = forward(cfg, params, x)
    net, a = trace["net"][0, 0], trace["a"][0, 0]
    T = net.shape[0]
    s = trace["s"][0, 0].reshape(T, L.C, L.S)
    W_r = params["W_h"][0, L.src_rec, :] if L.src_rec is not None else np.zeros((L.U, L.U))  # source -> unit
    out = {"s": np.empty((T, L.CS)), "net_c": np.empty((T, L.CS)), "net_in": np.empty((T, L.C)),
           "a": np.empty(T)}
    raw = {"s": np.empty((T, L.CS)), "net": np.empty((T, L.U)), "a": np.empty((T, L.U))}
    outside = mode == "outside"
    da = np.ones(L.U) / np.sqrt(L.U) if outside else np.zeros(L.U)      # error at a(t) ...
    ds_carry = np.zeros((L.C, L.S)) if outside else np.ones((L.C, L.S))   # ... or at s(t)
    scale = 0.0
    for q in range(T):
        t = T - 1 - q
        s_prev = s[t - 1] if t > 0 else np.zeros_like(s[t])
        d, ds, ds_prev = step_backward(cfg, net[t], a[t], s[t], s_prev, da, ds_carry)
        out["s"][q] = log10abs(ds.ravel()) + scale
        out["net_c"][q] = log10abs(d[L.cells]) + scale
        out["net_in"][q] = log10abs(d[L.in_gate]) + scale
        out["a"][q] = log10abs(np.linalg.norm(da)) + scale
        raw["s"][t], raw["net"][t], raw["a"][t] = ds.ravel(), d, da
        da = np.zeros(L.U) if mode == "truncated" else W_r @ d             # back to a(t−1) through W_r
        ds_carry = np.zeros_like(ds) if outside else ds_prev              # CEC: ∂s(t)/∂s(t−1) = y_φ(t) (1 in 1997)
        if not signed:
            scale, (da, ds_carry) = rescale(scale, da, ds_carry)
    return raw if signed else out
