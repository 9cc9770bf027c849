"""scripts/probe_2b: a hand-built Exp 2b net that meets the rule pays more per-step error than one that forgets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.experiments.paper import exp2ab_net
from lstm_core.tasks import TASKS
from scripts.probe_2b import hand_nets, judge, main, targets_at_end_only, train

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
