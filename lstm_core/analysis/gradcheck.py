"""Gradient checks the app runs live: every gradient of the engine against a trusted reference.

Each check builds a small random network from one seed, computes a gradient two ways
and returns a :class:`CheckResult` (spec §2.1, STYLE habit 7):

=====================  ==============================================  ==============================
key                    analytic                                         reference
=====================  ==============================================  ==============================
``lstm_truncated``     ``lstm_grad.truncated_grad`` (the paper's rule)  finite differences of the
                                                                        "detached" network (§2.1)
``lstm_rtrl``        ``lstm_rtrl.train_sequence`` (partials dS)     ``truncated_grad``
``lstm_full``          ``lstm_grad.bptt_grad`` (untruncated)            finite differences
``rnn_bptt_rtrl``      ``rnn.bptt_grad``                                ``rnn_rtrl.grad``
``forget_gate``        ``truncated_grad`` with forget gates (§6)        finite differences, detached
=====================  ==============================================  ==============================

Relative error of one weight: |numeric − analytic| / max_w |numeric| (the largest gradient
of the check sets the scale, so weights whose gradient is ~0 do not blow the ratio up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstm_core.nets import rnn, rnn_rtrl
from lstm_core.nets.lstm import (
    LSTMConfig,
    forward,
    hidden_sources,
    init_params,
    layout,
    masks,
    output_activation,
    output_sources,
    step_forward,
)
from lstm_core.nets.lstm_grad import bptt_grad, truncated_grad
from lstm_core.nets.lstm_rtrl import train_sequence

Array = np.ndarray
TOLERANCE = 1e-6

SMALL_LSTM = LSTMConfig(n_in=2, n_out=1, blocks=2, block_size=1)            # 57 weights
SMALL_LSTM_FG = LSTMConfig(n_in=2, n_out=1, blocks=2, block_size=1, forget_gate=True)
SMALL_RNN = rnn.RNNConfig(n_in=2, n_hidden=3, n_out=1)


@dataclass(frozen=True)
class CheckResult:
    """One gradient check.

    Attributes
    ----------
    key, title : registry key and a readable name
    reference : what the analytic gradient is compared with
    numeric, analytic : (W,) the two gradients, every existing weight once (flattened)
    rel_error : (W,) |numeric − analytic| / max |numeric|
    max_rel_error : the largest rel_error
    passed : max_rel_error < :data:`TOLERANCE`
    """

    key: str
    title: str
    reference: str
    numeric: Array
    analytic: Array
    rel_error: Array
    max_rel_error: float
    passed: bool


def central_difference(loss: Callable[[dict[str, Array]], float], params: dict[str, Array],
                       masks_: dict[str, Array] | None = None, eps: float = 1e-6) -> dict[str, Array]:
    """∂loss/∂params by (loss(w+ε) − loss(w−ε)) / 2ε for every entry, in float64.

    Parameters
    ----------
    loss : params -> float
    params : arrays with a leading trial axis K
    masks_ : 0/1 arrays of the shape without K; entries with mask 0 are skipped (gradient 0)
    """
    out = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for idx in np.ndindex(*value.shape):
            if masks_ is not None and masks_[name][idx[1:]] == 0:
                continue
            work = {k: v.copy() for k, v in params.items()}
            work[name][idx] += eps
            up = loss(work)
            work[name][idx] -= 2 * eps
            grad[idx] = (up - loss(work)) / (2 * eps)
        out[name] = grad
    return out


def compare(key: str, title: str, reference: str, numeric: dict[str, Array], analytic: dict[str, Array],
            masks_: dict[str, Array] | None = None) -> CheckResult:
    """Flatten two gradients (existing weights only) and measure how far apart they are."""
    keep = {k: (np.broadcast_to(masks_[k], numeric[k].shape) if masks_ else np.ones(numeric[k].shape)) > 0
            for k in numeric}
    num = np.concatenate([numeric[k][keep[k]] for k in numeric])
    ana = np.concatenate([analytic[k][keep[k]] for k in numeric])
    rel = np.abs(num - ana) / max(float(np.abs(num).max()), 1e-300)
    worst = float(rel.max())
    return CheckResult(key, title, reference, num, ana, rel, worst, worst < TOLERANCE)


# ----------------------------------------------------------------------------- the problems


def lstm_problem(cfg: LSTMConfig, seed: int, T: int = 8, B: int = 2, scale: float = 3.0, K: int = 1):
    """Random weights (scaled up so gradients are not tiny), inputs, targets at random steps.

    Returns params (K, ...) (trial k's drawn from ``default_rng(seed + k)``), x (K, B, T, n_in),
    y (K, B, T, n_out), has_target (K, B, T) with the last step always a target. The one random
    problem of the gradient checks and the tests (``tests.lstmtools.random_problem``).
    """
    rng = np.random.default_rng(seed)
    params = {k: v * scale for k, v in init_params(cfg, [np.random.default_rng(seed + i) for i in range(K)]).items()}
    x = rng.normal(size=(K, B, T, cfg.n_in))
    y = rng.uniform(size=(K, B, T, cfg.n_out))
    has_target = rng.uniform(size=(K, B, T)) < 0.5
    has_target[..., -1] = True
    return params, x, y, has_target


def _half_squared_error(y: Array, y_k: Array, has_target: Array) -> float:
    return 0.5 * float((((y - y_k) * has_target[..., None]) ** 2).sum())


def detached_loss(cfg: LSTMConfig, params: dict[str, Array], x: Array, y: Array, has_target: Array,
                  a_fixed: Array) -> float:
    """½E of the "detached" network (spec §2.1): the recurrent sources a(t−1) are constants.

    Only the CEC, s(t−1) -> s(t), carries a dependence from one step to the next; the truncated
    gradient of the real network is the exact gradient of this one.

    Parameters
    ----------
    a_fixed : (K, B, T, U) hidden activations of the real network's forward pass
    """
    L = layout(cfg)
    net = np.matmul(hidden_sources(cfg, a_fixed, x), params["W_h"][:, None])
    K, B, T, _ = net.shape
    s = np.zeros((K, B, L.C, L.S))
    a = a_fixed.copy()
    for t in range(T):
        _, _, s, y_c = step_forward(cfg, net[:, :, t], s)
        a[:, :, t, L.cells] = y_c.reshape(K, B, L.CS)
    y_k = output_activation(cfg, np.matmul(output_sources(cfg, a, x), params["W_k"][:, None]))
    return _half_squared_error(y, y_k, has_target)


# ----------------------------------------------------------------------------- the checks


def check_lstm_truncated(seed: int = 0, cfg: LSTMConfig = SMALL_LSTM, key: str = "lstm_truncated",
                         title: str = "LSTM, truncated gradient (the paper's rule)") -> CheckResult:
    """``truncated_grad`` == finite differences of the detached network (spec §2.1)."""
    params, x, y, ht = lstm_problem(cfg, seed)
    grads, _, trace = truncated_grad(cfg, params, x, y, ht)
    num = central_difference(lambda p: detached_loss(cfg, p, x, y, ht, trace["a"]), params, masks(cfg))
    return compare(key, title, "finite differences of the detached network", num, grads, masks(cfg))


def check_lstm_online(seed: int = 0) -> CheckResult:
    """The real-time learner's forward partials dS (eqs 25-28), summed over a sequence, == ``truncated_grad``."""
    cfg = SMALL_LSTM
    params, x, y, ht = lstm_problem(cfg, seed, B=1)
    grads, _, _ = truncated_grad(cfg, params, x, y, ht)
    new, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr=1.0, update="sequence")
    online = {k: params[k] - new[k] for k in params}                         # W − (W − 1·grad)
    return compare("lstm_rtrl", "LSTM, real-time partials dS (App. A.1)", "truncated_grad (vectorised)",
                   grads, online, masks(cfg))


def check_lstm_full(seed: int = 0) -> CheckResult:
    """``bptt_grad`` (untruncated) == finite differences of the real network."""
    cfg = SMALL_LSTM
    params, x, y, ht = lstm_problem(cfg, seed)
    grads, _, _ = bptt_grad(cfg, params, x, y, ht)
    num = central_difference(lambda p: _half_squared_error(y, forward(cfg, p, x)["y_k"], ht), params,
                             masks(cfg))
    return compare("lstm_full", "LSTM, full gradient (BPTT)", "finite differences", num, grads, masks(cfg))


def check_rnn_bptt_rtrl(seed: int = 0) -> CheckResult:
    """A conventional RNN: BPTT (backward in time) == RTRL (forward sensitivities, Williams & Zipser)."""
    cfg = SMALL_RNN
    rng = np.random.default_rng(seed)
    params = {k: v * 5.0 for k, v in rnn.init_params(cfg, [rng]).items()}
    x = rng.normal(size=(1, 2, 10, cfg.n_in))
    y = rng.uniform(size=(1, 2, 10, cfg.n_out))
    ht = rng.uniform(size=(1, 2, 10)) < 0.5
    ht[..., -1] = True
    bptt, _ = rnn.bptt_grad(cfg, params, x, y, ht)
    rtrl, _ = rnn_rtrl.grad(cfg, params, x, y, ht)
    return compare("rnn_bptt_rtrl", "RNN, BPTT", "RTRL (Williams & Zipser 1989)", rtrl, bptt,
                   rnn.masks(cfg))


def check_forget_gate(seed: int = 0) -> CheckResult:
    """The forget-gate variant (Gers et al. 2000, spec §6): truncated gradient == FD of the detached net."""
    return check_lstm_truncated(seed, SMALL_LSTM_FG, "forget_gate", "LSTM with forget gates, truncated gradient")


CHECKS: dict[str, Callable[[int], CheckResult]] = {
    "lstm_truncated": check_lstm_truncated,
    "lstm_rtrl": check_lstm_online,
    "lstm_full": check_lstm_full,
    "rnn_bptt_rtrl": check_rnn_bptt_rtrl,
    "forget_gate": check_forget_gate,
}


def run_all(seed: int = 0) -> list[CheckResult]:
    """Every check of :data:`CHECKS` on networks drawn from ``seed``."""
    return [check(seed) for check in CHECKS.values()]
