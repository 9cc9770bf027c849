"""Live gradient checks (lstm_core.analysis.gradcheck): they pass, and they catch a broken gradient."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.analysis import gradcheck
from lstm_core.nets.lstm_grad import truncated_grad


@pytest.mark.parametrize("seed", [0, 1997])
def test_every_gradient_check_passes_below_one_in_a_million(seed):
    results = gradcheck.run_all(seed)
    assert [r.key for r in results] == list(gradcheck.CHECKS)
    for r in results:
        assert r.passed and r.max_rel_error < 1e-6, (r.key, r.max_rel_error)
        assert r.numeric.shape == r.analytic.shape == r.rel_error.shape and r.numeric.size > 10
        assert np.abs(r.numeric).max() > 1e-3                         # a check of nonzero gradients


def test_a_gradient_with_one_wrong_entry_is_caught(monkeypatch):
    def broken(*args, **kwargs):
        grads, E, trace = truncated_grad(*args, **kwargs)
        grads["W_h"][0, 0, 0] *= 1.01                                   # 1 % off in one weight
        return grads, E, trace

    monkeypatch.setattr(gradcheck, "truncated_grad", broken)
    result = gradcheck.check_lstm_truncated(0)
    assert not result.passed and result.max_rel_error > 1e-5
    assert np.count_nonzero(result.rel_error > 1e-6) == 1             # and the plot shows which


def test_the_full_gradient_is_not_the_gradient_of_the_detached_network():
    """The truncated check would fail for the full gradient: the references really differ."""
    from lstm_core.nets.lstm import forward
    cfg = gradcheck.SMALL_LSTM
    params, x, y, ht = gradcheck.lstm_problem(cfg, 0)
    full, _, _ = gradcheck.bptt_grad(cfg, params, x, y, ht)
    trace = forward(cfg, params, x)
    num = gradcheck.central_difference(lambda p: gradcheck.detached_loss(cfg, p, x, y, ht, trace["a"]), params)
    assert not gradcheck.compare("x", "x", "x", num, full).passed


def test_central_difference_is_exact_for_a_quadratic():
    params = {"w": np.array([[1.0, -2.0, 3.0]])}
    num = gradcheck.central_difference(lambda p: float((p["w"] ** 2).sum()), params)
    np.testing.assert_allclose(num["w"], 2 * params["w"], rtol=1e-9)


def test_masked_weights_are_left_out_of_the_comparison():
    num = {"w": np.array([[1.0, 5.0]])}
    ana = {"w": np.array([[1.0, -7.0]])}
    r = gradcheck.compare("k", "t", "r", num, ana, {"w": np.array([1.0, 0.0])})
    assert r.numeric.size == 1 and r.passed
