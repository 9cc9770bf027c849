"""Tests of lstm_core.nets.rnn: the conventional recurrent nets trained by BPTT and RTRL."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.activations import ACTIVATIONS
from lstm_core.nets import rnn, rnn_rtrl

FULL = rnn.RNNConfig(n_in=3, n_hidden=4, n_out=2, init_range=0.8)  # full recurrence, biases
EXP2A = replace(rnn.exp2a_config(4), init_range=0.8)  # self-recurrent, inputs -> outputs, no biases
TANH = rnn.RNNConfig(n_in=2, n_hidden=3, n_out=2, hidden_act="tanh", output_act="tanh", init_range=1.0)
TANH_SELF = replace(TANH, recurrence="self", input_to_output=True)
BENCH = rnn.RNNConfig(n_in=2, n_hidden=8, n_out=1, init_range=0.1)  # the size of the speed benchmark
CONFIGS = {"full": FULL, "exp2a": EXP2A, "tanh": TANH, "tanh_self": TANH_SELF}


def make_params(cfg, seeds):
    return rnn.init_params(cfg, [np.random.default_rng(s) for s in seeds])


def make_batch(cfg, K, B, T, seed, every_step=False, lengths=None):
    """Random inputs, targets in [0, 1], targets at random steps (or every step) up to each length."""
    g = np.random.default_rng(seed)
    x = g.normal(size=(K, B, T, cfg.n_in))
    y_target = g.uniform(size=(K, B, T, cfg.n_out))
    has_target = np.ones((K, B, T), bool) if every_step else g.uniform(size=(K, B, T)) < 0.5
    for b, L in enumerate(lengths or []):
        has_target[:, b, L:] = False  # padding after the sequence's length
    return x, y_target, has_target


def half_E(cfg, params, x, y_target, has_target):
    return 0.5 * rnn.bptt_grad(cfg, params, x, y_target, has_target)[1].sum()


def max_diff(a, b):
    return max(float(np.abs(a[key] - b[key]).max()) for key in a)


# ------------------------------------------------------------------------------- sizes and init

@pytest.mark.parametrize("p, count", [(4, 36), (10, 144), (100, 10404)])
def test_exp2a_weight_counts_are_the_papers_36_144_10404(p, count):
    assert rnn.weight_count(rnn.exp2a_config(p)) == count


def test_full_config_counts_every_weight_and_bias():
    # W_xh 3*4 + W_hh 4*4 + b_h 4 + W_ho 4*2 + b_o 2
    assert rnn.weight_count(FULL) == 12 + 16 + 4 + 8 + 2
    # adding inputs -> outputs adds 3*2; self recurrence keeps 4 of the 16 recurrent weights
    assert rnn.weight_count(replace(FULL, input_to_output=True, recurrence="self")) == 42 + 6 - 12


def test_init_draws_within_range_with_masked_weights_zero_and_leading_trial_axis():
    params = make_params(EXP2A, [1, 2, 3])
    assert set(params) == {"W_xh", "W_hh", "W_ho", "W_xo"}
    assert params["W_xo"].shape == (3, 5, 5) and params["W_hh"].shape == (3, 1, 1)
    full = make_params(replace(FULL, recurrence="self"), [7, 8])
    off_diagonal = ~np.eye(4, dtype=bool)
    assert np.all(full["W_hh"][:, off_diagonal] == 0.0)
    assert np.all(np.abs(full["W_hh"][:, ~off_diagonal]) > 0.0)
    assert all(np.abs(a).max() <= 0.8 for a in full.values())


def test_forward_matches_a_hand_worked_two_step_example():
    # identity units, 1 input, 1 hidden, 1 output: h1 = 0.5*1 + 0.1 = 0.6; y1 = 2*0.6 - 1 = 0.2
    # h2 = 0.5*3 + 0.3*0.6 + 0.1 = 1.78;  y2 = 2*1.78 - 1 = 2.56
    cfg = rnn.RNNConfig(1, 1, 1, hidden_act="identity", output_act="identity")
    params = {"W_xh": np.array([[[0.5]]]), "W_hh": np.array([[[0.3]]]), "b_h": np.array([[0.1]]),
              "W_ho": np.array([[[2.0]]]), "b_o": np.array([[-1.0]])}
    cache = rnn.forward(cfg, params, np.array([1.0, 3.0]).reshape(1, 1, 2, 1))
    np.testing.assert_allclose(cache["h"].ravel(), [0.6, 1.78], rtol=1e-15)
    np.testing.assert_allclose(cache["y_k"].ravel(), [0.2, 2.56], rtol=1e-15)
    # E = (1 - 0.2)^2 at step 2 only; d(½E)/d b_o = -(t - y) = 1.56
    grads, E = rnn.bptt_grad(cfg, params, cache["x"], np.full((1, 1, 2, 1), 1.0), np.array([[[False, True]]]))
    np.testing.assert_allclose(E, [[1.56 ** 2]], rtol=1e-14)
    np.testing.assert_allclose(grads["b_o"], [[1.56]], rtol=1e-14)


# ------------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("name", ["full", "exp2a"])
def test_bptt_grad_matches_central_differences_to_1e6_relative(name):
    cfg = CONFIGS[name]
    params = make_params(cfg, [1, 2])
    x, y_target, has_target = make_batch(cfg, K=2, B=2, T=7, seed=5, lengths=[7, 5])
    grads, _ = rnn.bptt_grad(cfg, params, x, y_target, has_target)
    masks = rnn.masks(cfg)
    eps = 1e-5  # central differences: truncation ~eps², rounding ~1e-16/eps; both ~1e-11 here
    for key, p in params.items():
        for idx in np.ndindex(p.shape):
            if masks[key][idx[1:]] == 0:
                assert grads[key][idx] == 0.0  # a weight that does not exist gets no gradient
                continue
            plus, minus = dict(params), dict(params)
            plus[key], minus[key] = p.copy(), p.copy()
            plus[key][idx] += eps
            minus[key][idx] -= eps
            numeric = (half_E(cfg, plus, x, y_target, has_target)
                       - half_E(cfg, minus, x, y_target, has_target)) / (2 * eps)
            analytic = grads[key][idx]
            assert abs(numeric - analytic) <= 1e-6 * max(abs(numeric), abs(analytic), 1e-3), (key, idx)


def test_padded_steps_change_neither_error_nor_gradient():
    cfg = FULL
    params = make_params(cfg, [3, 4])
    x, y_target, has_target = make_batch(cfg, K=2, B=2, T=8, seed=9, lengths=[8, 4])
    grads, E = rnn.bptt_grad(cfg, params, x, y_target, has_target)
    x2, y2 = x.copy(), y_target.copy()
    x2[:, 1, 4:] = 1e3 * np.random.default_rng(0).normal(size=x2[:, 1, 4:].shape)  # garbage padding
    y2[:, 1, 4:] = -7.0
    grads2, E2 = rnn.bptt_grad(cfg, params, x2, y2, has_target)
    assert np.array_equal(E, E2)
    assert max_diff(grads, grads2) < 1e-15
    _, E_short = rnn.bptt_grad(cfg, params, x[:, 1:, :4], y_target[:, 1:, :4], has_target[:, 1:, :4])
    np.testing.assert_allclose(E[:, 1:], E_short, rtol=1e-14)  # as if the sequence had been cut at L


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_rtrl_grad_equals_bptt_grad(name):
    cfg = CONFIGS[name]
    params = make_params(cfg, [11, 12])
    x, y_target, has_target = make_batch(cfg, K=2, B=3, T=9, seed=13, lengths=[9, 6, 2])
    g_bptt, E_bptt = rnn.bptt_grad(cfg, params, x, y_target, has_target)
    g_rtrl, E_rtrl = rnn_rtrl.grad(cfg, params, x, y_target, has_target)
    assert set(g_rtrl) == set(params)
    assert max_diff(g_bptt, g_rtrl) < 1e-10
    np.testing.assert_allclose(E_rtrl, E_bptt, rtol=1e-12)


def test_rtrl_grad_equals_bptt_grad_with_per_output_targets():
    cfg = FULL
    params = make_params(cfg, [5, 6])
    x, y_target, _ = make_batch(cfg, K=2, B=2, T=6, seed=3)
    has_target = np.random.default_rng(4).uniform(size=(2, 2, 6, cfg.n_out)) < 0.5
    assert max_diff(rnn.bptt_grad(cfg, params, x, y_target, has_target)[0],
                    rnn_rtrl.grad(cfg, params, x, y_target, has_target)[0]) < 1e-10


# ------------------------------------------------------------------------------- training

def reference_realtime_rtrl(cfg, params, x, y_target, has_target, lr):
    """Slow, obviously correct real-time RTRL for one net (no K, no B axis), unit by unit."""
    f_h, f_o = ACTIVATIONS[cfg.hidden_act], ACTIVATIONS[cfg.output_act]
    W = {key: p.copy() for key, p in params.items()}
    masks = rnn.masks(cfg)
    H, O = cfg.n_hidden, cfg.n_out
    hidden = [key for key in ("W_xh", "W_hh", "b_h") if key in W]
    # p[key][u, i, j] = d h_u(t) / d W[key][i, j]  (b_h viewed as a 1 x H matrix)
    p = {key: np.zeros((H, W[key].reshape(-1, H).shape[0], H)) for key in hidden}
    h_prev = np.zeros(H)
    for t in range(x.shape[0]):
        b_h = W["b_h"] if cfg.bias else np.zeros(H)
        net_h = np.array([sum(x[t, i] * W["W_xh"][i, u] for i in range(cfg.n_in))
                          + sum(h_prev[l] * W["W_hh"][l, u] for l in range(H)) + b_h[u] for u in range(H)])
        h = f_h.fn(net_h)
        sources = {"W_xh": x[t], "W_hh": h_prev, "b_h": np.ones(1)}
        new_p = {}
        for key in hidden:
            q = np.zeros_like(p[key])
            for u in range(H):
                for i in range(q.shape[1]):
                    for j in range(H):
                        s = sum(W["W_hh"][l, u] * p[key][l, i, j] for l in range(H))
                        q[u, i, j] = f_h.deriv(net_h[u]) * (s + (sources[key][i] if j == u else 0.0))
            new_p[key] = q
        p = new_p
        W_xo = W["W_xo"] if cfg.input_to_output else np.zeros((cfg.n_in, O))
        b_o = W["b_o"] if cfg.bias else np.zeros(O)
        net_o = np.array([sum(h[u] * W["W_ho"][u, k] for u in range(H))
                          + sum(x[t, i] * W_xo[i, k] for i in range(cfg.n_in)) + b_o[k] for k in range(O)])
        y = f_o.fn(net_o)
        h_prev = h
        if not has_target[t]:
            continue
        delta_o = (y_target[t] - y) * f_o.deriv(net_o)  # the paper's e_k = f'(net_k)(t_k - y_k)
        delta_h = np.array([sum(W["W_ho"][u, k] * delta_o[k] for k in range(O)) for u in range(H)])
        dW = {"W_ho": np.outer(h, delta_o)}
        if cfg.input_to_output:
            dW["W_xo"] = np.outer(x[t], delta_o)
        if cfg.bias:
            dW["b_o"] = delta_o
        for key in hidden:
            dW[key] = np.einsum("u,uij->ij", delta_h, p[key]).reshape(W[key].shape)
        for key in W:
            W[key] = W[key] + lr * dW[key] * masks[key]
    return W


@pytest.mark.parametrize("name", ["full", "exp2a"])
def test_rtrl_sequence_update_equals_params_minus_lr_times_bptt_grad(name):
    cfg = CONFIGS[name]
    params = make_params(cfg, [21, 22])
    x, y_target, has_target = make_batch(cfg, K=2, B=1, T=8, seed=23, every_step=True)
    lr = np.array([0.5, 2.0])
    new, _ = rnn_rtrl.train_sequence(cfg, params, x, y_target, has_target, lr, update="sequence")
    grads, _ = rnn.bptt_grad(cfg, params, x, y_target, has_target)
    expected = {key: params[key] - lr.reshape((2,) + (1,) * (params[key].ndim - 1)) * grads[key]
                for key in params}
    assert max_diff(new, expected) < 1e-12
    via_bptt, _ = rnn.bptt_train_sequence(cfg, params, x, y_target, has_target, lr)
    assert max_diff(via_bptt, expected) == 0.0


def test_realtime_rtrl_with_a_single_final_target_equals_one_update_per_sequence():
    cfg = FULL
    params = make_params(cfg, [31, 32])
    x, y_target, has_target = make_batch(cfg, K=2, B=1, T=10, seed=33)
    has_target[:] = False
    has_target[:, :, -1] = True
    step, _ = rnn_rtrl.train_sequence(cfg, params, x, y_target, has_target, 1.0, update="step")
    whole, _ = rnn.bptt_train_sequence(cfg, params, x, y_target, has_target, 1.0)
    assert max_diff(step, whole) < 1e-12


@pytest.mark.parametrize("name", ["full", "exp2a", "tanh_self"])
def test_realtime_rtrl_with_targets_at_every_step_differs_from_per_sequence_and_matches_slow_reference(name):
    cfg = CONFIGS[name]
    params = make_params(cfg, [41, 42])
    x, y_target, has_target = make_batch(cfg, K=2, B=1, T=6, seed=43, every_step=True)
    has_target[1, 0, 2] = False
    lr = np.array([0.5, 1.5])
    step, cache = rnn_rtrl.train_sequence(cfg, params, x, y_target, has_target, lr, update="step")
    whole, _ = rnn.bptt_train_sequence(cfg, params, x, y_target, has_target, lr)
    assert max_diff(step, whole) > 1e-4  # the weights changed while the net ran
    for k in range(2):
        ref = reference_realtime_rtrl(cfg, {key: p[k] for key, p in params.items()},
                                      x[k, 0], y_target[k, 0], has_target[k, 0], lr[k])
        assert max_diff({key: p[k] for key, p in step.items()}, ref) < 1e-12
    assert cache["y_k"].shape == (2, 1, 6, cfg.n_out) and cache["E"].shape == (2, 1)


def test_realtime_rtrl_refuses_more_than_one_sequence_per_trial():
    x, y_target, has_target = make_batch(FULL, K=1, B=2, T=3, seed=0)
    with pytest.raises(ValueError, match="B must be 1"):
        rnn_rtrl.train_sequence(FULL, make_params(FULL, [0]), x, y_target, has_target, 0.1)


def train_a_few(cfg, seeds, data_seeds, lr, T):
    """Init K = len(seeds) nets, then 3 BPTT sequences and 2 real-time RTRL sequences per trial."""
    params = make_params(cfg, seeds)
    K = len(seeds)
    for n in range(5):
        batches = [make_batch(cfg, K=1, B=1, T=T, seed=1000 * s + n) for s in data_seeds]
        x, y_target, has_target = (np.concatenate(parts) for parts in zip(*batches))
        train = rnn.bptt_train_sequence if n < 3 else rnn_rtrl.train_sequence
        params, _ = train(cfg, params, x, y_target, has_target, np.broadcast_to(lr, (K,)))
    return params


@pytest.mark.parametrize("cfg, T", [(FULL, 7), (EXP2A, 7), (TANH_SELF, 7), (BENCH, 60)],
                         ids=["full", "exp2a", "tanh_self", "bench"])
def test_k_trials_in_lockstep_give_bit_identical_weights_to_k_separate_runs(cfg, T):
    seeds, lrs = [101, 102, 103], np.array([0.3, 1.0, 2.0])
    together = train_a_few(cfg, seeds, seeds, lrs, T)
    for k, seed in enumerate(seeds):
        alone = train_a_few(cfg, [seed], [seed], lrs[k:k + 1], T)
        for key in together:
            assert np.array_equal(together[key][k:k + 1], alone[key]), (key, k)


@pytest.mark.parametrize("update", ["bptt", "step", "sequence"])
def test_masked_weights_stay_exactly_zero_after_training(update):
    cfg = replace(FULL, recurrence="self")
    params = make_params(cfg, [7, 8])
    off_diagonal = ~np.eye(cfg.n_hidden, dtype=bool)
    for n in range(5):
        x, y_target, has_target = make_batch(cfg, K=2, B=1, T=6, seed=n, every_step=True)
        if update == "bptt":
            params, _ = rnn.bptt_train_sequence(cfg, params, x, y_target, has_target, 2.0)
        else:
            params, _ = rnn_rtrl.train_sequence(cfg, params, x, y_target, has_target, 2.0, update=update)
    assert np.all(params["W_hh"][:, off_diagonal] == 0.0)
    assert np.all(params["W_hh"][:, ~off_diagonal] != 0.0)
