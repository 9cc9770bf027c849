"""Loaders reject, never crash (issue 14): crafted run folders and result files always give RunFileError.

Each case is a file a hostile or unlucky classroom could hand the app: a zip member that is not a
.npy array, an extra array declaring gigabytes, junk in ``summary``, ``task_options.T`` of the wrong
type or absurd size, a results JSON with strings where numbers go. Nothing here may raise anything
but :class:`RunFileError`, and nothing may allocate more than the file's own size.
"""

from __future__ import annotations

import io
import json
import resource
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lab.results import load_result, load_results
from lab.runs import RunFileError, load_run, save_run
from lab.serialize import check_task_options
from lstm_core.experiments.train import TrialRun
from tests.test_runs import TINY_LSTM, _copy, _edit_config


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    run = TrialRun(TINY_LSTM, trials=2, seed=3)
    run.advance(10_000)
    return save_run(run, tmp_path_factory.mktemp("hostile") / "tiny")


def _rezip(path: Path, edit) -> None:
    """Rewrite arrays.npz member by member: ``edit(members)`` changes the dict name -> raw bytes."""
    with zipfile.ZipFile(path / "arrays.npz") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    edit(members)
    with zipfile.ZipFile(path / "arrays.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _npy_header_only(shape, dtype="<f8") -> bytes:
    """A .npy header that declares ``shape`` but carries (almost) no data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue() + b"\0" * 64


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_member_without_npy_magic_is_a_run_file_error_not_an_attribute_error(saved, tmp_path):
    path = _copy(saved, tmp_path / "nomagic")
    _rezip(path, lambda m: m.__setitem__("params.W_h.npy", b"this is not an array" * 10))
    with pytest.raises(RunFileError, match="not a valid .npy array"):
        load_run(path)


def test_an_extra_member_declaring_gigabytes_is_refused_from_the_zip_directory(saved, tmp_path):
    path = _copy(saved, tmp_path / "extra")
    _rezip(path, lambda m: m.__setitem__("payload.npy", _npy_header_only((20_000, 20_000))))
    before = _peak_rss_mb()
    with pytest.raises(RunFileError, match="unexpected array 'payload'"):
        load_run(path)
    assert _peak_rss_mb() - before < 100                   # 3.2 GB declared: nothing of it allocated


def test_a_member_whose_header_declares_more_than_it_holds_is_refused_before_reading(saved, tmp_path):
    path = _copy(saved, tmp_path / "liar")
    with zipfile.ZipFile(path / "arrays.npz") as zf:
        shape = np.lib.format.read_array(io.BytesIO(zf.read("curve_err.npy"))).shape
    _rezip(path, lambda m: m.__setitem__("curve_seq.npy", _npy_header_only((400_000_000,), "<i8")))
    with pytest.raises(RunFileError, match="curve_seq"):
        load_run(path)
    assert shape                                            # the file really had curves


@pytest.mark.parametrize("descr, words", [("|O", "pickled"), ("<c16", "expected numbers"), ("|S8", "expected numbers"),
                                          ("<U4", "expected numbers"), ("<f16", "expected numbers")])
def test_member_dtypes_other_than_plain_numbers_are_refused(saved, tmp_path, descr, words):
    path = _copy(saved, tmp_path / "dtype")
    _rezip(path, lambda m: m.__setitem__("curve_ok.npy", _npy_header_only((2, 2), descr)))
    with pytest.raises(RunFileError, match=words):
        load_run(path)


def test_a_member_stored_under_another_name_is_refused(saved, tmp_path):
    path = _copy(saved, tmp_path / "renamed")
    _rezip(path, lambda m: m.__setitem__("../../etc/passwd", m.pop("curve_ok.npy")))
    with pytest.raises(RunFileError, match="unexpected array"):
        load_run(path)


@pytest.mark.parametrize("summary", [
    "junk", [], {"preset": "x"}, {"trials": 2},
    {"preset": "tiny", "trials": 2, "seed": 3, "successes": "all", "success_rate": 1.0,
     "sequences_to_success": [1, 2], "mean_sequences": 1.5, "min_sequences": 1, "max_sequences": 2,
     "test": {}, "seconds": 1.0},
    {"preset": "tiny", "trials": 2, "seed": 3, "successes": 1, "success_rate": 0.5,
     "sequences_to_success": "x", "mean_sequences": 1.5, "min_sequences": 1, "max_sequences": 2,
     "test": {}, "seconds": 1.0},
    {"preset": "tiny", "trials": 2, "seed": 3, "successes": 1, "success_rate": 0.5,
     "sequences_to_success": [1], "mean_sequences": 1.5, "min_sequences": 1, "max_sequences": 2,
     "test": {}, "seconds": 1.0},
    {"preset": "tiny", "trials": 2, "seed": 3, "successes": 1, "success_rate": 0.5,
     "sequences_to_success": [1, None], "mean_sequences": 1.5, "min_sequences": 1, "max_sequences": 2,
     "test": {"wrong_mean": "x"}, "seconds": 1.0},
])
def test_junk_in_summary_is_a_run_file_error(saved, tmp_path, summary):
    path = _copy(saved, tmp_path / "summary")
    _edit_config(path, summary=summary)
    with pytest.raises(RunFileError, match="summary"):
        load_run(path)


@pytest.mark.parametrize("T, words", [("abc", "whole number"), (1e3, "whole number"), (3e8, "whole number"),
                                      (300_000_000, "outside the range"), (True, "whole number"),
                                      (0, "outside the range"), (None, "whole number")])
def test_bad_task_options_in_a_saved_run_are_refused_without_allocating(saved, tmp_path, T, words):
    path = _copy(saved, tmp_path / "T")
    _edit_config(path, preset__task_options={"T": T})
    before = _peak_rss_mb()
    with pytest.raises(RunFileError, match=f"task_options.T: .*{words}"):
        load_run(path)
    assert _peak_rss_mb() - before < 100


def test_task_options_the_generator_refuses_are_a_clear_value_error():
    with pytest.raises(ValueError, match="N < T"):
        check_task_options("two_sequence", {"T": 10, "N": 20})
    with pytest.raises(ValueError, match="not an option"):
        check_task_options("adding", {"TT": 10})
    assert check_task_options("adding", {"T": 1000}) == {"T": 1000}


# ----------------------------------------------------------------------------- results files

def _result(**changes) -> dict:
    good = {"preset": "exp4_adding_T100", "trials": 2, "seed": 0, "successes": 1, "success_rate": 0.5,
            "sequences_to_success": [100, None], "mean_sequences": 100.0, "min_sequences": 100, "max_sequences": 100,
            "sequences_presented": [100, 200], "st1_at": [None, None], "diverged": [], "sequences_seen": 200,
            "max_sequences_cap": 200, "seconds": 1.5, "interrupted": False, "paper": None, "classroom": False,
            "experiment": "4", "test": {"trials_tested": 1, "test_size": 10, "wrong_mean": 0.0, "mse_mean": 0.01}}
    good.update(changes)
    return good


@pytest.mark.parametrize("changes, words", [
    ({"test": {"wrong_mean": "x"}}, "test.wrong_mean"),
    ({"test": {"test_size": 1.5}}, "test.test_size"),
    ({"test": "none"}, "'test'"),
    ({"mean_sequences": "many"}, "'mean_sequences'"),
    ({"success_rate": 2.0}, "'success_rate'"),
    ({"seconds": None}, "'seconds'"),
    ({"trials": 0}, "'trials'"),
    ({"successes": 3}, "successes"),
    ({"sequences_to_success": [100, "x"]}, "sequences_to_success"),
    ({"sequences_presented": [100]}, "sequences_presented"),
    ({"diverged": [7]}, "diverged"),
    ({"interrupted": "yes"}, "interrupted"),
    ({"paper": [1, 2]}, "paper"),
    ({"trials_resumed": -1}, "trials_resumed"),
    ({"trial_seconds": "12 h"}, "trial_seconds"),
])
def test_a_results_file_is_validated_field_by_field(tmp_path, changes, words):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(_result(**changes)))
    with pytest.raises(RunFileError, match=words):
        load_result(f)


@pytest.mark.parametrize("text", ["[1, 2]", "{", "\"x\"", "\xff\xfe", "[" * 100_000 + "]" * 100_000, "NaN"])
def test_a_results_file_that_is_not_a_result_object_is_a_run_file_error(tmp_path, text):
    f = tmp_path / "junk.json"
    f.write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    with pytest.raises(RunFileError, match="junk.json"):
        load_result(f)


def test_the_reproduce_table_skips_a_bad_result_with_its_reason_and_renders_the_rest(tmp_path):
    from ui.reproduce_table import comparison_table
    (tmp_path / "good.json").write_text(json.dumps(_result()))
    (tmp_path / "x.json").write_text(json.dumps(_result(test={"wrong_mean": "x"})))
    rows, problems = load_results(tmp_path)
    assert [r["file"] for r in rows] == ["good.json"]
    assert [(p.name, "test.wrong_mean" in why) for p, why in problems] == [("x.json", True)]
    table = comparison_table(rows)
    assert (table["preset"] == "exp4_adding_T100").any()
    assert load_result(tmp_path / "good.json")["file"] == "good.json"


def test_every_shipped_result_passes_the_field_by_field_check():
    rows, problems = load_results()
    assert rows and problems == []


def test_the_server_never_shows_tracebacks_in_the_browser():
    import tomllib
    cfg = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert cfg["client"]["showErrorDetails"] == "none"
    from streamlit import config
    config.get_option("client.showErrorDetails")                     # raises if this Streamlit has no such option


def test_a_deeply_nested_config_is_a_run_file_error(saved, tmp_path):
    path = _copy(saved, tmp_path / "deep")
    (path / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(RunFileError, match="config.json"):
        load_run(path)


def test_anything_unforeseen_while_loading_still_becomes_a_run_file_error(saved, tmp_path, monkeypatch):
    from lab import run_files
    path = _copy(saved, tmp_path / "unforeseen")
    monkeypatch.setattr(run_files, "check_arrays", lambda *a: {}["boom"])
    with pytest.raises(RunFileError, match="KeyError"):
        load_run(path)


def test_task_options_that_do_not_fit_the_network_are_refused(saved, tmp_path):
    # a lag task with more symbols than the net has inputs would make a compiled kernel read out of bounds
    path = _copy(saved, tmp_path / "widths")
    _edit_config(path, preset__task="lag_2c", preset__task_options={"p": 50, "q": 50})
    with pytest.raises(RunFileError, match="net.n_in: .* does not fit task 'lag_2c'"):
        load_run(path)
