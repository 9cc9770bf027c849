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


def test_the_probe_describes_the_kept_trials_of_a_row_under_way_without_training(tmp_path, capsys):
    from lab.trial_store import TrialStore
    from lab.trials import Row, TrialTask, run_trial
    from lstm_core.experiments import PRESETS

    preset = PRESETS["classroom_exp2c_q10_p10"]
    assert main([preset.name, "--kept", "--results-dir", str(tmp_path)]) == 0
    assert f"no trial of {preset.name} is kept" in capsys.readouterr().out
    store = TrialStore.for_row(tmp_path, Row(preset, preset.trials, 0, 30))
    for k in (1, 3):
        store.save(run_trial(TrialTask(preset, 0, k, 30)))
    assert main([preset.name, "--kept", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"2 kept trials of {preset.name} (trials 1, 3), final weights:" in out
    assert "trial 1: ok" in out and "trial 3: ok" in out and "trial 0:" not in out     # named by their own index
    assert "training share correct" not in out                                        # nothing was trained
    moved = out.split("mean |w| there): ")[1]
    assert moved.startswith("trial 1 ") and ", trial 3 " in moved
    store.retire()                                          # the row ended: its trials moved to .trials-done
    assert not (tmp_path / ".trials").exists()
    assert main([preset.name, "--kept", "--results-dir", str(tmp_path)]) == 0
    assert f"2 kept trials of {preset.name} (trials 1, 3), final weights:" in capsys.readouterr().out
