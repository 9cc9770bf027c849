"""scripts/probe_2c: the Exp 2c look inside training runs and reports every trial."""

from __future__ import annotations

from scripts.probe_2c import main


def test_the_probe_prints_the_states_of_every_trial_at_each_report(capsys):
    assert main(["classroom_exp2c_q10_p10", "--trials", "2", "--sequences", "20", "--every", "10"]) == 0
    out = capsys.readouterr().out
    assert out.count("trial 0:") == 3 and out.count("trial 1:") == 3      # at 0, 10 and 20 sequences
    assert "s|x" in out and "s|y" in out and "training share correct" in out


def test_the_probe_runs_with_the_gate_sources_at_zero(capsys):
    assert main(["classroom_exp2c_q10_p10", "--trials", "1", "--sequences", "10", "--every", "10",
                 "--zero-gate-sources"]) == 0
    assert "trial 0:" in capsys.readouterr().out
