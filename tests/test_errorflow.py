"""Error flow (lstm_core.analysis.errorflow, .backflow): eq. (2) three ways, its bound, the CEC, and LSTM."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.activations import ACTIVATIONS
from lstm_core.analysis import backflow as bf
from lstm_core.analysis import errorflow as ef
from lstm_core.nets.lstm import LSTMConfig, forward, hidden_sources, init_params, layout
from lstm_core.nets.rnn import RNNConfig
from lstm_core.nets.rnn import backward as rnn_backward
from lstm_core.nets.rnn import forward as rnn_forward


@pytest.mark.parametrize("activation", ef.RNN_ACTIVATIONS)
def test_measured_rnn_flow_equals_the_eq2_path_sum_and_its_matrix_form(activation):
    settings = ef.FlowSettings(n_units=3, weight_scale=2.0, activation=activation, q_max=6, seed=4)
    W, fprime = ef.rnn_run(settings)
    J = bf.jacobians(W, fprime, 6)                                      # (q, v, u), log10
    for u in range(3):
        measured = bf.rnn_backflow(W, fprime, u, 6)                     # (q, v), log10
        np.testing.assert_allclose(measured[1:], J[:, :, u], rtol=0, atol=1e-12)
        for q in range(1, 6):
            for v in range(3):
                exact = abs(bf.path_sum(W, fprime, q, u, v))
                assert 10 ** measured[q, v] == pytest.approx(exact, rel=1e-9)


def test_measured_rnn_flow_equals_the_error_signals_of_the_engines_bptt():
    """rnn.backward on a net whose step-t input is the one-hot e_t: ∂(½E)/∂W_xh[t] is ϑ(t) itself."""
    n, T, u = 4, 25, 2
    rng = np.random.default_rng(7)
    cfg = RNNConfig(n_in=T, n_hidden=n, n_out=n, bias=False, output_act="identity", hidden_act="tanh")
    params = {"W_xh": rng.normal(size=(1, T, n)), "W_hh": rng.uniform(-1, 1, size=(1, n, n)),
              "W_ho": np.eye(n)[None]}
    x = np.eye(T)[None, None]                                           # x(t) = e_t
    cache = rnn_forward(cfg, params, x)
    e = np.zeros((1, 1, T, n))
    e[0, 0, -1, u] = 1.0                                                # error at unit u, last step
    theta = rnn_backward(cfg, params, cache, e)["W_xh"][0]              # (T, n): ∂(½E)/∂net_h(t)
    W, fprime = params["W_hh"][0].T, 1 - np.tanh(cache["net_h"][0, 0]) ** 2
    measured = bf.rnn_backflow(W, fprime, u, T - 1)
    with np.errstate(divide="ignore"):
        expected = np.log10(np.abs(theta[::-1] / theta[-1, u]))          # -inf where ϑ_v(t) = 0
    np.testing.assert_allclose(measured, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("activation, scale", [("logistic", 0.5), ("logistic", 4.0), ("tanh", 1.0),
                                               ("identity", 0.3), ("identity", 1.5)])
def test_the_bound_n_times_fmax_norm_A_to_the_q_holds_for_every_lag_and_unit_pair(activation, scale):
    settings = ef.FlowSettings(n_units=6, weight_scale=scale, activation=activation, q_max=300, seed=1)
    W, fprime = ef.rnn_run(settings)
    J = bf.jacobians(W, fprime, 300)
    b = bf.bound(6, ACTIVATIONS[activation].deriv_max, W, 300)
    assert np.all(J <= b[1:, None, None] + 1e-9)


def test_small_logistic_weights_make_the_rnn_flow_vanish_exponentially():
    r = ef.error_flow(ef.FlowSettings(n_units=8, weight_scale=1.0, q_max=200))
    assert r.rnn_norm[50] < -10 and r.rnn_norm[200] < -40
    np.testing.assert_allclose(r.rnn_norm, r.rnn_eq2, rtol=0, atol=1e-9)


def test_linear_units_with_large_weights_make_the_rnn_flow_explode():
    r = ef.error_flow(ef.FlowSettings(n_units=10, weight_scale=1.0, activation="identity", q_max=200))
    assert r.rnn_norm[200] > 20


def test_naive_cec_carries_error_unchanged_over_1000_steps():
    assert np.all(bf.naive_cec_flow(1000) == 0.0)


def test_truncated_lstm_carries_the_error_at_its_internal_states_unchanged_over_1000_steps():
    for scale in (0.1, 1.0, 4.0):
        cfg, params, x = ef.lstm_setup(ef.FlowSettings(n_units=9, weight_scale=scale, q_max=1000))
        flow = bf.lstm_backflow(cfg, params, x, "truncated")
        assert flow["s"].shape == (1001, 3) and np.all(flow["s"] == 0.0)
        assert np.all(flow["a"] == -np.inf)                             # no error leaves along W_r
    # the same from the learning rule itself (small weights: no drift, so h'(s(t)) > 0 lets error in)
    cfg, params, x = ef.lstm_setup(ef.FlowSettings(n_units=9, weight_scale=0.1, q_max=1000))
    assert np.all(bf.lstm_truncated_flow(cfg, params, x) == 0.0)      # E_s of lstm_grad.truncated_grad


def test_truncated_error_leaving_the_cec_does_not_decay_with_the_lag():
    """Spec §3.3: the error reaching net_c(t−q) is y_in(t−q)·g'(net_c(t−q)) times the injected one."""
    cfg, params, x = ef.lstm_setup(ef.FlowSettings(n_units=6, q_max=400))
    flow = bf.lstm_backflow(cfg, params, x, "truncated")
    L = layout(cfg)
    tr = forward(cfg, params, x)
    y_in = tr["a"][0, 0, :, L.in_gate]
    gp = ACTIVATIONS[cfg.g].deriv(tr["net"][0, 0, :, L.cells])
    np.testing.assert_allclose(flow["net_c"], np.log10(y_in * gp)[::-1], rtol=0, atol=1e-12)
    assert flow["net_c"][300:].mean() > flow["net_c"][:100].mean() - 1   # no exponential decay


def test_full_gradient_lstm_flow_outside_the_cec_vanishes_while_the_cec_keeps_its_error():
    r = ef.error_flow(ef.FlowSettings(n_units=9, weight_scale=1.0, q_max=1000))
    outside = r.lstm_outside["a"]
    assert outside[50] < -10 and outside[1000] < -200
    assert np.all(np.abs(r.lstm_full["s"][:200]) < 1.0)               # within a factor 10 of the injected error


def _final_state_gradient_check(cfg, params, x):
    """Σ_τ z(τ)·ϑ_net(τ) of the "full" mode against ∂(Σ_c s_c(T))/∂W_h by central differences."""
    raw = bf.lstm_backflow(cfg, params, x, "full", signed=True)
    z = hidden_sources(cfg, forward(cfg, params, x)["a"], x)[0, 0]     # (T, I)
    analytic = z.T @ raw["net"]                                         # (I, U)

    def loss(W_h):
        return forward(cfg, {"W_h": W_h, "W_k": params["W_k"]}, x)["s"][0, 0, -1].sum()

    numeric = np.zeros_like(analytic)
    for idx in np.ndindex(*analytic.shape):
        up, down = params["W_h"].copy(), params["W_h"].copy()
        up[(0, *idx)] += 1e-6
        down[(0, *idx)] -= 1e-6
        numeric[idx] = (loss(up) - loss(down)) / 2e-6
    return np.abs(numeric - analytic).max() / np.abs(numeric).max()


def test_full_mode_error_signals_are_the_exact_gradient_of_the_final_states():
    cfg, params, x = ef.lstm_setup(ef.FlowSettings(n_units=6, weight_scale=1.5, q_max=9, seed=3))
    assert _final_state_gradient_check(cfg, params, x) < 1e-7


def test_full_mode_error_signals_are_exact_with_forget_gates_too():
    """The forget gate's δnet_φ and the CEC's scaling by y_φ come from the one LSTM step_backward."""
    cfg = LSTMConfig(n_in=1, n_out=1, blocks=2, block_size=2, forget_gate=True, init_range=1.5)
    rng = np.random.default_rng(3)
    params = init_params(cfg, [rng])
    x = rng.uniform(-1.0, 1.0, size=(1, 1, 10, 1))
    assert _final_state_gradient_check(cfg, params, x) < 1e-7
    flow = bf.lstm_backflow(cfg, params, x, "truncated")
    y_phi = forward(cfg, params, x)["a"][0, 0, :, layout(cfg).forget_gate]      # (T, C)
    carried = np.cumsum(np.log10(np.repeat(y_phi, 2, axis=1))[:0:-1], axis=0)   # Π y_φ(t..t−q+1)
    np.testing.assert_allclose(flow["s"][1:], carried, rtol=0, atol=1e-12)  # the CEC scales by y_φ per step


def test_the_sentence_numbers_compare_rnn_and_cec_after_q_steps():
    r = ef.error_flow(ef.FlowSettings(q_max=100))
    kept = ef.kept_after(r, 50)
    assert kept["cec"] == 0.0 and kept["lstm_truncated"] == 0.0 and kept["rnn"] == r.rnn_norm[50] < -5


def test_logistic_f_prime_times_w_stays_below_one_for_weights_below_four():
    for w in (-3.99, -1.0, 0.5, 3.99):
        info = ef.fw_factor(w, y=1.0)
        assert abs(info["factor"]) <= info["max_over_net"] < 1.0
    assert ef.fw_factor(4.5)["max_over_net"] > 1.0
    best = ef.fw_factor(1.0, y=1.0)
    assert best["best_w"] == pytest.approx(1.5434, abs=1e-3)          # net·tanh(net/2) = 1, w = coth(net/2)/y
    assert best["best"] == pytest.approx(0.2239, abs=1e-3)


def test_error_flow_rejects_an_unknown_activation():
    with pytest.raises(ValueError):
        ef.FlowSettings(activation="relu")
