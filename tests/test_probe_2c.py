"""scripts/probe_2c: the Exp 2c look inside training runs and reports every trial."""

from __future__ import annotations

from scripts.probe_2c import main


def test_the_probe_prints_the_states_of_every_trial_at_each_report(capsys):
    assert main(["classroom_exp2c_q10_p10", "--trials", "2", "--sequences", "20", "--every", "10"]) == 0
    out = capsys.readouterr().out
    assert out.count("trial 0:") == 3 and out.count("trial 1:") == 3      # at 0, 10 and 20 sequences
    assert "s|x" in out and "s|y" in out and "training share correct" in out


def test_zero_gate_sources_clears_exactly_the_rows_of_the_gate_activations():
    import numpy as np

    from lstm_core.experiments import get_preset
    from lstm_core.experiments.learner import learner
    from lstm_core.nets.lstm import layout
    from scripts.probe_2c import zero_gate_sources

    preset = get_preset("classroom_exp2c_q10_p10")
    params = learner(preset).init([np.random.default_rng(k) for k in range(2)])
    got = zero_gate_sources(preset.net, params)["W_h"]
    L = layout(preset.net)
    gates = slice(L.src_rec.start, L.src_rec.start + L.G)
    assert (got[:, gates, :] == 0).all() and (params["W_h"][:, gates, :] != 0).any()
    keep = np.ones(got.shape[1], bool)
    keep[gates] = False
    np.testing.assert_array_equal(got[:, keep, :], params["W_h"][:, keep, :])


def test_the_probe_runs_with_the_gate_sources_at_zero(capsys):
    assert main(["classroom_exp2c_q10_p10", "--trials", "1", "--sequences", "10", "--every", "10",
                 "--zero-gate-sources"]) == 0
    assert "trial 0:" in capsys.readouterr().out
