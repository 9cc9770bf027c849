"""The compiled kernels equal their readable NumPy references (float64, ≤ 1e-10), in every configuration.

References: :func:`lstm_core.nets.lstm.forward`, :func:`lstm_core.nets.lstm_rtrl.train_sequence` (App. A.1 as
written), and the trial loop's readable per-sequence path (``LAB_ENGINE=numpy``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import engine, fast, kernels_lstm, kernels_rtrl
from lstm_core.nets.lstm import LSTMConfig, forward, init_params
from lstm_core.nets.lstm_rtrl import train_sequence
from tests.lstmtools import random_problem
from tests.test_lstm import CONFIGS, EXP2A, EXP1_3x2, _rel_err

pytestmark = pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")

ALL = {
    **CONFIGS,
    "Exp 1, 3 blocks of 2": EXP1_3x2,
    "F, logistic g, identity h": LSTMConfig(3, 2, 2, 2, g="logistic", h="identity"),
    "F, no biases at all": LSTMConfig(3, 2, 1, 2, bias_gates=False, bias_cells=False, bias_out=False),
    "F, gate biases only": LSTMConfig(3, 1, 2, 3, bias_cells=False, bias_out=False, in_gate_bias=(-1.0, -2.0)),
    "B, output gate, tanh h": LSTMConfig(3, 2, 2, 1, connectivity="B", h="tanh"),
    "F, forget gate, no output gate": LSTMConfig(3, 2, 2, 2, output_gate=False, forget_gate=True),
}
CASES = [(name, out) for name in ALL for out in ("logistic", "linear")]


def _one_hot_problem(cfg, K=3, T=12, seed=4):
    """A random one-hot input sequence per trial, as dense rows and as symbol indices (−1: no input)."""
    rng = np.random.default_rng(seed)
    sym = rng.integers(-1, cfg.n_in, size=(K, T))
    x = np.zeros((K, T, cfg.n_in))
    k_idx, t_idx = np.nonzero(sym >= 0)
    x[k_idx, t_idx, sym[k_idx, t_idx]] = 1.0
    return x, sym


@pytest.mark.parametrize("update", ["step", "sequence"])
@pytest.mark.parametrize("name,output", CASES)
def test_rtrl_kernel_equals_the_readable_learner(name, output, update):
    cfg = replace(ALL[name], output=output)
    params, x, y, ht = random_problem(cfg, K=3, B=1, T=12, seed=4, scale=2.0)
    ht[0, 0, :4] = False                                   # trials with different target steps
    ht[1, 0, :] = True
    lr = np.array([0.1, 0.5, 1.0])
    ref, ref_out = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr, update=update)
    got, out = fast.lstm_train_seq(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr, update=update)
    assert _rel_err(ref, got) < 1e-10
    m = ht[:, 0]
    np.testing.assert_allclose(out["y_k"][m], ref_out["y_k"][m], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(out["E"], ref_out["E"], rtol=1e-10)


@pytest.mark.parametrize("update", ["step", "sequence"])
@pytest.mark.parametrize("name", ["F, 2 blocks of 2, all biases", "B, Exp 2a style (g=logistic, h=id)",
                                  "F, forget gate", "B, forget gate"])
def test_inputs_by_symbol_index_equal_one_hot_rows(name, update):
    cfg = ALL[name]
    params, _, y, ht = random_problem(cfg, K=3, B=1, T=12, seed=7, scale=2.0)
    x, sym = _one_hot_problem(cfg)
    ref, ref_out = train_sequence(cfg, params, x, y[:, 0], ht[:, 0], 0.5, update=update)
    got, out = fast.lstm_train_seq(cfg, params, None, y[:, 0], ht[:, 0], 0.5, update=update, sym=sym)
    assert _rel_err(ref, got) < 1e-10
    dense = fast.lstm_forward(cfg, got, x[:, None])
    by_symbol = fast.lstm_forward(cfg, got, sym=sym[:, None])
    for key in dense:
        np.testing.assert_allclose(by_symbol[key], dense[key], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("K,B", [(1, 1), (3, 2)])
@pytest.mark.parametrize("name,output", CASES)
def test_forward_kernel_equals_the_readable_forward_pass(name, output, K, B):
    cfg = replace(ALL[name], output=output)
    params, x, _, _ = random_problem(cfg, K=K, B=B, T=15, seed=1, scale=3.0)
    ref, got = forward(cfg, params, x), fast.lstm_forward(cfg, params, x)
    assert set(got) == set(ref)
    for key in ref:
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-10, atol=1e-13, err_msg=key)


def test_a_sequence_learns_only_its_length_padding_changes_nothing():
    cfg = ALL["F, 2 blocks of 2, all biases"]
    params, x, y, ht = random_problem(cfg, K=1, B=1, T=10, seed=2)
    ht[..., 6:] = False
    short, _ = fast.lstm_train_seq(cfg, params, x[:, 0, :7], y[:, 0, :7], ht[:, 0, :7], 0.5)
    x[:, :, 7:] = 99.0                                      # padded steps hold anything
    padded, _ = fast.lstm_train_seq(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5)
    assert _rel_err(short, padded) < 1e-12


def _run(preset, engine_name, n, monkeypatch, K=2, seed=0):
    monkeypatch.setenv("LAB_ENGINE", engine_name)
    run = TrialRun(preset, trials=K, seed=seed, max_sequences=n)
    for _ in run.advance_iter(100):
        pass
    return run


TINY = replace(get_preset("classroom_exp4_adding_T20"), task_options={"T": 10})
RUNS = {
    "st3, sequence update (Exp 4 net)": (replace(TINY, stop=replace(TINY.stop, window=50, beta=0.05, tolerance=0.1,
                                                                      test_size=64)), 600),
    "ABS + test-set confirmation (Exp 2c, by symbol)": (replace(get_preset("classroom_exp2c_q10_p10"), trials=3), 2500),
    "Reber, step updates (Exp 1 paper net)": (get_preset("exp1_3x2_lr0.5"), 300),
    "st12 (Exp 3a)": (get_preset("classroom_exp3a_T20_N3"), 500),
    "Exp 2b, step updates, no output gate": (get_preset("classroom_exp2b_p10"), 300),
    "linear output, forget gate": (replace(TINY, net=replace(TINY.net, output="linear", forget_gate=True)), 300),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_whole_training_runs_on_the_kernel_equal_the_readable_loop(name, monkeypatch):
    preset, n = RUNS[name]
    ref, got = _run(preset, "numpy", n, monkeypatch), _run(preset, "numba", n, monkeypatch)
    assert got.learner.has_kernel() and not ref.learner.has_kernel()
    assert got.seen == ref.seen
    for key in ref.params:                             # weights after every trial's last sequence
        scale = np.abs(ref.params[key]).max()
        assert np.abs(got.params[key] - ref.params[key]).max() <= 1e-10 * scale, key
    a, b = ref.result(), got.result()
    for key in ("sequences_to_success", "sequences_presented", "diverged", "st1_at"):
        assert a[key] == b[key], key
    assert a["test"].keys() == b["test"].keys()


@pytest.mark.parametrize("name", ["st12 (Exp 3a)", "ABS + test-set confirmation (Exp 2c, by symbol)",
                                  "linear output, forget gate"])
def test_kernels_compiled_for_the_net_give_the_same_run_bit_for_bit(name, monkeypatch):
    preset, n = RUNS[name]
    monkeypatch.setenv("LAB_FIXED_NET", "0")
    generic = _run(preset, "numba", n, monkeypatch)
    monkeypatch.setenv("LAB_FIXED_NET", "1")
    fixed = _run(preset, "numba", n, monkeypatch)
    arch = kernels_lstm.arch_of(preset.net)
    def ran_compiled(kernel):          # an entry point kept for this net (not the dispatcher, the slow fallback)
        return any(key[:2] == (kernel, arch) and entry is not kernel for key, entry in fast._FIXED.items())
    assert ran_compiled(kernels_rtrl.train_chunk_fixed)
    if preset.stop.kind == "st12":
        assert ran_compiled(kernels_lstm.outputs_fixed)                                  # so did its tests
    assert fixed.seen == generic.seen
    for key in generic.params:
        np.testing.assert_array_equal(fixed.params[key], generic.params[key])
    a, b = generic.result(), fixed.result()
    for key in ("sequences_to_success", "sequences_presented", "diverged", "st1_at", "test"):
        assert a[key] == b[key], key


def test_a_fixed_call_without_a_matching_entry_point_warns_once_and_still_runs(monkeypatch):
    calls = []

    class Kernel:                          # a dispatcher whose compiled signatures never match the call
        __name__ = "kernel_fixed"
        overloads: dict = {}

        def __call__(self, *args):
            calls.append(args)

    kernel, arch, data = Kernel(), (3, 1), np.zeros(2)
    monkeypatch.setattr(fast, "_FIXED", {})
    with pytest.warns(RuntimeWarning, match="kernel_fixed: no compiled entry point"):
        fast.fixed_call(kernel, arch, data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # the second call: no second warning
        fast.fixed_call(kernel, arch, data)
    assert len(calls) == 2 and all(c[:2] == arch and c[2] is data for c in calls)


def test_engine_setting_sets_and_restores_a_variable(monkeypatch):
    monkeypatch.delenv("LAB_TEST_SETTING", raising=False)
    with engine.setting("LAB_TEST_SETTING", "a"):
        assert os.environ["LAB_TEST_SETTING"] == "a"
        with engine.setting("LAB_TEST_SETTING", "b"):
            assert os.environ["LAB_TEST_SETTING"] == "b"
        assert os.environ["LAB_TEST_SETTING"] == "a"
    assert "LAB_TEST_SETTING" not in os.environ
    with pytest.raises(KeyError), engine.setting("LAB_TEST_SETTING", "c"):
        raise KeyError("the body fails")
    assert "LAB_TEST_SETTING" not in os.environ            # restored on the way out of an error too


def test_which_runs_compile_for_their_net(monkeypatch):
    monkeypatch.delenv("LAB_FIXED_NET", raising=False)
    assert not engine.fixed_net()                                    # pages and short runs: never
    assert engine.fixed_net_for(engine.FIXED_NET_FROM) and not engine.fixed_net_for(engine.FIXED_NET_FROM - 1)
    monkeypatch.setenv("LAB_FIXED_NET", "0")
    assert not engine.fixed_net_for(10**7)
    monkeypatch.setenv("LAB_FIXED_NET", "1")
    assert engine.fixed_net_for(10) and engine.fixed_net()
    with engine.fixed_nets(False):
        assert not engine.fixed_net()
    assert os.environ["LAB_FIXED_NET"] == "1"                         # put back
    monkeypatch.setenv("LAB_FIXED_NET", "yes please")
    with pytest.raises(ValueError, match="LAB_FIXED_NET"):
        engine.fixed_net_for(10)


def test_a_sweep_trial_uses_kernels_compiled_for_its_net_when_its_row_is_long(monkeypatch):
    from lab.trials import TrialTask, run_trial
    asked = []
    real = engine.fixed_nets
    monkeypatch.setattr(engine, "fixed_nets", lambda on=True: (asked.append(on), real(on))[1])
    monkeypatch.delenv("LAB_FIXED_NET", raising=False)
    for cap in (engine.FIXED_NET_FROM, 1_000):
        checks = iter([False, False])                    # (not stopped yet) one block of training, then stop
        out = run_trial(TrialTask(TINY, 0, 0, cap), should_stop=lambda checks=checks: next(checks, True))
        assert out["started"] and out["interrupted"] and out["seen"] > 0
    assert asked == [True, False]
    assert "LAB_FIXED_NET" not in os.environ                  # put back as it was


def test_the_abs_run_solves_and_is_counted_the_same_on_both_engines(monkeypatch):
    preset, n = RUNS["ABS + test-set confirmation (Exp 2c, by symbol)"]
    got = _run(preset, "numba", n, monkeypatch)
    assert got.result()["successes"] >= 1               # so the equality test above compared a real stop


def test_a_diverging_trial_stops_on_the_kernel_with_its_last_good_weights(monkeypatch):
    preset = replace(TINY, lr=float("inf"))             # the first update overflows
    run = _run(preset, "numba", 50, monkeypatch, K=2)
    res = run.result()
    assert res["diverged"] == [0, 1] and run.results[0].presented == 1
    assert all(np.isfinite(v).all() for v in run.params.values())
    assert "diverged" in run.progress().message


def test_lab_engine_numpy_is_honoured_and_a_typo_is_an_error(monkeypatch):
    monkeypatch.setenv("LAB_ENGINE", "numpy")
    assert engine.active() == "numpy" and not TrialRun(TINY, trials=1).learner.has_kernel()
    monkeypatch.setenv("LAB_ENGINE", "numbah")
    with pytest.raises(ValueError, match="LAB_ENGINE"):
        engine.active()


def test_without_numba_everything_falls_back_to_the_readable_engine():
    code = ("import sys; sys.modules['numba'] = None\n"           # import numba now fails
            "from lstm_core.nets import engine\n"
            "assert not engine.numba_available() or engine.active() == 'numpy', engine.active()\n"
            "from lstm_core.experiments import get_preset\n"
            "from lstm_core.experiments.train import TrialRun\n"
            "r = TrialRun(get_preset('classroom_exp2c_q10_p10'), trials=1, max_sequences=50)\n"
            "r.advance(50); assert r.seen == 50 and not r.learner.has_kernel(); print('ok')\n")
    env = {k: v for k, v in os.environ.items() if k != "LAB_ENGINE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_exp2a_net_by_symbol_learns_like_the_reference():
    cfg = EXP2A
    params = init_params(cfg, [np.random.default_rng(3)])
    x, sym = _one_hot_problem(cfg, K=1, T=30, seed=5)
    y = np.zeros((1, 30, cfg.n_out))
    y[0, np.arange(30), np.random.default_rng(6).integers(0, cfg.n_out, 30)] = 1.0
    ht = np.ones((1, 30), bool)
    ref, _ = train_sequence(cfg, params, x, y, ht, 1.0)
    got, _ = fast.lstm_train_seq(cfg, params, None, y, ht, 1.0, sym=sym)
    assert _rel_err(ref, got) < 1e-10


def test_a_second_process_loads_the_compiled_kernels_from_disk_instead_of_compiling():
    code = ("from lstm_core.experiments import get_preset\n"
            "from lstm_core.nets import warm\n"
            "for name in ('exp4_adding_T100', 'classroom_exp2c_q10_p10', 'exp1_3x2_lr0.5'):\n"
            "    warm.prepare(get_preset(name))\n"
            "print(warm.cache_misses(), len(warm.kernel_dispatchers()))\n")
    env = {**{k: v for k, v in os.environ.items() if k != "LAB_ENGINE"}, "LAB_ENGINE": "numba"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def run():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600,
                             cwd=root)
        assert out.returncode == 0, out.stderr
        return [int(v) for v in out.stdout.split()]

    run()                                                   # compiles what is not cached yet (or loads it)
    misses, kernels = run()
    assert kernels >= 5 and misses == 0


@pytest.mark.parametrize("name", ["F, 2 blocks of 2, all biases", "B, forget gate", "F, forget gate, no output gate"])
def test_the_outputs_only_kernel_equals_the_traced_forward_pass(name):
    cfg = replace(ALL[name], output="linear" if "forget" in name else "logistic")
    params, x, _, _ = random_problem(cfg, K=2, B=3, T=11, seed=9)
    ref = forward(cfg, params, x)["y_k"]
    np.testing.assert_allclose(fast.lstm_outputs(cfg, params, x), ref, rtol=1e-10, atol=1e-14)
    xs, sym = _one_hot_problem(cfg, K=2, T=11)
    np.testing.assert_allclose(fast.lstm_outputs(cfg, params, sym=sym[:, None]),
                               forward(cfg, params, xs[:, None])["y_k"], rtol=1e-10, atol=1e-14)


def test_inputs_or_targets_that_do_not_fit_the_net_are_refused_before_the_kernel_runs():
    cfg = ALL["F, 2 blocks of 2, all biases"]                    # 3 inputs, 2 outputs
    params, x, y, ht = random_problem(cfg, K=1, B=1, T=5)
    with pytest.raises(ValueError, match="inputs"):
        fast.lstm_outputs(cfg, params, np.zeros((1, 1, 5, 4)))
    with pytest.raises(ValueError, match="symbol"):
        fast.lstm_outputs(cfg, params, sym=np.full((1, 1, 5), 3))    # index 3 of a 3-input net
    with pytest.raises(ValueError, match="targets"):
        fast.lstm_train_seq(cfg, params, x[:, 0], y[:, 0, :, :1], ht[:, 0], 0.5)


def test_outputs_stop_at_each_sequences_length_and_equal_the_full_pass_before_it():
    cfg = ALL["F, 2 blocks of 2, all biases"]
    params, x, _, _ = random_problem(cfg, K=2, B=3, T=9, seed=4)
    lengths = np.array([[9, 4, 1], [2, 9, 6]])
    got, ref = fast.lstm_outputs(cfg, params, x, lengths=lengths), forward(cfg, params, x)["y_k"]
    for k in range(2):
        for b in range(3):
            L = lengths[k, b]
            np.testing.assert_allclose(got[k, b, :L], ref[k, b, :L], rtol=1e-10, atol=1e-14)
            assert (got[k, b, L:] == 0).all()
