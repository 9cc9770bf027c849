"""The preset registry: one preset per row of Tables 1-9, matching Tables 10-11; classroom presets; CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from lstm_core import experiments as ex
from lstm_core.experiments import PRESETS, budget, paper, sizing
from lstm_core.experiments.baselines import baseline_for
from lstm_core.experiments.preset import Preset
from lstm_core.nets.lstm import LSTMConfig
from lstm_core.nets.rnn import RNNConfig
from lstm_core.tasks import TASKS

ALL = list(ex.PRESETS.values())
PAPER = [p for p in ALL if not p.classroom]
CLASSROOM = [p for p in ALL if p.classroom]


def ids(presets):
    return [p.name for p in presets]


@pytest.mark.parametrize("preset", PAPER, ids=ids(PAPER))
def test_paper_preset_weight_count_equals_the_papers_number_of_weights_or_a_deviation_names_both(preset):
    ours, papers = ex.weight_count(preset), preset.paper["weights"]
    if ours != papers:                                   # only as a stated deviation (Exp 4's unbiased cells)
        assert any(f"{ours} weights, not the paper's {papers}" in d for d in preset.deviations), preset.name


@pytest.mark.parametrize("preset", ALL, ids=ids(ALL))
def test_preset_task_draws_with_its_options_and_fits_the_net(preset):
    assert preset.task in TASKS
    batch = TASKS[preset.task](np.random.default_rng(0), 2, **preset.task_options)
    assert (batch.n_in, batch.n_out) == (preset.net.n_in, preset.net.n_out)
    assert batch.has_target.any(axis=1).all()


def test_table_rows_are_all_there_in_the_papers_counts():
    per_table = Counter(p.paper["table"] for p in PAPER)
    # Table 1: 5 LSTM rows (RTRL/ELM/RCC not run); Table 2: 8 rows minus the chunker; 2b: text, no table
    assert per_table == {1: 5, 2: 7, None: 1, 3: 9, 4: 3, 5: 3, 6: 2, 7: 3, 8: 2, 9: 2}
    assert all(p.paper["method"] == "LSTM" for p in PAPER if p.paper["table"] == 1)


def test_every_experiment_has_a_paper_preset_and_every_family_a_classroom_lstm_preset():
    assert {p.experiment for p in PAPER} == set(ex.EXPERIMENT_TITLES)
    for family, exps in ex.FAMILIES.items():
        assert any(p.experiment in exps and p.model == "lstm" for p in CLASSROOM), family


def test_paper_presets_carry_the_papers_numbers_and_classroom_presets_none():
    for p in PAPER:
        assert isinstance(p.paper, dict) and p.paper["success_after"] and p.paper["trials"] == p.trials, p.name
        printed = p.paper["success_after"].replace(",", "")
        assert p.paper["mean_sequences"] == (int(printed) if printed.isdigit() else None), p.name
        assert p.deviations, p.name
    for p in CLASSROOM:
        assert p.paper is None and p.deviations, p.name
        if p.description.startswith("The paper's own setting"):      # a paper row with fewer trials and a cap
            row = ex.get_preset(p.description.split("preset ")[1].split(")")[0])
            assert (p.net, p.task, p.task_options, p.lr, p.update, p.gradient) == (
                row.net, row.task, row.task_options, row.lr, row.update, row.gradient), p.name
            assert replace(p.stop, max_sequences=0) == replace(row.stop, max_sequences=0), p.name
            assert p.trials < row.trials and p.stop.max_sequences <= 200_000, p.name
        else:
            assert p.description.startswith("Classroom setting, not the paper's"), p.name
            assert p.stop.max_sequences <= 50_000, p.name


def test_names_follow_the_paper_rows():
    for name in ("exp1_4x1_lr0.1", "exp1_3x2_lr0.5", "exp2a_rtrl_p4_lr1", "exp2a_rtrl_p10", "exp2a_rtrl_p100",
                 "exp2a_bptt_p100", "exp2a_lstm_p100", "exp2b_lstm_p100", "exp2c_q50_p50", "exp2c_q1000_p50",
                 "exp3a_T100_N3", "exp3a_T100_N1", "exp3a_T1000_N3", "exp3c_T100_N1", "exp4_adding_T1000",
                 "exp5_mult_T100_nseq140", "exp5_mult_T100_nseq13", "exp6a_temporal_order", "exp6b_temporal_order",
                 "baseline_rnn_adding_T20", "baseline_rnn_2seq_T20"):
        assert ex.get_preset(name).name == name


def test_learning_rates_and_update_timing_follow_tables_10_and_a4():
    for p in PAPER:
        if isinstance(p.paper["lr"], float):
            assert p.lr == p.paper["lr"], p.name
        step = p.experiment in ("1", "2a", "2b") and p.model != "rnn_bptt"
        assert p.update == ("step" if step else "sequence"), p.name
    assert [ex.get_preset(f"exp2c_q{q}_p{q}").lr for q in (50, 1000)] == [0.01, 0.01]


def test_initialisation_and_fixed_gate_biases_follow_tables_10_and_11():
    for p in PAPER:
        expected_range = 0.2 if p.experiment in ("1", "2a", "2b", "2c") else 0.1
        assert p.net.init_range == expected_range, p.name
    assert ex.get_preset("exp1_4x1_lr0.1").net.out_gate_bias == (-1.0, -2.0, -3.0, -4.0)
    assert ex.get_preset("exp1_3x2_lr0.2").net.out_gate_bias == (-1.0, -2.0, -3.0)
    net3 = ex.get_preset("exp3b_T100_N1").net
    assert (net3.in_gate_bias, net3.out_gate_bias) == ((-1.0, -3.0, -5.0), (-2.0, -4.0, -6.0))
    assert ex.get_preset("exp4_adding_T500").net.in_gate_bias == (-3.0, -6.0)
    assert ex.get_preset("exp5_mult_T100_nseq13").net.in_gate_bias is None
    assert ex.get_preset("exp6b_temporal_order").net.in_gate_bias == (-2.0, -4.0, -6.0)
    net2 = ex.get_preset("exp2b_lstm_p100").net
    # Table 10's "g1" read as centred in [-1, 1] (paper.D_EXP2AB_G); the spec's sigma in [0, 1] is one --set away
    assert (net2.connectivity, net2.output_gate, net2.g, net2.h) == ("B", False, "h_pm1", "identity")
    assert ex.get_preset("exp2a_lstm_p100").net.g == "h_pm1"
    assert all(paper.D_EXP2AB_G in ex.get_preset(n).deviations for n in ("exp2a_lstm_p100", "exp2b_lstm_p100"))


def test_stop_rules_follow_table_11_and_the_text():
    s = {name: ex.get_preset(name).stop for name in ex.PRESETS}
    assert (s["exp1_3x2_lr0.5"].kind, s["exp1_3x2_lr0.5"].eval_every) == ("reber", 100)
    assert (s["exp2a_lstm_p100"].beta, s["exp2a_lstm_p100"].window, s["exp2a_lstm_p100"].test_size) == (
        0.25, 10_000, 0)
    assert s["exp2b_lstm_p100"].abs_at_end_only and s["exp2b_lstm_p100"].test_size == 10_000
    assert (s["exp2c_q200_p200"].beta, s["exp2c_q200_p200"].abs_at_end_only) == (0.2, True)
    assert (s["exp3a_T100_N1"].st1_max_wrong, s["exp3a_T100_N1"].st2_mae, s["exp3a_T100_N1"].tolerance) == (
        0, 0.01, 0.2)
    assert (s["exp3b_T1000_N1"].st1_max_wrong, s["exp3b_T1000_N1"].st2_mae) == (5, 0.04)
    assert s["exp3c_T100_N3"].use_clean_target and s["exp3c_T100_N3"].tolerance == 0.1
    assert (s["exp4_adding_T100"].kind, s["exp4_adding_T100"].beta, s["exp4_adding_T100"].tolerance) == (
        "st3", 0.01, 0.04)
    assert [s[f"exp5_mult_T100_nseq{n}"].n_seq for n in (140, 13)] == [140, 13]
    assert (s["exp6a_temporal_order"].beta, s["exp6a_temporal_order"].tolerance) == (0.1, 0.3)
    assert all(s[n].max_sequences == 5_000_000 for n in s if n.startswith("exp2a_"))


def test_models_match_their_network_configs():
    for p in ALL:
        assert isinstance(p, Preset)
        assert isinstance(p.net, LSTMConfig if p.model == "lstm" else RNNConfig), p.name


def test_get_preset_suggests_close_names_for_a_typo():
    with pytest.raises(KeyError, match="exp4_adding_T100"):
        ex.get_preset("exp4_adding_T10O")


def test_presets_by_experiment_is_in_paper_order_with_paper_rows_first():
    groups = ex.presets_by_experiment()
    assert list(groups) == list(ex.EXPERIMENT_TITLES)
    assert sum(len(v) for v in groups.values()) == len(ex.PRESETS)
    for presets in groups.values():
        flags = [p.classroom for p in presets]
        assert flags == sorted(flags)
    assert ids(groups["2c"][:2]) == ["exp2c_q50_p50", "exp2c_q100_p100"]


def test_paper_only_rows_say_why_they_are_not_run():
    methods = " ".join(r["method"] for r in ex.PAPER_ONLY_ROWS)
    for name in ("RTRL", "ELM", "RCC", "CH"):
        assert name in methods
    for row in ex.PAPER_ONLY_ROWS:
        assert row["experiment"] in ex.EXPERIMENT_TITLES and row["numbers"] and row["why_not_run"]


def test_paper_headline_shows_the_rows_main_number():
    assert ex.paper_headline(ex.get_preset("exp1_3x2_lr0.5").paper) == "100% after 8,440"
    assert "not within 5,000,000" in ex.paper_headline(ex.get_preset("exp2a_bptt_p100").paper)
    assert ex.paper_headline(None) == ""


def test_cli_presets_json_lists_every_preset_with_the_required_keys():
    proc = subprocess.run([sys.executable, "-m", "lstm_core", "presets", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [d["name"] for d in doc] == [p.name for ps in ex.presets_by_experiment().values() for p in ps]
    required = {"name", "experiment", "classroom", "description", "paper", "title", "section", "weights", "lr",
                "trials", "deviations", "task", "task_options", "model"}
    for d in doc:
        assert required <= set(d), d["name"]
        assert isinstance(d["classroom"], bool) and (d["paper"] is None) == d["classroom"]
        assert d["weights"] == ex.weight_count(ex.get_preset(d["name"]))


def test_cli_presets_table_groups_by_experiment():
    proc = subprocess.run([sys.executable, "-m", "lstm_core", "presets"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.index("Exp 1: Embedded Reber grammar") < out.index("Exp 6b:")
    assert "exp4_adding_T100" in out and "100% after 39,740" in out


def test_exp1_target_option_reaches_the_training_and_evaluation_sets_of_every_trial():
    from dataclasses import replace

    from lstm_core.experiments.train import TrialRun

    base = ex.get_preset("exp1_3x2_lr0.5")
    one_hot = TrialRun(base, trials=2, seed=1, max_sequences=1)
    multi = TrialRun(replace(base, task_options={"targets": "legal"}), trials=2, seed=1, max_sequences=1)
    for k in range(2):
        assert multi.train_sets[k].strings == one_hot.train_sets[k].strings       # same strings, other coding
        assert np.array_equal(multi.train_sets[k].y, multi.train_sets[k].legal.astype(float))
        assert (one_hot.train_sets[k].y.sum(-1) <= 1).all()
    for data in multi.eval_sets:
        assert np.array_equal(data["y"], data["legal"].astype(float))


@pytest.mark.parametrize("name, embedded", [("classroom_exp1_plain_reber", False), ("classroom_exp1_reber", True)])
def test_exp1_presets_train_and_test_on_strings_of_their_own_grammar(name, embedded):
    from lstm_core.experiments.train import TrialRun
    from lstm_core.tasks import reber_accepts

    run = TrialRun(ex.get_preset(name), trials=2, seed=3, max_sequences=1)
    for train in run.train_sets:
        assert all(reber_accepts(s, embedded=embedded) for s in train.strings)
        assert not any(reber_accepts(s, embedded=not embedded) for s in train.strings)


@pytest.mark.parametrize("preset", ALL, ids=ids(ALL))
def test_every_preset_trains_in_the_trial_loop(preset):
    from lstm_core.experiments.train import TrialRun
    run = TrialRun(preset, trials=2, seed=0, max_sequences=2)
    progress = run.advance(2)
    res = run.result()
    assert progress.sequences == 2 and res["trials"] == 2 and len(res["sequences_to_success"]) == 2
    assert all(np.isfinite(v).all() for v in run.params.values())


def test_every_lstm_preset_has_a_plain_rnn_baseline_on_its_own_task():
    for p in PRESETS.values():
        base = baseline_for(p)
        if p.model != "lstm":
            assert base is None
            continue
        assert base is not None and base.model.startswith("rnn"), p.name
        assert (base.task, dict(base.task_options)) == (p.task, dict(p.task_options)), p.name
        batch = budget.draw(p, np.random.default_rng(0), 1)
        assert (base.net.n_in, base.net.n_out) == (batch.n_in, batch.n_out), p.name


def test_every_presets_net_has_the_layer_sizes_its_task_needs():
    for p in PRESETS.values():
        batch = budget.draw(p, np.random.default_rng(0), 1)
        assert sizing.layer_sizes(p.task, p.task_options) == (batch.n_in, batch.n_out) == (p.net.n_in, p.net.n_out)
        assert sizing.sized_net(p.net, p.task, p.task_options) == p.net, p.name
