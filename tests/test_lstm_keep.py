"""``bptt_grad``'s ``keep``: the error flows back in time through some units' activations a(t−1) only."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.analysis.gradcheck import central_difference
from lstm_core.nets.lstm import (
    LSTMConfig,
    layout,
    masks,
    output_activation,
    output_sources,
    step_forward,
)
from lstm_core.nets.lstm_grad import bptt_grad, truncated_grad
from tests.lstmtools import random_problem

CONFIGS = {
    "F, 2 blocks of 2, all biases": LSTMConfig(3, 2, 2, 2),
    "F, no output gate": LSTMConfig(3, 2, 2, 1, output_gate=False),
    "F, forget gate": LSTMConfig(3, 2, 2, 2, forget_gate=True, forget_gate_bias=(1.0, 2.0)),
    "Exp 1, 4x1": LSTMConfig(7, 7, 4, 1, bias_cells=False, bias_out=False, out_gate_bias=(-1.0, -2.0, -3.0, -4.0)),
}


def _partly_detached_loss(cfg, params, x, y, has_target, a_fixed, keep):
    """½E of the network whose recurrent source a_u(t−1) is the constant ``a_fixed`` where keep_u = 0.

    At the weights that produced ``a_fixed`` its value is the real network's; its exact gradient is
    what ``bptt_grad(keep=keep)`` claims to compute. The output units read the live y_c(t).
    """
    L = layout(cfg)
    W_h = params["W_h"]
    K, B, T, _ = x.shape
    s = np.zeros((K, B, L.C, L.S))
    a_prev = np.zeros((K, B, L.U))
    a = np.empty((K, B, T, L.U))
    for t in range(T):
        fixed = a_fixed[:, :, t - 1] if t > 0 else np.zeros((K, B, L.U))
        src = keep * a_prev + (1.0 - keep) * fixed
        net = (np.matmul(x[:, :, t], W_h[:, L.src_x]) + np.matmul(src, W_h[:, L.src_rec])
               + W_h[:, None, L.src_bias])
        y_g, _, s, y_c = step_forward(cfg, net, s)
        a_prev = np.concatenate([y_g, y_c.reshape(K, B, L.CS)], axis=-1)
        a[:, :, t] = a_prev
    y_k = output_activation(cfg, np.matmul(output_sources(cfg, a, x), params["W_k"][:, None]))
    return 0.5 * float((((y - y_k) * has_target[..., None]) ** 2).sum())


def _rel_err(num, ana):
    return max(np.abs(num[k] - ana[k]).max() / max(np.abs(num[k]).max(), 1e-12) for k in num)


def _same(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


def _keeps(cfg):
    """Partial masks: the cells only, the gates only, the input gates only."""
    L = layout(cfg)
    out = {}
    for name, sl in (("cells", L.cells), ("gates", slice(0, L.G)), ("in_gates", L.in_gate)):
        keep = np.zeros(L.U)
        keep[sl] = 1.0
        out[name] = keep
    return out


@pytest.mark.parametrize("name", list(CONFIGS))
def test_keep_all_ones_is_exactly_the_full_gradient(name):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg)
    full, E, _ = bptt_grad(cfg, params, x, y, ht)
    kept, E2, _ = bptt_grad(cfg, params, x, y, ht, keep=np.ones(layout(cfg).U))
    assert _same(full, kept) and np.array_equal(E, E2)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_keep_all_zeros_is_exactly_detach_and_equals_the_truncated_gradient(name):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg, seed=5)
    none, _, _ = bptt_grad(cfg, params, x, y, ht, keep=np.zeros(layout(cfg).U))
    detached, _, _ = bptt_grad(cfg, params, x, y, ht, detach=True)
    assert _same(none, detached)
    trunc, _, _ = truncated_grad(cfg, params, x, y, ht)
    assert _rel_err(none, trunc) < 1e-12


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("part", ["cells", "gates", "in_gates"])
def test_a_partial_keep_is_the_exact_gradient_of_the_net_with_the_other_paths_cut(name, part):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg, K=1, seed=11)
    keep = _keeps(cfg)[part]
    grads, _, trace = bptt_grad(cfg, params, x, y, ht, keep=keep)
    num = central_difference(lambda p: _partly_detached_loss(cfg, p, x, y, ht, trace["a"], keep), params,
                             masks(cfg))
    assert _rel_err(num, grads) < 1e-6
    full, _, _ = bptt_grad(cfg, params, x, y, ht)
    none, _, _ = bptt_grad(cfg, params, x, y, ht, detach=True)
    assert _rel_err(full, grads) > 1e-4 and _rel_err(none, grads) > 1e-4     # strictly between the two


def test_the_cut_loss_is_the_real_loss_at_the_point_and_its_extremes_are_the_known_gradients():
    """The finite-difference reference itself: keep all 1 is the full gradient, all 0 the truncated one."""
    cfg = CONFIGS["F, 2 blocks of 2, all biases"]
    params, x, y, ht = random_problem(cfg, K=1, seed=2)
    U = layout(cfg).U
    full, E, trace = bptt_grad(cfg, params, x, y, ht)
    assert np.isclose(_partly_detached_loss(cfg, params, x, y, ht, trace["a"], np.zeros(U)), 0.5 * E.sum())
    for keep, ref in ((np.ones(U), full), (np.zeros(U), truncated_grad(cfg, params, x, y, ht)[0])):
        num = central_difference(lambda p, keep=keep: _partly_detached_loss(cfg, p, x, y, ht, trace["a"], keep), params,
                                 masks(cfg))
        assert _rel_err(num, ref) < 1e-6


def test_keep_of_the_wrong_shape_or_with_detach_is_refused():
    cfg = CONFIGS["F, 2 blocks of 2, all biases"]
    params, x, y, ht = random_problem(cfg)
    with pytest.raises(ValueError, match="shape"):
        bptt_grad(cfg, params, x, y, ht, keep=np.ones(3))
    with pytest.raises(ValueError, match="not both"):
        bptt_grad(cfg, params, x, y, ht, detach=True, keep=np.ones(layout(cfg).U))
