"""The "RNN vs CEC" experiment: random nets of one setting, and every error-flow curve of the page.

The flows themselves are measured in :mod:`lstm_core.analysis.backflow`; here they are run on a
random RNN and an LSTM of comparable size (:class:`FlowSettings`) and collected in a
:class:`FlowResult` (spec §3.4 recipe). Every flow is the factor by which an error signal
ϑ_u(t), injected at one moment t, is scaled when it arrives q steps earlier:

* plain RNN, eq. (2), measured (``rnn_units``, ``rnn_norm``), in matrix form (``rnn_eq2``) and
  its bound n·(f'max·‖W‖_A)^q (``rnn_bound``);
* naive CEC (§3.2): exactly 1;
* LSTM under the paper's truncated gradient, the full gradient, and outside the CECs.

Every flow is log10 |factor| (−inf where it is exactly 0).

Timing: the RNN is :func:`lstm_core.nets.rnn.forward`, h(t) = f(x(t)W_xh + h(t−1)W_hh + b), the
paper's net_i(t) = Σ_j w_ij y_j(t−1) (+ input); ``W_hh[j, i]`` is the paper's w_ij.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.analysis.backflow import LSTM_MODES, bound, jacobians, lstm_backflow, naive_cec_flow, rnn_backflow
from lstm_core.nets.lstm import LSTMConfig, init_params
from lstm_core.nets.rnn import RNNConfig
from lstm_core.nets.rnn import forward as rnn_forward
from lstm_core.nets.rnn import init_params as rnn_init_params

Array = np.ndarray
RNN_ACTIVATIONS = ("logistic", "tanh", "identity")


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
