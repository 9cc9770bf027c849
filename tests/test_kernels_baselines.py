"""The compiled baselines equal their readable references (float64, ≤ 1e-10), in every configuration.

RNN kernels (:mod:`lstm_core.nets.kernels_rnn`, :mod:`~lstm_core.nets.kernels_rnn_train`) against
:func:`lstm_core.nets.rnn.forward`,
``rnn.bptt_train_sequence`` and ``rnn_rtrl.train_sequence``; the full-gradient LSTM kernel
(:mod:`lstm_core.nets.kernels_bptt`) against ``lstm_grad.bptt_grad`` + ``apply_update``; and whole
short training runs of the trial loop on both engines (``LAB_ENGINE=numpy`` / ``numba``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.nets import engine, fast, rnn, rnn_rtrl
from lstm_core.nets.lstm_grad import apply_update, bptt_grad
from lstm_core.nets.rnn import RNNConfig
from tests.lstmtools import random_problem
from tests.test_kernels import ALL, CASES, TINY, _one_hot_problem, _run

pytestmark = pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")

RNNS = {
    "full, biases": RNNConfig(3, 4, 2),
    "full, no biases, inputs to outputs": RNNConfig(3, 3, 2, input_to_output=True, bias=False),
    "self, biases, inputs to outputs": RNNConfig(4, 3, 3, recurrence="self", input_to_output=True),
    "Exp 2a (self, inputs to outputs, no biases)": rnn.exp2a_config(4),
    "full, tanh hidden, identity outputs": RNNConfig(2, 3, 2, hidden_act="tanh", output_act="identity"),
}


def _rel_err(ref: dict, got: dict) -> float:
    return max(np.abs(ref[k] - got[k]).max() / max(np.abs(ref[k]).max(), 1e-12) for k in ref)


def _rnn_problem(cfg, K=3, T=9, seed=0, scale=4.0, one_hot=False):
    """Random nets (weights scaled up, masks kept), inputs, targets at random steps (the last always)."""
    rng = np.random.default_rng(seed)
    drawn = rnn.init_params(cfg, [np.random.default_rng(seed + i) for i in range(K)])
    params = {k: v * scale for k, v in drawn.items()}
    sym = rng.integers(-1, cfg.n_in, size=(K, T))
    if one_hot:
        x = np.zeros((K, T, cfg.n_in))
        k_idx, t_idx = np.nonzero(sym >= 0)
        x[k_idx, t_idx, sym[k_idx, t_idx]] = 1.0
    else:
        x = rng.normal(size=(K, T, cfg.n_in))
    y = rng.uniform(size=(K, T, cfg.n_out))
    ht = rng.uniform(size=(K, T)) < 0.5
    ht[:, -1] = True
    ht[0, :3] = False
    return params, x, sym, y, ht


@pytest.mark.parametrize("K,B", [(1, 1), (3, 2)])
@pytest.mark.parametrize("name", list(RNNS))
def test_rnn_forward_kernel_equals_the_readable_forward_pass(name, K, B):
    cfg = RNNS[name]
    params, _, _, _, _ = _rnn_problem(cfg, K=K)
    x = np.random.default_rng(1).normal(size=(K, B, 11, cfg.n_in))
    ref, got = rnn.forward(cfg, params, x), fast.rnn_forward(cfg, params, x)
    for key in got:
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-10, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("algo,update", [("bptt", "sequence"), ("rtrl", "step"), ("rtrl", "sequence")])
@pytest.mark.parametrize("name", list(RNNS))
def test_rnn_learning_kernels_equal_the_readable_learners(name, algo, update, K):
    cfg = RNNS[name]
    params, x, _, y, ht = _rnn_problem(cfg, K=K, seed=3)
    lr = np.array([0.7, 0.5, 1.0][:K])
    train = rnn.bptt_train_sequence if algo == "bptt" else rnn_rtrl.train_sequence
    ref, cache = train(cfg, params, x[:, None], y[:, None], ht[:, None], lr, update=update)
    got, out = fast.rnn_train_seq(cfg, algo, params, x, y, ht, lr, update)
    assert set(got) == set(ref) and _rel_err(ref, got) < 1e-10
    assert _rel_err({"w": got["W_hh"] - params["W_hh"]}, {"w": ref["W_hh"] - params["W_hh"]}) < 1e-9
    np.testing.assert_allclose(out["y_k"], cache["y_k"][:, 0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(out["E"], cache["E"][:, 0], rtol=1e-10)
    for key, mask in rnn.masks(cfg).items():          # weights that do not exist stay exactly 0
        assert np.all(got[key][:, mask == 0] == 0.0), key


def test_rnn_bptt_has_no_real_time_update_like_the_reference():
    cfg = RNNS["full, biases"]
    params, x, _, y, ht = _rnn_problem(cfg)
    with pytest.raises(ValueError, match="once per sequence"):
        rnn.bptt_train_sequence(cfg, params, x[:, None], y[:, None], ht[:, None], 0.1, update="step")
    with pytest.raises(ValueError, match="once per sequence"):
        fast.rnn_train_seq(cfg, "bptt", params, x, y, ht, 0.1, "step")


@pytest.mark.parametrize("algo,update", [("bptt", "sequence"), ("rtrl", "step")])
@pytest.mark.parametrize("name", ["Exp 2a (self, inputs to outputs, no biases)", "full, no biases, inputs to outputs"])
def test_rnn_inputs_by_symbol_index_equal_one_hot_rows(name, algo, update):
    cfg = RNNS[name]
    params, x, sym, y, ht = _rnn_problem(cfg, seed=5, one_hot=True)
    dense, dense_out = fast.rnn_train_seq(cfg, algo, params, x, y, ht, 0.5, update)
    by_sym, sym_out = fast.rnn_train_seq(cfg, algo, params, None, y, ht, 0.5, update, sym=sym)
    assert _rel_err(dense, by_sym) < 1e-12
    np.testing.assert_allclose(sym_out["y_k"], dense_out["y_k"], rtol=1e-12, atol=1e-14)
    a, b = fast.rnn_forward(cfg, by_sym, x[:, None]), fast.rnn_forward(cfg, by_sym, sym=sym[:, None])
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("algo,update", [("bptt", "sequence"), ("rtrl", "step"), ("rtrl", "sequence")])
def test_rnn_sequences_of_unequal_length_learn_only_their_steps(algo, update):
    cfg = RNNS["full, biases"]
    params, x, _, y, ht = _rnn_problem(cfg, K=2, T=10, seed=8)
    lengths = np.array([6, 10])
    ht[0, 6:] = False
    ht[0, 5] = True
    padded = x.copy()
    padded[0, 6:] = 99.0                                    # padded steps hold anything
    got, _ = fast.rnn_train_seq(cfg, algo, params, padded, y, ht, 0.5, update, lengths=lengths)
    train = rnn.bptt_train_sequence if algo == "bptt" else rnn_rtrl.train_sequence
    for k, L in enumerate(lengths):
        one = {key: v[k:k + 1] for key, v in params.items()}
        ref, _ = train(cfg, one, x[k:k + 1, None, :L], y[k:k + 1, None, :L], ht[k:k + 1, None, :L], 0.5, update=update)
        assert _rel_err(ref, {key: v[k:k + 1] for key, v in got.items()}) < 1e-10


# ------------------------------------------------------------------ the full-gradient LSTM (kernels_bptt)

def _bptt_reference(cfg, params, x, y, ht, lr):
    """bptt_grad + apply_update, one sequence per trial: new params and the outputs of the old ones."""
    grads, E, trace = bptt_grad(cfg, params, x[:, None], y[:, None], ht[:, None])
    return apply_update(cfg, params, grads, lr), trace["y_k"][:, 0], E[:, 0]


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("name,output", CASES)
def test_full_gradient_kernel_equals_bptt_grad_and_apply_update(name, output, K):
    cfg = replace(ALL[name], output=output)
    params, x, y, ht = random_problem(cfg, K=K, B=1, T=12, seed=4, scale=2.0)
    ht[0, 0, :4] = False                                   # trials with different target steps
    ht[-1, 0, :] = True
    lr = np.array([0.7, 0.1, 0.5][:K])
    ref, ref_y, ref_E = _bptt_reference(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr)
    got, out = fast.lstm_bptt_train_seq(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr)
    assert _rel_err(ref, got) < 1e-10
    assert _rel_err({"dW": ref["W_h"] - params["W_h"]}, {"dW": got["W_h"] - params["W_h"]}) < 1e-9
    np.testing.assert_allclose(out["y_k"], ref_y, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(out["E"], ref_E, rtol=1e-10)


@pytest.mark.parametrize("name", ["F, 2 blocks of 2, all biases", "B, Exp 2a style (g=logistic, h=id)",
                                  "F, forget gate", "Exp 1, 3 blocks of 2"])
def test_full_gradient_inputs_by_symbol_index_equal_one_hot_rows(name):
    cfg = ALL[name]
    params, _, y, ht = random_problem(cfg, K=3, B=1, T=12, seed=7, scale=2.0)
    x, sym = _one_hot_problem(cfg)
    ref, _, _ = _bptt_reference(cfg, params, x, y[:, 0], ht[:, 0], 0.5)
    got, _ = fast.lstm_bptt_train_seq(cfg, params, None, y[:, 0], ht[:, 0], 0.5, sym=sym)
    assert _rel_err(ref, got) < 1e-10


@pytest.mark.parametrize("name", ["F, 2 blocks of 2, all biases", "F, forget gate"])
def test_full_gradient_sequences_of_unequal_length_learn_only_their_steps(name):
    cfg = ALL[name]
    params, x, y, ht = random_problem(cfg, K=2, B=1, T=10, seed=2)
    lengths = np.array([6, 10])
    ht[0, 0, 6:] = False
    padded = x.copy()
    padded[0, :, 6:] = 99.0                                 # padded steps hold anything
    got, _ = fast.lstm_bptt_train_seq(cfg, params, padded[:, 0], y[:, 0], ht[:, 0], 0.5, lengths=lengths)
    for k, L in enumerate(lengths):
        one = {key: v[k:k + 1] for key, v in params.items()}
        ref, _, _ = _bptt_reference(cfg, one, x[k:k + 1, 0, :L], y[k:k + 1, 0, :L], ht[k:k + 1, 0, :L], 0.5)
        assert _rel_err(ref, {key: v[k:k + 1] for key, v in got.items()}) < 1e-10


# ------------------------------------------------------------------ whole training runs, numpy vs numba

RUNS = {
    "plain RNN by BPTT, adding T=20": (get_preset("baseline_rnn_adding_T20"), 300),
    "Exp 2a, real-time RTRL, p=4": (get_preset("exp2a_rtrl_p4_lr1"), 400),
    "Exp 2a, BPTT, p=100 (by symbol)": (get_preset("exp2a_bptt_p100"), 150),
    "Exp 2a, RTRL, per-sequence updates": (replace(get_preset("exp2a_rtrl_p4_lr1"), update="sequence"), 300),
    "LSTM full gradient, embedded Reber (by symbol)": (get_preset("classroom_exp1_reber"), 200),
    "LSTM full gradient, adding, linear output, forget gate": (
        replace(TINY, gradient="full", net=replace(TINY.net, output="linear", forget_gate=True)), 300),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_whole_training_runs_on_the_kernels_equal_the_readable_loop(name, monkeypatch):
    preset, n = RUNS[name]
    ref, got = _run(preset, "numpy", n, monkeypatch), _run(preset, "numba", n, monkeypatch)
    assert got.learner.has_kernel() and not ref.learner.has_kernel()
    assert got.seen == ref.seen
    moved = 0.0
    for key in ref.params:                                  # weights after every trial's last sequence
        scale = np.abs(ref.params[key]).max()
        assert np.abs(got.params[key] - ref.params[key]).max() <= 1e-10 * scale, key
        moved = max(moved, np.abs(ref.params[key][0] - ref.checkpoints[0][1][key][0]).max())   # trial 0
    assert moved > 1e-3                                     # the runs learned something to compare
    a, b = ref.result(), got.result()
    for key in ("sequences_to_success", "sequences_presented", "diverged"):
        assert a[key] == b[key], key


def test_rnn_trials_stop_at_the_same_sequence_on_both_engines(monkeypatch):
    base = get_preset("baseline_rnn_adding_T20")
    preset = replace(base, stop=replace(base.stop, window=20, beta=0.2, tolerance=0.4, test_size=16))
    ref, got = _run(preset, "numpy", 200, monkeypatch, K=3), _run(preset, "numba", 200, monkeypatch, K=3)
    a, b = ref.result(), got.result()
    assert a["successes"] == 3 and len(set(a["sequences_to_success"])) == 3     # three different stops
    for key in ("sequences_to_success", "sequences_presented"):
        assert a[key] == b[key], key
    assert a["test"].keys() == b["test"].keys()              # the frozen nets' test figures, to rounding
    np.testing.assert_allclose([b["test"][k] for k in a["test"]], list(a["test"].values()), rtol=1e-10)
    for key in ref.params:
        assert np.abs(got.params[key] - ref.params[key]).max() <= 1e-10 * np.abs(ref.params[key]).max(), key


@pytest.mark.parametrize("name", ["baseline_rnn_adding_T20", "exp2a_rtrl_p4_lr1", "classroom_exp1_reber"])
def test_a_diverging_trial_stops_on_the_kernel_with_its_last_good_weights(name, monkeypatch):
    preset = replace(get_preset(name), lr=float("inf"))    # the first update overflows
    run = _run(preset, "numba", 50, monkeypatch, K=2)
    assert run.result()["diverged"] == [0, 1] and run.results[0].presented == 1
    fresh = _run(replace(preset, lr=0.0), "numba", 1, monkeypatch, K=2).checkpoints[0][1]
    assert all(np.isfinite(v).all() for v in run.params.values())
    assert all(np.array_equal(run.params[key][:1], fresh[key]) for key in fresh)   # the initial weights, kept
