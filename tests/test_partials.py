"""scripts.partials: the truncated partials dS_c, dS_in (eqs 25, 27) at a sequence's end, per source."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.experiments.learner import learner
from lstm_core.nets.lstm import forward, layout
from lstm_core.tasks import TASKS
from scripts.partials import end_partials, main, source_groups


def _net_and_batch(name, K=2, B=3, rec_zero=True):
    preset = get_preset(name)
    cfg, L = preset.net, layout(preset.net)
    params = learner(preset).init([np.random.default_rng(i) for i in range(K)])
    if rec_zero and L.src_rec is not None:                  # then nothing but the CEC carries s over time,
        params["W_h"][:, L.src_rec, :] = 0.0                # and the truncated partials are the exact ones
    batch = TASKS[preset.task](np.random.default_rng(7), B, **preset.task_options)
    return cfg, L, params, batch


def _s_end(cfg, params, batch):
    K = params["W_h"].shape[0]
    s = forward(cfg, params, np.broadcast_to(batch.x, (K,) + batch.x.shape).copy())["s"]
    return s[:, np.arange(len(batch.lengths)), batch.lengths - 1]                         # (K, B, CS)


@pytest.mark.parametrize("name", ["classroom_exp4_adding_T20",         # dense inputs, biases
                                  "exp2c_q50_p50",                     # inputs by symbol, no biases
                                  "exp2a_lstm_p100"])                  # connectivity B
def test_the_partials_are_the_derivatives_of_the_end_state_where_truncation_drops_nothing(name):
    cfg, L, params, batch = _net_and_batch(name)
    dS_c, dS_in = end_partials(cfg, params, batch)
    assert dS_c.shape == dS_in.shape == (2, 3, L.CS, L.I)
    used = np.flatnonzero(np.abs(dS_c).sum(axis=(0, 1, 2)) > 0)         # the sources the sequences used:
    rec = range(L.src_rec.start, L.src_rec.stop) if L.src_rec is not None else ()
    sources = [m for m in used if m < L.src_x.start + 5 or m in rec or m == L.src_bias]   # 5 inputs, the rest
    assert L.src_bias in sources or not cfg.bias_cells
    eps = 1e-6
    for m in sources:
        for c in range(L.CS):
            for unit, want in ((L.cells.start + c, dS_c[:, :, c, m]),
                               (L.in_gate.start + c // L.S, dS_in[:, :, c, m])):
                plus, minus = ({**params, "W_h": params["W_h"].copy()} for _ in range(2))
                plus["W_h"][:, m, unit] += eps
                minus["W_h"][:, m, unit] -= eps
                fd = (_s_end(cfg, plus, batch)[..., c] - _s_end(cfg, minus, batch)[..., c]) / (2 * eps)
                np.testing.assert_allclose(want, fd, rtol=1e-5, atol=1e-8)


def test_a_bias_partial_grows_with_the_length_a_two_step_input_does_not():
    out = {}
    for T in (100, 1000):
        cfg, L, params, batch = _net_and_batch(f"exp4_adding_T{T}", K=4, B=8, rec_zero=False)
        dS_c, _ = end_partials(cfg, params, batch)
        out[T] = {m: np.sqrt(np.mean(dS_c[..., : L.S, m] ** 2)) for m in (L.src_bias, 0, 1)}   # block 1
    bias, value, marker = L.src_bias, 0, 1
    grow = {m: out[1000][m] / out[100][m] for m in (bias, value, marker)}
    assert grow[bias] > 7                                                         # ~T
    assert 2 < grow[value] < 0.8 * grow[bias]                                     # a random walk, slower
    assert 0.5 < grow[marker] < 2                                                 # two marked steps


def test_the_groups_cover_every_source_once():
    for name in ("exp4_adding_T100", "exp2c_q50_p50", "exp2a_lstm_p100"):
        cfg = get_preset(name).net
        idx = np.concatenate([i for _, i in source_groups(cfg)])
        assert sorted(idx) == list(range(layout(cfg).I))


def test_the_command_prints_a_row_per_block_and_partial_and_refuses_what_it_cannot_do(capsys):
    assert main(["classroom_exp4_adding_T20", "--nets", "2", "--sequences", "3", "--after", "0", "50"]) == 0
    out = capsys.readouterr().out
    assert out.count("after 50 training sequences") == 1 and out.count("\n") == 2 * (2 + 2 * 2)
    assert main(["classroom_exp4_adding_T20", "--nets", "1", "--sequences", "2",
                 "--set", "net.bias_cells=false"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert all(("—" in r) == ("dS_c" in r) for r in rows)                  # no cell-bias weights, gate ones
    with pytest.raises(SystemExit):
        main(["exp2a_rtrl_p4_lr1"])                                                  # not an LSTM preset
    with pytest.raises(SystemExit):
        main(["exp4_adding_T100", "--sequences", "0"])
