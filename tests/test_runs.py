"""Saved runs: presets through JSON, save -> load round trips, and every kind of broken file."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from lab.results import load_results, results_table
from lab.runs import (
    RunFileError,
    family_of,
    list_runs,
    load_run,
    save_run,
    shipped_runs,
)
from lab.serialize import preset_from_dict, preset_to_dict
from lstm_core.experiments import PRESETS
from lstm_core.experiments.train import TrialRun
from lstm_core.nets.lstm import masks
from scripts.make_shipped_runs import FAMILIES, shipped_preset, write_manifest
from scripts.make_shipped_runs import make as make_shipped

_C4 = PRESETS["classroom_exp4_adding_T20"]
TINY_LSTM = replace(_C4, name="tiny_adding", task_options={"T": 10}, net=replace(_C4.net, bias_cells=False),
                    stop=replace(PRESETS["classroom_exp4_adding_T20"].stop, max_sequences=250, test_size=16))
TINY_RNN = replace(PRESETS["baseline_rnn_adding_T20"], name="tiny_rnn", task_options={"T": 10},
                   stop=replace(PRESETS["baseline_rnn_adding_T20"].stop, max_sequences=150, test_size=16))


def _trained(preset, trials=2):
    run = TrialRun(preset, trials=trials, seed=3)
    run.advance(10_000)
    return run


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    run = _trained(TINY_LSTM)
    return run, save_run(run, tmp_path_factory.mktemp("runs") / "tiny")


def _copy(src, dst):
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def _edit_config(path, **changes):
    cfg = json.loads((path / "config.json").read_text())
    for key, value in changes.items():
        target = cfg
        *parents, last = key.split("__")
        for p in parents:
            target = target[p]
        target[last] = value
    (path / "config.json").write_text(json.dumps(cfg))


def _edit_arrays(path, **changes):
    with np.load(path / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v
    np.savez(path / "arrays.npz", **arrays)


# ----------------------------------------------------------------------------- presets <-> JSON

@pytest.mark.parametrize("name", list(PRESETS))
def test_every_registry_preset_survives_a_json_round_trip(name):
    d = json.loads(json.dumps(preset_to_dict(PRESETS[name]), allow_nan=False))
    assert preset_from_dict(d) == PRESETS[name]


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.update(colour="red"), "colour: unknown setting"),
    (lambda d: d["net"].update(blocks="two"), "net.blocks: expected an integer"),
    (lambda d: d["net"].update(blocks=0), "net.blocks: expected a number > 0"),
    (lambda d: d["net"].update(output_gate=1), "net.output_gate: expected true or false"),
    (lambda d: d["net"].update(type="gru"), "net.type"),
    (lambda d: d["net"].update(connectivity="Z"), "connectivity"),
    (lambda d: d["stop"].update(kind="never"), "unknown stop rule"),
    (lambda d: d["stop"].update(window=True), "stop.window: expected an integer"),
    (lambda d: d.update(lr=-0.5), "lr: expected a number > 0"),
    (lambda d: d.update(lr=float("nan")), "lr: expected a finite number"),
    (lambda d: d.update(task="juggling"), "task: unknown task"),
    (lambda d: d["task_options"].update(speed=3), "task_options.speed: not an option"),
    (lambda d: d.update(experiment="9z"), "experiment: unknown experiment"),
    (lambda d: d.pop("model"), "model: required setting is missing"),
    (lambda d: d["net"].update(block_size=2000), "weights is more than"),
])
def test_preset_from_dict_rejects_bad_settings_with_a_message_naming_the_key(edit, words):
    d = preset_to_dict(PRESETS["classroom_exp4_adding_T20"])
    edit(d)
    with pytest.raises(ValueError, match=words):
        preset_from_dict(d)


# ----------------------------------------------------------------------------- save / load

def test_save_then_load_gives_bit_identical_arrays_and_the_same_preset(saved):
    run, path = saved
    loaded = load_run(path)
    assert loaded.preset == run.preset and loaded.seed == 3 and loaded.trials == 2 and loaded.path == path
    assert loaded.summary == json.loads(json.dumps(run.result()))
    for name, v in run.params.items():
        assert loaded.params[name].dtype == np.float64
        assert np.array_equal(loaded.params[name], v)
    assert [s for s, _ in loaded.checkpoints] == [s for s, _ in run.checkpoints]
    for (_, a), (_, b) in zip(loaded.checkpoints, run.checkpoints):
        assert all(np.array_equal(a[n], b[n]) for n in b)
    assert np.array_equal(loaded.curves["seq"], run.curve_seq)
    assert np.array_equal(loaded.curves["err"], np.array(run.curve_err), equal_nan=True)
    assert np.array_equal(loaded.curves["ok"], np.array(run.curve_ok), equal_nan=True)
    assert loaded.curves["err"].shape == (len(run.curve_seq), 2)


def test_an_rnn_run_round_trips_too(tmp_path):
    run = _trained(TINY_RNN, trials=1)
    loaded = load_run(save_run(run, tmp_path / "rnn"))
    assert set(loaded.params) == set(run.params)
    assert all(np.array_equal(loaded.params[k], v) for k, v in run.params.items())


def test_saving_again_replaces_the_run_and_leaves_no_temporary_files(saved, tmp_path):
    run, _ = saved
    path = save_run(run, tmp_path / "again")
    save_run(run, path)
    assert sorted(f.name for f in path.iterdir()) == ["arrays.npz", "config.json"]


def test_a_truncated_npz_is_reported_as_truncated(saved, tmp_path):
    path = _copy(saved[1], tmp_path / "cut")
    data = (path / "arrays.npz").read_bytes()
    (path / "arrays.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(RunFileError, match=r"arrays\.npz: cannot be read; it is truncated"):
        load_run(path)


def test_an_npz_holding_python_objects_is_refused_not_unpickled(saved, tmp_path):
    path = _copy(saved[1], tmp_path / "pickled")
    _edit_arrays(path, **{"params.W_h": np.array([{"evil": 1}], dtype=object)})
    with np.load(path / "arrays.npz", allow_pickle=True) as npz:       # the file really holds a pickle
        assert npz["params.W_h"].dtype == object
    with pytest.raises(RunFileError, match="pickled data"):
        load_run(path)


@pytest.mark.parametrize("changes, words", [
    ({"seed": "three"}, "'seed' should be int"),
    ({"trials": 3}, r"has shape \(2, "),
    ({"trials": 0}, "trials must be >= 1"),
    ({"format": "something-else"}, "not a saved run of this lab"),
    ({"version": 99}, "format version 99 is not supported"),
    ({"preset__net__blocks": 3}, "needs"),
    ({"preset__flavour": "vanilla"}, "the preset is not valid: flavour: unknown setting"),
    ({"preset__lr": "fast"}, "the preset is not valid: lr: expected a number"),
    ({"preset_name": "other"}, "differs from the preset's name"),
    ({"checkpoint_trial": 5}, "checkpoint_trial 5 is not one of the 2 trials"),
    ({"extra": 1}, "unknown entry 'extra'"),
])
def test_a_hand_edited_config_is_refused_with_a_clear_message(saved, tmp_path, changes, words):
    path = _copy(saved[1], tmp_path / "edited")
    _edit_config(path, **changes)
    with pytest.raises(RunFileError, match=words) as exc:
        load_run(path)
    assert "config.json" in str(exc.value) or "arrays.npz" in str(exc.value)


def test_config_that_is_not_json_is_refused(saved, tmp_path):
    path = _copy(saved[1], tmp_path / "garbled")
    (path / "config.json").write_text('{"format": "lstm1997-lab-run", ')
    with pytest.raises(RunFileError, match="config.json: not valid JSON"):
        load_run(path)


def _weights(saved, name="params.W_h"):
    with np.load(saved[1] / "arrays.npz") as npz:
        return npz[name].copy()


@pytest.mark.parametrize("make, words", [
    (lambda w: np.where(w == w.max(), np.nan, w), "contains NaN or infinite weights"),
    (lambda w: w[:, :-1], "has shape"),
    (lambda w: w.astype(np.complex128), "expected numbers"),
    (lambda w: w.astype("U8"), "expected numbers"),
    (lambda w: None, "array 'params.W_h' is missing"),
])
def test_bad_weight_arrays_are_refused(saved, tmp_path, make, words):
    path = _copy(saved[1], tmp_path / "bad")
    _edit_arrays(path, **{"params.W_h": make(_weights(saved))})
    with pytest.raises(RunFileError, match=words):
        load_run(path)


def test_weights_on_connections_the_network_lacks_are_refused(saved, tmp_path):
    path = _copy(saved[1], tmp_path / "masked")
    i, u = np.argwhere(masks(TINY_LSTM.net)["W_h"] == 0)[0]      # the cells have no bias weights here
    w_h = _weights(saved)
    w_h[0, i, u] = 0.5
    _edit_arrays(path, **{"params.W_h": w_h})
    with pytest.raises(RunFileError, match="connections the network does not have"):
        load_run(path)


def test_an_unexpected_array_and_a_missing_file_are_named(saved, tmp_path):
    path = _copy(saved[1], tmp_path / "extra")
    _edit_arrays(path, payload=np.zeros(3))
    with pytest.raises(RunFileError, match="unexpected array 'payload'"):
        load_run(path)
    (path / "arrays.npz").unlink()
    with pytest.raises(RunFileError, match=r"arrays\.npz: file is missing"):
        load_run(path)
    with pytest.raises(RunFileError, match="not a run folder"):
        load_run(tmp_path / "nowhere")


def test_a_zip_that_is_not_an_npz_is_refused(saved, tmp_path):
    path = _copy(saved[1], tmp_path / "zip")
    with zipfile.ZipFile(path / "arrays.npz", "w") as z:
        z.writestr("params.W_h.npy", b"not an array")
    with pytest.raises(RunFileError, match="arrays.npz"):
        load_run(path)


# ----------------------------------------------------------------------------- finding runs, results

def test_list_runs_finds_run_folders_only(saved, tmp_path):
    _copy(saved[1], tmp_path / "a")
    (tmp_path / "b").mkdir()
    assert list_runs(tmp_path) == [tmp_path / "a"]
    assert list_runs(tmp_path / "absent") == []


def test_every_shipped_run_loads_and_belongs_to_its_family():
    shipped = shipped_runs()
    assert set(shipped) == {"1", "2", "3", "4", "5", "6"}
    for fam, path in shipped.items():
        run = load_run(path)
        assert family_of(run.preset.experiment) == fam and run.preset.classroom
        assert run.trials == 1 and len(run.checkpoints) >= 2


GOOD_RESULT = {"preset": "exp4_adding_T100", "trials": 2, "seed": 0, "successes": 1, "success_rate": 0.5,
               "sequences_to_success": [1200, None], "mean_sequences": 1200.0, "min_sequences": 1200,
               "max_sequences": 1200, "test": {}, "paper": {"success_pct": 100}, "seconds": 3.5}


def test_results_table_keeps_good_files_and_skips_bad_ones_with_a_reason(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(GOOD_RESULT))
    (tmp_path / "b.json").write_text("{not json")
    (tmp_path / "c.json").write_text(json.dumps({**GOOD_RESULT, "successes": "one"}))
    (tmp_path / "d.json").write_text(json.dumps({**GOOD_RESULT, "sequences_to_success": [1]}))
    (tmp_path / "e.json").write_text(json.dumps([1, 2]))
    problems = []
    rows = results_table(tmp_path, problems)
    assert [r["file"] for r in rows] == ["a.json"] and rows[0]["success_rate"] == 0.5
    reasons = {p.name: why for p, why in problems}
    assert set(reasons) == {"b.json", "c.json", "d.json", "e.json"}
    assert "JSON" in reasons["b.json"] and "'successes'" in reasons["c.json"]
    assert "one entry per trial" in reasons["d.json"]
    assert load_results(tmp_path / "absent") == ([], [])


def test_the_shipped_runs_script_makes_a_loadable_run_and_a_manifest_and_can_run_again(tmp_path):
    assert all(shipped_preset(f).classroom and shipped_preset(f).model == "lstm" for f in FAMILIES)
    for _ in range(2):                                   # re-runnable: the second run replaces the first
        summary = make_shipped("3", tmp_path, cap=30, seeds=1)
    assert summary["sequences_seen"] == 30 and summary["successes"] == 0
    manifest = write_manifest(tmp_path)
    assert list(manifest) == ["3"] and manifest["3"]["solved"] is False and manifest["3"]["cap"] == 30
    assert load_run(tmp_path / "3").preset == shipped_preset("3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3", "MANIFEST.json"]
