"""scripts/probe_2b: a hand-built Exp 2b net that meets the rule pays more per-step error than one that forgets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.experiments.paper import exp2ab_net
from lstm_core.tasks import TASKS
from scripts.probe_2b import hand_nets, judge, kept, main, targets_at_end_only, train

P100 = get_preset("exp2b_lstm_p100")
P10 = replace(P100, net=exp2ab_net(10, g="h_pm1"), task_options={"p": 10})     # the paper's net at p = 10


@pytest.mark.parametrize("preset", [P10, P100], ids=["p10", "p100"])
def test_the_net_that_meets_the_rule_pays_for_it_at_the_middle_steps(preset):
    batch = TASKS[preset.task](np.random.default_rng(3), 200, **preset.task_options)
    nets = hand_nets(preset)
    meets, forgets = (judge(preset, nets[name], batch) for name in ("meets the rule", "forgets"))
    p = preset.task_options["p"]
    assert meets["meets the rule"] == 1.0 and forgets["meets the rule"] == 0.0
    assert meets["E of it from x, y"] == pytest.approx(0.5 * (p - 1), rel=1e-3)   # on at all p − 1 steps but the end
    assert forgets["E of it from x, y"] < 1e-3
    symbols_at_end = 0.5 / (p - 1)                       # every middle symbol's output at 1/(p − 1), target 0
    assert meets["E last step"] == pytest.approx(symbols_at_end, abs=1e-3)
    assert forgets["E last step"] == pytest.approx(0.5 + symbols_at_end, abs=1e-3)   # x or y off where it is due
    assert meets["E middle"] + meets["E last step"] > forgets["E middle"] + forgets["E last step"]


def test_the_hand_built_nets_keep_to_the_presets_weight_masks():
    from lstm_core.nets.lstm import masks
    m = masks(P10.net)
    for params in hand_nets(P10).values():
        for name in ("W_h", "W_k"):
            assert params[name].shape == (1,) + m[name].shape and not (params[name][0] * (1 - m[name])).any()


def test_end_only_targets_drop_every_target_but_the_last_and_put_the_task_back():
    draw = TASKS["lag_2b"]
    with targets_at_end_only("lag_2b"):
        b = TASKS["lag_2b"](np.random.default_rng(0), 5, p=10)
        assert (b.has_target.sum(1) == 1).all() and b.has_target[:, -1].all()
    assert TASKS["lag_2b"] is draw
    assert draw(np.random.default_rng(0), 5, p=10).has_target.all()


def test_training_reports_every_trial_by_class(capsys):
    with targets_at_end_only("lag_2b"):
        lines = train(P10, trials=2, sequences=300, seed=0, n=40)
    assert len(lines) == 3 and all("class x: s at the end" in ln and "class y" in ln for ln in lines[1:])


def test_the_command_line_names_a_bad_option_before_any_work(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--preset", "exp4_adding_T100", "--targets", "end"])
    assert "Exp 2b" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["hand", "--sequences", "0"])
    main(["hand", "--sequences", "20"])
    assert "meets the rule on 100.0%" in capsys.readouterr().out


def test_the_kept_trials_of_the_row_are_judged_by_class_without_training(tmp_path, capsys):
    from lab.trial_store import TrialStore
    from lab.trials import Row, TrialTask, run_trial

    assert kept(P10, tmp_path, 20, 0) == [f"no trial of {P10.name} is kept in {tmp_path}/.trials or .trials-done"]
    store = TrialStore.for_row(tmp_path, Row(P10, P10.trials, 0, 40))
    for k in (2, 5):
        store.save(run_trial(TrialTask(P10, 0, k, 40)))
    lines = kept(P10, tmp_path, 30, 0)
    assert lines[0] == f"2 kept trials of {P10.name}, final weights; on 30 fresh sequences:"
    assert [ln.split(" | ")[0].strip() for ln in lines[1:]] == ["trial 2", "trial 5"]    # their own indices
    assert all("class x: s at the end" in ln and "meets the rule on" in ln for ln in lines[1:])
    store.retire()                                       # the row ended: its trials moved to .trials-done
    assert kept(P10, tmp_path, 30, 0)[1:] == lines[1:]   # the same fresh sequences, the same weights
    with pytest.raises(SystemExit):
        main(["kept", "--set", "lr=2"])
    assert "trains nothing" in capsys.readouterr().err
