"""scripts.readings (a paper row under a changed setting) and scripts.probe_failures (its --set, its Exp 1 mode)."""

from __future__ import annotations

import numpy as np

from lstm_core.experiments import get_preset
from scripts.probe_failures import STEP_KINDS, probe_reber, step_kinds
from scripts.readings import apply_overrides, tag_of


def test_a_json_list_in_set_becomes_a_tuple_so_the_config_stays_hashable():
    preset = apply_overrides(get_preset("exp1_3x2_lr0.5"), ["net.in_gate_bias=[-1,-2,-3]", "net.g=h_pm1"])
    assert preset.net.in_gate_bias == (-1, -2, -3) and preset.net.g == "h_pm1"
    hash(preset.net)


def test_the_file_tag_of_an_override_has_no_brackets_or_commas():
    assert tag_of("net.in_gate_bias=[-1,-2,-3]") == "net_in_gate_bias--1_-2_-3"
    assert tag_of("lr=0.25") == "lr-0_25"


def test_step_kinds_of_the_shortest_embedded_string():
    # BTBTXSETE: inputs B T B T X S E T (8 steps); step 6 reads the inner E, its target the outer T
    kinds = step_kinds(np.array([8, 10]), 10)
    assert [STEP_KINDS[i] for i in kinds[0, :8]] == [
        "after B", "after T/P", "inner", "inner", "inner", "inner", "after inner E (long lag)", "after 2nd T/P"]
    assert STEP_KINDS[kinds[1, 8]] == "after inner E (long lag)"


def test_the_exp1_probe_counts_every_step_of_both_sets_once():
    row = probe_reber(get_preset("exp1_3x2_lr0.5"), trials=1, sequences=100, seed=0)[0]
    assert not row["solved"]
    assert list(row["steps"]) == list(STEP_KINDS)
    assert row["steps"]["after inner E (long lag)"] == 512 == row["steps"]["after B"]   # 256 + 256 strings
    assert all(0 <= row["wrong"][k] <= row["steps"][k] for k in STEP_KINDS)
    assert len(row["abs_s_long_lag"]) == 6 and len(row["y_in_at_tp"]) == 3 == len(row["y_out_long_lag"])


def test_probe_failures_trains_the_preset_its_set_options_made_for_every_experiment(monkeypatch, capsys):
    import sys

    from scripts import probe_failures

    seen = {}

    def fake_probe(preset, trials, sequences, seed, test_size):
        seen["preset"] = preset
        return []

    monkeypatch.setattr(probe_failures, "probe", fake_probe)
    monkeypatch.setattr(sys, "argv", ["probe_failures", "exp3a_T1000_N3", "--set", "task.N=1", "--trials", "1"])
    probe_failures.main()
    assert seen["preset"].task_options["N"] == 1                  # it ran N = 3 before: --set was Exp 1's only


def test_probe_failures_reports_a_non_reber_preset_it_was_given():
    preset = apply_overrides(get_preset("exp3a_T100_N3"), ["task.N=1"])
    from scripts.probe_failures import probe

    rows = probe(preset, trials=1, sequences=200, seed=0, test_size=50)
    assert rows[0]["tested"] == 50 and rows[0]["trained_on"] == 200
