"""record_sequence / record_checkpoints: a trained network's internals on one sequence, step by step."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.analysis.record import record_checkpoints, record_sequence
from lstm_core.experiments import PRESETS
from lstm_core.experiments.learner import learner
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import rnn
from lstm_core.tasks import TASKS

ADDING = replace(PRESETS["classroom_exp4_adding_T20"], task_options={"T": 10})   # target at the end only
REBER = PRESETS["classroom_exp1_reber"]                                            # a target at every step
RNN = replace(PRESETS["baseline_rnn_adding_T20"], task_options={"T": 10})


def net_and_batch(preset, seed=0, n=3):
    params = learner(preset).init([np.random.default_rng(seed)])
    return params, TASKS[preset.task](np.random.default_rng(seed + 1), n, **preset.task_options)


@pytest.mark.parametrize("preset", [ADDING, REBER], ids=["adding", "reber"])
def test_lstm_record_has_one_row_per_step_of_the_real_sequence(preset):
    params, batch = net_and_batch(preset)
    rec = record_sequence(preset, params, batch, b=2)
    T, C, S, O = int(batch.lengths[2]), preset.net.blocks, preset.net.block_size, preset.net.n_out
    shapes = {"x": (T, preset.net.n_in), "y_in": (T, C), "y_out": (T, C), "g_c": (T, C * S), "s_c": (T, C * S),
              "h_s": (T, C * S), "y_c": (T, C * S), "y_k": (T, O), "target": (T, O), "e_s": (T, C * S),
              "E_s": (T, C * S), "has_target": (T,), "length": ()}
    assert {k: rec[k].shape for k in shapes} == shapes
    assert int(rec["length"]) == T
    assert np.isnan(rec["target"][~rec["has_target"]]).all()
    assert np.array_equal(rec["target"][rec["has_target"]], batch.y[2, :T][batch.has_target[2, :T]])


def test_internal_state_is_the_running_sum_of_gated_cell_inputs():
    params, batch = net_and_batch(ADDING)
    rec = record_sequence(ADDING, params, batch)
    S = ADDING.net.block_size
    y_in = np.repeat(rec["y_in"], S, axis=1)                  # one input gate shared by the S cells of a block
    np.testing.assert_allclose(rec["s_c"], np.cumsum(y_in * rec["g_c"], axis=0), rtol=1e-12, atol=1e-14)


def test_the_cec_carries_an_end_only_error_back_unchanged_to_the_first_step():
    params, batch = net_and_batch(ADDING)
    rec = record_sequence(ADDING, params, batch)
    assert rec["has_target"].sum() == 1 and rec["has_target"][-1]
    assert np.all(rec["e_s"][:-1] == 0) and np.all(rec["e_s"][-1] != 0)     # injected at the end only
    np.testing.assert_array_equal(rec["E_s"], np.broadcast_to(rec["E_s"][-1], rec["E_s"].shape))


def test_carried_error_is_the_sum_of_all_later_injected_errors():
    params, batch = net_and_batch(REBER)
    rec = record_sequence(REBER, params, batch)
    np.testing.assert_allclose(rec["E_s"], np.cumsum(rec["e_s"][::-1], axis=0)[::-1], rtol=1e-12)
    assert (rec["e_s"][:-1] != 0).any(axis=1).all()           # a target, hence an error, at every step


def test_rnn_record_holds_hidden_units_and_the_backpropagated_error():
    params, batch = net_and_batch(RNN)
    rec = record_sequence(RNN, params, batch, b=1)
    T, H = int(batch.lengths[1]), RNN.net.n_hidden
    assert rec["h"].shape == (T, H) and rec["delta_h"].shape == (T, H) and rec["y_k"].shape == (T, 1)
    assert "s_c" not in rec


def test_the_recorded_rnn_error_is_the_signal_of_the_bptt_gradient():
    params, batch = net_and_batch(RNN, n=4)
    rec = record_sequence(RNN, params, batch, b=1)
    L = int(rec["length"])
    x, y, ht = batch.x[None, 1:2, :L], batch.y[None, 1:2, :L], batch.has_target[None, 1:2, :L]
    grads, _ = rnn.bptt_grad(RNN.net, params, x, y, ht)
    np.testing.assert_allclose(x[0, 0].T @ rec["delta_h"], -grads["W_xh"][0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(rec["delta_h"].sum(axis=0), -grads["b_h"][0], rtol=1e-10, atol=1e-14)


def test_a_plain_rnns_error_fades_going_back_in_time():
    params, batch = net_and_batch(RNN)
    rec = record_sequence(RNN, params, batch)
    size = np.abs(rec["delta_h"]).sum(axis=1)
    assert size[-1] > 0 and np.all(np.diff(size) > 0)         # every step back loses some of it
    assert size[0] < 1e-3 * size[-1]


def test_record_checkpoints_gives_one_record_per_checkpoint_of_a_run():
    run = TrialRun(replace(ADDING, stop=replace(ADDING.stop, max_sequences=250)), trials=1, seed=0)
    run.advance(250)
    batch = TASKS["adding"](np.random.default_rng(5), 1, T=10)
    recs = record_checkpoints(ADDING, run.checkpoints, batch)
    assert [int(r["sequences"]) for r in recs] == [0, 100, 200]
    assert not np.array_equal(recs[0]["y_k"], recs[-1]["y_k"])


def test_record_accepts_weights_without_the_trial_axis_and_refuses_several_trials():
    params, batch = net_and_batch(ADDING)
    bare = {k: v[0] for k, v in params.items()}
    with_axis = record_sequence(ADDING, params, batch)
    np.testing.assert_array_equal(record_sequence(ADDING, bare, batch)["s_c"], with_axis["s_c"])
    two = {k: np.concatenate([v, v]) for k, v in params.items()}
    with pytest.raises(ValueError, match="one network"):
        record_sequence(ADDING, two, batch)
    with pytest.raises(IndexError, match="not in a batch of 3"):
        record_sequence(ADDING, params, batch, b=3)
