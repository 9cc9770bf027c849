"""The 1997 LSTM engine: topology, forward pass, and every gradient it learns with."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.analysis.gradcheck import central_difference, detached_loss
from lstm_core.nets import lstm
from lstm_core.nets.lstm import (
    LSTMConfig,
    forward,
    init_params,
    layout,
    masks,
    weight_count,
)
from lstm_core.nets.lstm_grad import apply_update, bptt_grad, truncated_grad
from lstm_core.nets.lstm_rtrl import train_sequence
from tests.lstmtools import random_problem

# Paper topologies (spec §1.4, Table 10) and the weight counts the paper reports.
EXP1_4x1 = LSTMConfig(7, 7, 4, 1, bias_cells=False, bias_out=False, init_range=0.2,
                      out_gate_bias=(-1.0, -2.0, -3.0, -4.0))
EXP1_3x2 = LSTMConfig(7, 7, 3, 2, bias_cells=False, bias_out=False, init_range=0.2,
                      out_gate_bias=(-1.0, -2.0, -3.0))
EXP2A = LSTMConfig(101, 101, 1, 1, connectivity="B", output_gate=False, g="logistic", h="identity",
                   bias_cells=False, bias_gates=False, bias_out=False, init_range=0.2)
EXP3 = LSTMConfig(1, 1, 3, 1, bias_out=False, in_gate_bias=(-1.0, -3.0, -5.0), out_gate_bias=(-2.0, -4.0, -6.0))
EXP4 = LSTMConfig(2, 1, 2, 2, in_gate_bias=(-3.0, -6.0))
EXP6A = LSTMConfig(8, 4, 2, 2, in_gate_bias=(-2.0, -4.0))
EXP6B = LSTMConfig(8, 8, 3, 2, in_gate_bias=(-2.0, -4.0, -6.0))


def exp2c(p: int) -> LSTMConfig:
    return LSTMConfig(p + 4, 2, 2, 1, bias_cells=False, bias_gates=False, bias_out=False, init_range=0.2)


@pytest.mark.parametrize("cfg, count", [
    (EXP1_4x1, 264), (EXP1_3x2, 276), (EXP2A, 10504), (EXP3, 102), (EXP4, 93), (EXP6A, 156), (EXP6B, 308),
    (exp2c(50), 364), (exp2c(100), 664), (exp2c(200), 1264), (exp2c(500), 3064), (exp2c(1000), 6064),
])
def test_weight_counts_match_the_papers_tables(cfg, count):
    assert weight_count(cfg) == count


def test_fixed_gate_biases_go_to_block_j_in_order_and_masked_weights_are_zero():
    p = init_params(EXP3, [np.random.default_rng(0)])
    L = layout(EXP3)
    np.testing.assert_array_equal(p["W_h"][0, L.src_bias, L.in_gate], [-1.0, -3.0, -5.0])
    np.testing.assert_array_equal(p["W_h"][0, L.src_bias, L.out_gate], [-2.0, -4.0, -6.0])
    assert np.all(p["W_k"][0, L.out_bias] == 0.0)              # Exp 3: output unit has no bias
    others = p["W_h"][0][masks(EXP3)["W_h"] == 1]
    assert np.abs(others[np.abs(others) < 1]).max() <= 0.1      # the rest drawn in [-0.1, 0.1]


def test_fixed_cell_biases_go_to_every_cell_of_block_j_and_need_one_value_per_block():
    cfg = LSTMConfig(2, 1, 3, 2, cell_bias=(0.0, 0.5, -1.0))
    p = init_params(cfg, [np.random.default_rng(0), np.random.default_rng(1)])
    L = layout(cfg)
    np.testing.assert_array_equal(p["W_h"][:, L.src_bias, L.cells], [[0.0, 0.0, 0.5, 0.5, -1.0, -1.0]] * 2)
    drawn = init_params(LSTMConfig(2, 1, 3, 2), [np.random.default_rng(0)])["W_h"]
    np.testing.assert_array_equal(np.delete(p["W_h"][0], L.src_bias, axis=0), np.delete(drawn[0], L.src_bias, axis=0))
    masked = init_params(LSTMConfig(2, 1, 3, 2, cell_bias=(1.0,) * 3, bias_cells=False), [np.random.default_rng(0)])
    assert np.all(masked["W_h"][0, L.src_bias, L.cells] == 0.0)  # no cell biases: the mask wins
    with pytest.raises(ValueError, match="cell_bias needs one value per block"):
        LSTMConfig(2, 1, 3, 2, cell_bias=(0.0,))


# ---------------------------------------------------------------------------------------------
# Random small nets covering every switch of the model.
CONFIGS = {
    "F, 2 blocks of 2, all biases": LSTMConfig(3, 2, 2, 2),
    "F, no output gate": LSTMConfig(3, 2, 2, 1, output_gate=False),
    "B, Exp 2a style (g=logistic, h=id)": LSTMConfig(4, 4, 1, 1, connectivity="B", output_gate=False,
                                                      g="logistic", h="identity"),
    "F, forget gate": LSTMConfig(3, 2, 2, 2, forget_gate=True, forget_gate_bias=(1.0, 2.0)),
    "B, forget gate": LSTMConfig(3, 2, 2, 1, connectivity="B", forget_gate=True),
    "F, linear output (Exp 4/5)": LSTMConfig(3, 2, 2, 2, output="linear"),
    "B, forget gate, linear output": LSTMConfig(3, 2, 2, 1, connectivity="B", forget_gate=True, output="linear"),
    "F, inputs feed the outputs": LSTMConfig(3, 2, 2, 2, input_to_output=True),
    "F, gates' activations not sources (Exp 2c reading)": LSTMConfig(3, 2, 2, 2, gate_sources=False),
}


def _half_squared_error(y, y_k, has_target):
    return 0.5 * float((((y - y_k) * has_target[..., None]) ** 2).sum())


def _rel_err(num, ana):
    return max(np.abs(num[k] - ana[k]).max() / max(np.abs(num[k]).max(), 1e-12) for k in num)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_full_gradient_matches_central_differences(name):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg)
    grads, _, _ = bptt_grad(cfg, params, x, y, ht)
    num = central_difference(lambda p: _half_squared_error(y, forward(cfg, p, x)["y_k"], ht), params,
                             masks(cfg))
    assert _rel_err(num, grads) < 1e-6


@pytest.mark.parametrize("name", list(CONFIGS))
def test_truncated_gradient_is_the_exact_gradient_of_the_detached_network(name):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg, seed=3)
    grads, _, trace = truncated_grad(cfg, params, x, y, ht)
    num = central_difference(lambda p: detached_loss(cfg, p, x, y, ht, trace["a"]), params,
                             masks(cfg))
    assert _rel_err(num, grads) < 1e-6


@pytest.mark.parametrize("name", list(CONFIGS))
def test_vectorised_truncated_gradient_equals_the_step_by_step_detached_backward_loop(name):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg, seed=5)
    fast, _, _ = truncated_grad(cfg, params, x, y, ht)
    slow, _, _ = bptt_grad(cfg, params, x, y, ht, detach=True)
    assert _rel_err(slow, fast) < 1e-12


def test_truncated_and_full_gradients_differ_when_there_is_recurrence():
    cfg = CONFIGS["F, 2 blocks of 2, all biases"]
    params, x, y, ht = random_problem(cfg)
    trunc, _, _ = truncated_grad(cfg, params, x, y, ht)
    full, _, _ = bptt_grad(cfg, params, x, y, ht)
    assert _rel_err(full, trunc) > 1e-3          # the truncation really drops something


@pytest.mark.parametrize("name", list(CONFIGS))
def test_real_time_rtrl_partials_dS_accumulated_over_a_sequence_equal_the_truncated_gradient(name):
    cfg = CONFIGS[name]
    params, x, y, ht = random_problem(cfg, B=1, seed=7)
    grads, _, _ = truncated_grad(cfg, params, x, y, ht)
    expected = apply_update(cfg, params, grads, 0.3)
    got, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.3, update="sequence")
    assert _rel_err(expected, got) < 1e-12


def test_per_step_updates_equal_one_update_when_the_only_target_is_at_the_end():
    cfg = EXP4
    params, x, y, ht = random_problem(cfg, B=1, T=20)
    ht[:] = False
    ht[..., -1] = True
    step, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5, update="step")
    seq, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5, update="sequence")
    for k in step:
        np.testing.assert_array_equal(step[k], seq[k])


def test_per_step_updates_change_the_weights_during_the_sequence():
    cfg = EXP1_3x2
    params, x, y, ht = random_problem(cfg, B=1, T=10)
    ht[:] = True
    step, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5, update="step")
    seq, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5, update="sequence")
    assert _rel_err(seq, step) > 1e-6


def _without_forget_gate(cfg_fg: LSTMConfig, params: dict) -> tuple[LSTMConfig, dict]:
    """The 1997 config and weights obtained by deleting the forget gates (units and sources)."""
    from dataclasses import replace
    cfg = replace(cfg_fg, forget_gate=False, forget_gate_bias=None)
    Lf, L = layout(cfg_fg), layout(cfg)
    keep_u = [u for u in range(Lf.U) if not (Lf.forget_gate.start <= u < Lf.forget_gate.stop)]
    keep_i = list(range(cfg.n_in)) + ([cfg.n_in + u for u in keep_u] if L.src_rec is not None else []) + [Lf.src_bias]
    W_h = params["W_h"][:, keep_i][:, :, keep_u]
    return cfg, {"W_h": W_h, "W_k": params["W_k"]}


def test_forget_gate_held_at_one_reproduces_the_1997_model_exactly():
    cfg_fg = LSTMConfig(3, 2, 2, 2, forget_gate=True, forget_gate_bias=(60.0, 60.0))   # σ(60) == 1.0 in float64
    params, x, y, ht = random_problem(cfg_fg, scale=1.0)
    Lf = layout(cfg_fg)
    params["W_h"][:, Lf.src_rec][:, Lf.forget_gate] = 0.0   # y_φ ≡ 1 as a source would act as a 2nd bias
    assert np.all(forward(cfg_fg, params, x)["a"][..., layout(cfg_fg).forget_gate] == 1.0)
    cfg, p97 = _without_forget_gate(cfg_fg, params)
    out_fg, out_97 = forward(cfg_fg, params, x), forward(cfg, p97, x)
    np.testing.assert_allclose(out_fg["y_k"], out_97["y_k"], rtol=0, atol=1e-15)
    g_fg, _, _ = truncated_grad(cfg_fg, params, x, y, ht)
    g97, _, _ = truncated_grad(cfg, p97, x, y, ht)
    g_fg_reduced = _without_forget_gate(cfg_fg, g_fg)[1]
    assert _rel_err(g97, g_fg_reduced) < 1e-12


def test_cec_carries_error_unchanged_over_1000_steps():
    cfg = EXP4
    params, x, y, ht = random_problem(cfg, K=1, B=1, T=1000, scale=1.0)
    ht[:] = False
    ht[..., -1] = True                                       # one error, at t = 1000
    _, _, trace = truncated_grad(cfg, params, x, y, ht)
    e_s_end = trace["e_s"][0, 0, -1]
    assert np.all(np.abs(e_s_end) > 0)
    # ∂s(t)/∂s(t−k) = 1: the error at every internal state, 999 steps back, is the injected one.
    np.testing.assert_array_equal(trace["E_s"][0, 0], np.broadcast_to(e_s_end, (1000, layout(cfg).CS)))


def test_forget_gate_scales_the_carried_error_by_its_activation():
    cfg = LSTMConfig(2, 1, 1, 1, forget_gate=True)
    params, x, y, ht = random_problem(cfg, K=1, B=1, T=50, scale=1.0)
    ht[:] = False
    ht[..., -1] = True
    _, _, trace = truncated_grad(cfg, params, x, y, ht)
    phi = trace["a"][0, 0, :, layout(cfg).forget_gate][:, 0]
    E_s = trace["E_s"][0, 0, :, 0]
    np.testing.assert_allclose(E_s[:-1], E_s[-1] * np.cumprod(phi[::-1])[:-1][::-1], rtol=1e-12)


def test_hand_worked_one_step_example():
    """One input, one cell (connectivity B: no recurrence), no biases, x(1) = 1, target 1.

    By hand (σ(1) = 0.7310585786):
      net_in = net_out = 0 -> y_in = y_out = σ(0) = 0.5;  net_c = w[c,x]·x = 1
      g(1) = 4σ(1) − 2 = 0.9242343145;  s = 0 + 0.5·0.9242343145 = 0.4621171573
      h(s) = 2σ(s) − 1 = 0.2270326087;  y_c = 0.5·0.2270326087 = 0.1135163044
      y_k = σ(w[k,c]·y_c) = σ(0.1135163044) = 0.5283486410
      e_k = f'(net_k)(1 − y_k) = 0.5283486410·0.4716513590·0.4716513590 = 0.1175337993   (eq 19)
      Δw[k,c] / α = e_k·y_c = 0.0133420025                                                 (eq 22)
      e_s = y_out·h'(s)·w[k,c]·e_k = 0.5·(1 − h²)/2·0.1175337993 = 0.0278689150             (eq 23)
      Δw[c,x] / α = e_s·y_in·g'(1)·x = 0.0278689150·0.5·0.7864477329 = 0.0109587225          (eq 28)
      Δw[in,x] / α = e_s·g(1)·f'(0)·x = 0.0278689150·0.9242343145·0.25 = 0.0064393519       (eq 26)
      Δw[out,x] / α = f'(0)·h(s)·w[k,c]·e_k·x = 0.25·0.2270326087·0.1175337993 = 0.0066710013 (eq 21)
    """
    cfg = LSTMConfig(1, 1, 1, 1, connectivity="B", bias_gates=False, bias_cells=False, bias_out=False)
    L = layout(cfg)
    W_h = np.zeros((1, L.I, L.U))
    W_h[0, 0, L.cells] = 1.0
    W_k = np.zeros((1, L.J, 1))
    W_k[0, L.out_cells] = 1.0
    params = {"W_h": W_h, "W_k": W_k}
    x, y, ht = np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), np.ones((1, 1, 1), bool)
    tr = lstm.internals(cfg, forward(cfg, params, x))
    assert tr["s_c"][0, 0, 0, 0] == pytest.approx(0.4621171573, abs=1e-10)
    assert tr["y_c"][0, 0, 0, 0] == pytest.approx(0.1135163044, abs=1e-10)
    assert tr["y_k"][0, 0, 0, 0] == pytest.approx(0.5283486410, abs=1e-10)
    grads, _, _ = truncated_grad(cfg, params, x, y, ht)
    assert -grads["W_k"][0, L.out_cells, 0][0] == pytest.approx(0.0133420025, abs=1e-10)
    assert -grads["W_h"][0, 0, L.cells][0] == pytest.approx(0.0109587225, abs=1e-10)
    assert -grads["W_h"][0, 0, L.in_gate][0] == pytest.approx(0.0064393519, abs=1e-10)
    assert -grads["W_h"][0, 0, L.out_gate][0] == pytest.approx(0.0066710013, abs=1e-10)


def test_k_trials_in_lockstep_give_bit_identical_weights_to_k_separate_runs():
    cfg = EXP4
    K, seeds = 3, [11, 12, 13]
    data = np.random.default_rng(99)
    seqs = [(data.normal(size=(K, 1, 20 + i, 2)), data.uniform(size=(K, 1, 20 + i, 1))) for i in range(4)]

    def run(idx):
        p = init_params(cfg, [np.random.default_rng(seeds[i]) for i in idx])
        for x, y in seqs:
            ht = np.zeros(x.shape[:3], bool)
            ht[..., -1] = True
            g, _, _ = truncated_grad(cfg, p, x[idx], y[idx], ht[idx])
            p = apply_update(cfg, p, g, 0.5)
            p, _ = train_sequence(cfg, p, x[idx, 0], y[idx, 0], ht[idx, 0], 0.5)
        return p

    together = run([0, 1, 2])
    for k in range(K):
        alone = run([k])
        for name in together:
            np.testing.assert_array_equal(together[name][k], alone[name][0])


def test_input_to_output_adds_one_weight_per_input_and_output_under_F_only():
    """``input_to_output`` (the Exp 1 reading of issue 13): the 3×2 Exp 1 net's 276 weights plus 7 × 7."""
    L = layout(EXP1_3x2)
    with_x = replace(EXP1_3x2, input_to_output=True)
    assert weight_count(EXP1_3x2) == 276 and weight_count(with_x) == 276 + 7 * 7
    assert L.out_x is None and layout(with_x).out_x == slice(6, 13) and layout(with_x).J == L.J + 7
    b = LSTMConfig(3, 2, 2, 1, connectivity="B")
    assert layout(replace(b, input_to_output=True)) == layout(b)           # "B" has them already


def test_without_gate_sources_the_gates_activations_feed_nothing_and_stay_unlearned():
    """``gate_sources=False`` (the Exp 2c reading of issue 13): 6p + 40 weights instead of the paper's 6p + 64 —
    the 6 gates' and cells' 4 gate sources gone — held at 0 through learning; the cells' a(t−1) still feed."""
    from lstm_core.experiments.paper import exp2c_net
    net, cut = exp2c_net(100), exp2c_net(100, gate_sources=False)
    assert (weight_count(net), weight_count(cut)) == (6 * 100 + 64, 6 * 100 + 40)
    cfg = CONFIGS["F, gates' activations not sources (Exp 2c reading)"]
    L = layout(cfg)
    gate_rows = slice(L.src_rec.start, L.src_rec.start + L.G)
    cell_rows = slice(L.src_rec.start + L.G, L.src_rec.stop)
    params, x, y, ht = random_problem(cfg, B=1, seed=9)
    assert (params["W_h"][:, gate_rows] == 0).all() and (params["W_h"][:, cell_rows] != 0).all()
    got, _ = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5, update="step")
    assert (got["W_h"][:, gate_rows] == 0).all()
    assert not np.allclose(got["W_h"][:, cell_rows], params["W_h"][:, cell_rows])
    b = LSTMConfig(3, 2, 2, 1, connectivity="B")
    assert weight_count(replace(b, gate_sources=False)) == weight_count(b)       # "B" has no recurrent sources
