"""scripts/probe_paths: Exp 1 trained with the error flowing back in time through some units only."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import get_preset
from lstm_core.experiments.learner import Learner
from lstm_core.nets.lstm import init_params, layout
from lstm_core.tasks import TASKS
from scripts.probe_paths import PATHS, PathsLearner, keep_mask, main

PRESET = get_preset("exp1_4x1_lr0.5")


def _strings(K=3, seed=0):
    """K embedded Reber strings (one per trial), as the trial loop hands them to a learner."""
    batch = TASKS[PRESET.task](np.random.default_rng(seed), K, **PRESET.task_options)
    params = init_params(PRESET.net, [np.random.default_rng(seed + k) for k in range(K)])
    return params, batch.x, batch.y, batch.has_target


def _paths_learner(paths, per_step=False):
    return PathsLearner(PRESET, "numpy", tuple(keep_mask(PRESET.net, paths)), per_step)


def test_the_masks_name_the_layouts_units():
    L = layout(PRESET.net)
    assert keep_mask(PRESET.net, "all").sum() == L.U and keep_mask(PRESET.net, "none").sum() == 0
    assert np.flatnonzero(keep_mask(PRESET.net, "cells")).tolist() == list(range(L.U))[L.cells]
    assert np.flatnonzero(keep_mask(PRESET.net, "gates")).tolist() == list(range(L.G))
    assert np.flatnonzero(keep_mask(PRESET.net, "in_gates")).tolist() == list(range(L.U))[L.in_gate]
    assert np.flatnonzero(keep_mask(PRESET.net, "out_gates")).tolist() == list(range(L.U))[L.out_gate]


def test_every_path_and_no_path_are_the_presets_full_gradient_and_truncated_rule_per_string():
    params, x, y, ht = _strings()
    new, out = _paths_learner("all").train(params, x, y, ht, PRESET.lr)
    ref, ref_out = Learner(replace(PRESET, gradient="full"), "numpy").train(params, x, y, ht, PRESET.lr)
    assert all(np.array_equal(new[k], ref[k]) for k in new) and np.array_equal(out, ref_out)
    new, out = _paths_learner("none").train(params, x, y, ht, PRESET.lr)
    ref, ref_out = Learner(replace(PRESET, update="sequence"), "numpy").train(params, x, y, ht, PRESET.lr)
    assert all(np.allclose(new[k], ref[k], rtol=0, atol=1e-12) for k in new)
    assert np.allclose(out, ref_out, rtol=0, atol=1e-12)


@pytest.mark.parametrize("paths", ["all", "gates", "none"])
def test_per_step_with_one_target_is_the_strings_gradient_and_with_more_it_differs(paths):
    params, x, y, ht = _strings()
    last = np.zeros_like(ht)
    last[np.arange(len(ht)), ht.shape[1] - 1 - np.argmax(ht[:, ::-1], axis=1)] = True   # each string's last target
    one, out1 = _paths_learner(paths, per_step=True).train(params, x, y, last, PRESET.lr)
    ref, _ = _paths_learner(paths).train(params, x, y, last, PRESET.lr)
    assert all(np.allclose(one[k], ref[k], rtol=0, atol=1e-12) for k in one)
    many, out = _paths_learner(paths, per_step=True).train(params, x, y, ht, PRESET.lr)
    whole, whole_out = _paths_learner(paths).train(params, x, y, ht, PRESET.lr)
    assert np.abs(many["W_h"] - whole["W_h"]).max() > 1e-6          # the weights changed within the string
    first = np.argmax(ht, axis=1)
    k = np.arange(len(ht))
    assert np.array_equal(out[k, first], whole_out[k, first])       # the first output is the unchanged net's
    assert not np.allclose(out[ht], whole_out[ht])


@pytest.mark.parametrize("per_step", [False, True])
def test_a_tiny_run_of_each_variant_writes_its_record(tmp_path, monkeypatch, capsys, per_step):
    monkeypatch.chdir(tmp_path)
    cap = 100 if per_step else 300
    for paths in PATHS:
        argv = ["--paths", paths, "--trials", "2", "--max-sequences", str(cap), "--seed", "3"]
        assert main(argv + (["--per-step"] if per_step else [])) == 0
        name = f"exp1_4x1_lr0.5__paths-{paths}{'__per_step' if per_step else ''}.json"
        record = json.loads((tmp_path / "runs" / "readings" / name).read_text())
        assert record["paths"] == paths and record["per_step"] is per_step
        assert record["trials"] == 2 and record["seed"] == 3 and record["max_sequences"] == cap
        assert record["keep"] == keep_mask(PRESET.net, paths).tolist()
        assert record["command"].startswith(f"python -m scripts.probe_paths --paths {paths} --trials 2")
        summary = record["summary"]
        assert summary["trials"] == 2 and summary["max_sequences_cap"] == cap and summary["sequences_seen"] == cap
        assert len(summary["sequences_to_success"]) == 2 and summary["successes"] == 0   # far too few strings
        assert record["paper"]["mean_sequences"] == 9500
    assert capsys.readouterr().out.count("0/2 solved") == len(PATHS)


def test_a_preset_without_recurrent_paths_is_refused():
    with pytest.raises(SystemExit):
        main(["exp2a_lstm_p100", "--paths", "all"])
