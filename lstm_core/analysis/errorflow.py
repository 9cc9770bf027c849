"""Error flow back through time: eq. (2) of the paper, measured for an RNN, the naive CEC and LSTM.

Spec §3 (paper §3.1, §3.2, App. A.2). Every flow is the factor by which an error signal
ϑ_u(t), injected at one moment t, is scaled when it arrives q steps earlier:

* plain RNN, eq. (2): ∂ϑ_v(t−q)/∂ϑ_u(t) = Σ over paths Π_m f'(net_{l_m}(t−m))·w_{l_m l_{m−1}}.
  Computed three ways, which the tests compare: the brute-force path sum
  (:func:`path_sum`, n^(q−1) terms, tiny nets only), the matrix form (:func:`jacobians`,
  all u and v at once) and the BPTT recursion ϑ(t−1) = F'(t−1)·Wᵀϑ(t) on one injected
  error (:func:`rnn_backflow`, the "measurement"); plus the bound n·(f'max·‖W‖_A)^q.
* naive CEC (§3.2): one linear unit with self-weight 1: the factor is exactly 1.
* LSTM, the paper's truncated gradient (§3.3): the error at the internal state s is carried
  back unchanged; taken from :func:`lstm_core.nets.lstm_grad.truncated_grad` (``E_s``).
* LSTM, full gradient (BPTT through every weight): the error at s stays (nearly) constant
  too, while the error that travels *outside* the CECs — along recurrent weights with
  the CEC's self-loop cut — vanishes as fast as in a plain RNN (paper §6: "flow outside
  the CECs vanishes quickly anyway").

Flows over 1000 steps under- or overflow float64, so every flow is returned as
log10 |factor| (−inf where it is exactly 0), computed with rescaling at every step.

Timing: the RNN is :func:`lstm_core.nets.rnn.forward`, h(t) = f(x(t)W_xh + h(t−1)W_hh + b), the
paper's net_i(t) = Σ_j w_ij y_j(t−1) (+ input); ``W_hh[j, i]`` is the paper's w_ij.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from lstm_core.activations import ACTIVATIONS, _dsigmoid
from lstm_core.nets.lstm import LSTMConfig, forward, init_params, layout
from lstm_core.nets.lstm_grad import truncated_grad
from lstm_core.nets.rnn import RNNConfig
from lstm_core.nets.rnn import forward as rnn_forward
from lstm_core.nets.rnn import init_params as rnn_init_params

Array = np.ndarray
RNN_ACTIVATIONS = ("logistic", "tanh", "identity")
_BIG = 1e100  # rescale a propagated vector when its largest entry leaves [1/_BIG, _BIG]


@dataclass(frozen=True)
class FlowSettings:
    """What the "RNN vs CEC" page varies (all of it lives in the URL)."""

    n_units: int = 8              # n fully connected RNN units; the LSTM gets ceil(n/3) one-cell blocks
    weight_scale: float = 1.0     # w0: every weight uniform in [−w0, w0]
    activation: str = "logistic"  # f of the RNN units: logistic, tanh or identity (linear)
    q_max: int = 200              # longest lag
    seed: int = 0

    def __post_init__(self) -> None:
        if self.activation not in RNN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {RNN_ACTIVATIONS}, not {self.activation!r}")
        if self.n_units < 1 or self.q_max < 1 or not self.weight_scale >= 0:
            raise ValueError("n_units and q_max must be >= 1, weight_scale >= 0")


@dataclass(frozen=True)
class FlowResult:
    """Error scaling against lag q = 0..q_max (index q), every entry log10 |factor|.

    Attributes
    ----------
    q : (Q,) lags 0..q_max
    rnn_units : (Q, n) log10 |∂ϑ_v(t−q)/∂ϑ_u(t)| for the injected unit u, every v
    rnn_norm : (Q,) log10 ‖∂ϑ(t−q)/∂ϑ_u(t)‖ (Euclidean norm over v)
    rnn_eq2 : (Q,) the same norm from the matrix form of eq. (2) (equal to rnn_norm)
    rnn_bound : (Q,) log10 of n·(f'max·‖W‖_A)^q (q ≥ 1; entry 0 is log10 n)
    cec : (Q,) naive CEC, exactly 0 (factor 1)
    lstm_truncated : dict of :func:`lstm_backflow` arrays, mode "truncated": ``s`` (Q, CS) is
        exactly 0 (factor 1); ``net_c``, ``net_in`` where the error leaves the CEC (spec §3.3)
    lstm_full : the same, mode "full" (backprop through every weight)
    lstm_outside : the same, mode "outside": ``a`` (Q,) is the flow outside the CECs
    u : the injected RNN unit
    fprime_max : sup |f'| of the RNN's activation
    norm_A : ‖W‖_A = max_r Σ_s |w_rs| of the RNN's recurrent weights
    """

    q: Array
    rnn_units: Array
    rnn_norm: Array
    rnn_eq2: Array
    rnn_bound: Array
    cec: Array
    lstm_truncated: dict[str, Array]
    lstm_full: dict[str, Array]
    lstm_outside: dict[str, Array]
    u: int
    fprime_max: float
    norm_A: float


def _log10abs(x: Array) -> Array:
    with np.errstate(divide="ignore"):
        return np.log10(np.abs(x))


# ----------------------------------------------------------------------------- plain RNN, eq. (2)


def rnn_setup(settings: FlowSettings, T: int | None = None) -> tuple[RNNConfig, dict[str, Array], Array]:
    """A random fully connected RNN of ``settings`` and one random input sequence.

    Returns
    -------
    cfg, params (K=1), x : (1, 1, T, 1) inputs uniform in [−1, 1], T = q_max + 1 by default
    """
    rng = np.random.default_rng(settings.seed)
    T = settings.q_max + 1 if T is None else T
    cfg = RNNConfig(n_in=1, n_hidden=settings.n_units, n_out=1, init_range=settings.weight_scale,
                    hidden_act=settings.activation, output_act="logistic")
    params = rnn_init_params(cfg, [rng])
    x = rng.uniform(-1.0, 1.0, size=(1, 1, T, 1))
    return cfg, params, x


def rnn_run(settings: FlowSettings) -> tuple[Array, Array]:
    """The paper's weight matrix W (n, n), ``W[i, j]`` = w_ij, and f'(net(t)) (T, n) on a real run."""
    cfg, params, x = rnn_setup(settings)
    net = rnn_forward(cfg, params, x)["net_h"][0, 0]                      # (T, n)
    return params["W_hh"][0].T.copy(), ACTIVATIONS[settings.activation].deriv(net)


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
    out[0] = _log10abs(d)
    for q in range(1, q_max + 1):
        d = fprime[T - 1 - q] * (W.T @ d)                                  # ϑ(t−q) = F'(t−q) Wᵀ ϑ(t−q+1), eq 1
        d, scale = _rescale(d, scale)
        out[q] = _log10abs(d) + scale
    return out


def _rescale(d: Array, scale: float) -> tuple[Array, float]:
    m = np.abs(d).max()
    if m > 0 and not 1 / _BIG < m < _BIG:
        return d / m, scale + float(np.log10(m))
    return d, scale


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
        m = np.abs(J).max()
        if m > 0 and not 1 / _BIG < m < _BIG:
            J, scale = J / m, scale + float(np.log10(m))
        out[q - 1] = _log10abs(J) + scale
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


# ----------------------------------------------------------------------------- LSTM


def lstm_setup(settings: FlowSettings) -> tuple[LSTMConfig, dict[str, Array], Array]:
    """A random LSTM of comparable size: ceil(n/3) one-cell blocks (3 hidden units each), fully
    recurrent ("F"), weights uniform in [−w0, w0], input-gate biases −2 against drift (spec §1.6).

    Returns cfg, params (K=1), x : (1, 1, q_max + 1, 1) the same kind of inputs as the RNN's.
    """
    rng = np.random.default_rng(settings.seed + 1)
    C = -(-settings.n_units // 3)
    cfg = LSTMConfig(n_in=1, n_out=1, blocks=C, block_size=1, init_range=settings.weight_scale,
                     in_gate_bias=(-2.0,) * C)
    params = init_params(cfg, [rng])
    x = rng.uniform(-1.0, 1.0, size=(1, 1, settings.q_max + 1, 1))
    return cfg, params, x


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
        return _log10abs(E_s / E_s[-1])[::-1]


LSTM_MODES = ("truncated", "full", "outside")


def lstm_backflow(cfg: LSTMConfig, params: dict[str, Array], x: Array, mode: str = "full",
                  signed: bool = False) -> dict[str, Array]:
    """Error injected at the last step t = T−1 of one LSTM run, carried back step by step.

    Parameters
    ----------
    params : ``W_h`` (1, I, U), ``W_k`` (1, J, O); x : (1, 1, T, n_in)
    mode : ``"truncated"`` — the paper's rule (spec §2.1, §3.3): error injected at every
        internal state s(t) travels back only through the CEC, nothing flows along the
        recurrent weights; ``"full"`` — the same injection, backpropagated through every
        weight (BPTT); ``"outside"`` — a unit-norm error injected at the hidden activations
        a(t) and backpropagated through every weight *except* the CEC's self-loop
        ∂s(τ)/∂s(τ−1) = 1: the flow outside the CECs.

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
    net, a, s = trace["net"][0, 0], trace["a"][0, 0], trace["s"][0, 0]
    T = net.shape[0]
    g, h = ACTIVATIONS[cfg.g], ACTIVATIONS[cfg.h]
    W_r = params["W_h"][0, L.src_rec, :] if L.src_rec is not None else np.zeros((L.U, L.U))  # source -> unit
    out = {"s": np.empty((T, L.CS)), "net_c": np.empty((T, L.CS)), "net_in": np.empty((T, L.C)),
           "a": np.empty(T)}
    outside = mode == "outside"
    da = np.ones(L.U) / np.sqrt(L.U) if outside else np.zeros(L.U)      # error at a(t) ...
    ds_next = np.zeros(L.CS) if outside else np.ones(L.CS)               # ... or at s(t)
    scale = 0.0
    raw = {"s": np.empty((T, L.CS)), "net": np.empty((T, L.U)), "a": np.empty((T, L.U))}
    for q in range(T):
        t = T - 1 - q
        fp = _dsigmoid(net[t, : L.G])
        y_in = np.repeat(a[t, L.in_gate], L.S)
        y_out = np.repeat(a[t, L.out_gate], L.S) if L.out_gate is not None else 1.0
        dy_c = da[L.cells]                                                # error at y_c(t) from step t+1
        ds = dy_c * y_out * h.deriv(s[t]) + ds_next                       # error at s(t): out + CEC
        d = np.empty(L.U)
        d[L.cells] = ds * y_in * g.deriv(net[t, L.cells])                # δnet_c = ϑ_s y_in g'(net_c)
        d[L.in_gate] = fp[L.in_gate] * ((ds * g.fn(net[t, L.cells])).reshape(L.C, L.S).sum(-1) + da[L.in_gate])
        if L.out_gate is not None:
            d[L.out_gate] = fp[L.out_gate] * ((dy_c * h.fn(s[t])).reshape(L.C, L.S).sum(-1) + da[L.out_gate])
        out["s"][q] = _log10abs(ds) + scale
        out["net_c"][q] = _log10abs(d[L.cells]) + scale
        out["net_in"][q] = _log10abs(d[L.in_gate]) + scale
        out["a"][q] = _log10abs(np.linalg.norm(da)) + scale
        raw["s"][t], raw["net"][t], raw["a"][t] = ds, d, da
        da = np.zeros(L.U) if mode == "truncated" else W_r @ d            # back to a(t−1) through W_r
        ds_next = np.zeros(L.CS) if outside else ds                       # CEC: ∂s(t)/∂s(t−1) = 1
        m = max(np.abs(da).max(), np.abs(ds_next).max())
        if m > 0 and not 1 / _BIG < m < _BIG and not signed:
            da, ds_next, scale = da / m, ds_next / m, scale + float(np.log10(m))
    return raw if signed else out


# ----------------------------------------------------------------------------- everything at once


def error_flow(settings: FlowSettings, u: int = 0) -> FlowResult:
    """All curves of the "RNN vs CEC" page for one setting (spec §3.4 recipe).

    The RNN's error is injected at unit ``u``; the LSTM's at every internal state (one
    curve per cell), or as a unit-norm vector at its hidden activations (outside flow).
    Every flow is 1 (log 0) at q = 0.
    """
    W, fprime = rnn_run(settings)
    n, Q = settings.n_units, settings.q_max
    rnn_units = rnn_backflow(W, fprime, u, Q)
    rnn_norm = _log_norm(rnn_units)
    J = jacobians(W, fprime, Q)[:, :, u]                                  # (Q, n) column u
    rnn_eq2 = np.concatenate([[0.0], _log_norm(J)])
    fmax = ACTIVATIONS[settings.activation].deriv_max
    cfg, params, x = lstm_setup(settings)
    flows = {mode: lstm_backflow(cfg, params, x, mode) for mode in LSTM_MODES}
    return FlowResult(q=np.arange(Q + 1), rnn_units=rnn_units, rnn_norm=rnn_norm, rnn_eq2=rnn_eq2,
                      rnn_bound=bound(n, fmax, W, Q), cec=naive_cec_flow(Q), lstm_truncated=flows["truncated"],
                      lstm_full=flows["full"], lstm_outside=flows["outside"], u=u,
                      fprime_max=fmax, norm_A=float(np.abs(W).sum(axis=1).max()))


def _log_norm(log_values: Array) -> Array:
    """log10 of the Euclidean norm over the last axis, from log10 |entries| (no overflow)."""
    top = np.max(log_values, axis=-1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return (safe + 0.5 * np.log10(np.sum(10.0 ** (2 * (log_values - safe)), axis=-1, keepdims=True)))[..., 0]


def naive_cec_flow(q_max: int) -> Array:
    """Naive CEC (spec §3.2): ϑ_j(t−1) = f'_j(net_j)·w_jj·ϑ_j(t) with f = identity, w_jj = 1.

    The recursion is run, not assumed; returns log10 |ϑ_j(t−q)/ϑ_j(t)|, (q_max + 1,).
    """
    f, w_jj = ACTIVATIONS["identity"], 1.0
    theta = np.empty(q_max + 1)
    theta[0] = 1.0
    for q in range(1, q_max + 1):
        theta[q] = f.deriv(np.zeros(1))[0] * w_jj * theta[q - 1]
    return _log10abs(theta)


def kept_after(result: FlowResult, q: int) -> dict[str, float]:
    """log10 of the fraction of the error each network keeps after q steps (page's sentence)."""
    return {"rnn": float(result.rnn_norm[q]), "cec": float(result.cec[q]),
            "lstm_truncated": float(np.max(result.lstm_truncated["s"][q])),
            "lstm_full": float(np.max(result.lstm_full["s"][q])), "lstm_outside": float(result.lstm_outside["a"][q])}


def fw_factor(w: float, y: float = 1.0, activation: str = "logistic") -> dict[str, float]:
    """The factor f'(net)·w of one step of eq. (2), with live numbers (spec §3.1).

    Parameters
    ----------
    w : the weight; y : the source activation, so net = w·y

    Returns
    -------
    dict with ``factor`` = f'(w·y)·w; ``max_over_net`` = f'max·|w| (< 1 iff |w| < 1/f'max: 4 for
    the logistic); ``best_w`` the weight that maximises |f'(w·y)·w| for this y, and ``best``
    that maximum (logistic: net·tanh(net/2) = 1, i.e. w = coth(net/2)/y; it is < 1 for |y| > 0.224).
    """
    act = ACTIVATIONS[activation]
    out = {"factor": float(act.deriv(np.asarray(w * y)) * w), "max_over_net": act.deriv_max * abs(w)}
    if activation == "identity" or y == 0:
        out.update(best_w=float("inf"), best=float("inf"))
        return out
    ws = np.linspace(0.0, 60.0, 600_001) / abs(y)                         # |f'(wy)w| is even in w
    vals = act.deriv(ws * abs(y)) * ws
    i = int(np.argmax(vals))
    out.update(best_w=float(ws[i] * np.sign(y)), best=float(vals[i]))
    return out
