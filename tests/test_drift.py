"""scripts.drift: the internal states of untrained nets at the end of their sequences."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.experiments.learner import learner
from lstm_core.experiments.train import TrialRun
from lstm_core.nets.lstm import layout
from scripts.drift import final_states, main, states_of, trained_states, zeroed


def _params(name, k=2):
    preset = get_preset(name)
    return preset, learner(preset).init([np.random.default_rng(i) for i in range(k)])


@pytest.mark.parametrize("which, rows", [("gate-sources", "gates"), ("inputs", "x"), ("cell-bias", "cell_bias")])
def test_zeroed_clears_exactly_the_named_weights(which, rows):
    preset, params = _params("classroom_exp4_adding_T20")
    L = layout(preset.net)
    mask = np.zeros(params["W_h"].shape[1:], bool)
    if rows == "gates":
        mask[L.src_rec.start:L.src_rec.start + L.G, :] = True
    elif rows == "x":
        mask[L.src_x, :] = True
    else:
        mask[L.src_bias, L.cells] = True
    got = zeroed(preset.net, params, [which])["W_h"]
    assert (got[:, mask] == 0).all() and (params["W_h"][:, mask] != 0).any()
    np.testing.assert_array_equal(got[:, ~mask], params["W_h"][:, ~mask])


def test_no_gate_sources_without_recurrence():
    preset, params = _params("exp2a_lstm_p100", 1)
    with pytest.raises(ValueError, match="connectivity B"):
        zeroed(preset.net, params, ["gate-sources"])


def _biased(name):
    """The Exp 4 row with the 93-weight net of the paper's text (the presets' cells are unbiased)."""
    p = get_preset(name)
    return replace(p, net=replace(p.net, bias_cells=True))


def test_states_grow_with_the_sequence_length_and_shrink_without_the_cell_biases():
    s100 = final_states(_biased("exp4_adding_T100"), 8, 20, 0, [])
    s1000 = final_states(_biased("exp4_adding_T1000"), 8, 20, 0, [])
    assert s100.shape == (8, 20, 4)
    assert np.median(np.abs(s1000[..., 0])) > 3 * np.median(np.abs(s100[..., 0]))     # block 1 drifts with T
    no_bias = final_states(_biased("exp4_adding_T1000"), 8, 20, 0, ["cell-bias"])
    assert np.median(np.abs(no_bias[..., 0])) < np.median(np.abs(s1000[..., 0]))
    with pytest.raises(ValueError, match="no cell biases"):
        final_states(get_preset("exp4_adding_T1000"), 2, 2, 0, ["cell-bias"])           # the preset has none


def test_the_command_prints_every_cell_and_refuses_what_it_cannot_do(capsys):
    assert main(["exp2c_q50_p50", "--nets", "3", "--sequences", "4", "--zero", "gate-sources"]) == 0
    out = capsys.readouterr().out
    assert "gate-sources drawn as 0" in out and out.count("\n") == 4                  # title, header, 2 cells
    with pytest.raises(SystemExit):
        main(["exp2a_rtrl_p4_lr1"])                                                  # not an LSTM preset
    with pytest.raises(SystemExit):
        main(["exp2a_lstm_p100", "--zero", "gate-sources"])
    with pytest.raises(SystemExit):
        main(["exp4_adding_T100", "--nets", "0"])


def test_after_follows_the_row_s_own_trials_through_training(capsys):
    preset = get_preset("classroom_exp4_adding_T20")
    (n0, s0), (n1, s1) = trained_states(preset, 2, 6, 0, [0, 300])
    untrained = TrialRun(preset, trials=2, seed=0).params                    # the row's trials 0 and 1
    np.testing.assert_array_equal(s0, states_of(preset, untrained, 6, 0))
    assert (n0, n1) == (0, 300) and s1.shape == s0.shape == (2, 6, 4) and not np.allclose(s0, s1)
    assert main(["classroom_exp4_adding_T20", "--nets", "2", "--sequences", "3", "--after", "0", "100",
                 "--set", "net.bias_cells=false"]) == 0
    out = capsys.readouterr().out
    assert "after 0 training sequences" in out and "after 100 training sequences" in out
    assert "net.bias_cells=false" in out and out.count("\n") == 2 * (2 + 4)        # 2 tables: title, header, 4 cells
    with pytest.raises(SystemExit):
        main(["exp4_adding_T100", "--after", "10", "--zero", "cell-bias"])
