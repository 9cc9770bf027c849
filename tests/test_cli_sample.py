"""``python -m lstm_core sample``: the task data of a preset or task as JSON or as a summary."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from lab import cli_sample
from lstm_core.experiments import PRESETS, get_preset
from lstm_core.tasks import reber_accepts


def run(*argv):
    return subprocess.run([sys.executable, "-m", "lstm_core", "sample", *argv],
                          capture_output=True, text=True, timeout=60)


def test_adding_json_targets_recompute_from_the_marked_inputs():
    proc = run("adding", "--n", "2", "--seed", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["task"] == "adding" and doc["options"] == {"T": 100} and len(doc["sequences"]) == 2
    for seq in doc["sequences"]:
        x = np.array(seq["inputs"])
        L = len(x)
        assert x.shape == (L, 2) and 100 <= L <= 110 and len(seq["targets"]) == L
        assert all(t is None for t in seq["targets"][:-1]) and "string" not in seq
        marked = np.flatnonzero(x[:, 1] == 1.0)
        assert len(marked) == 2
        assert seq["targets"][-1] == pytest.approx([0.5 + x[marked].sum(axis=0)[0] / 4.0], abs=1e-12)


def test_same_seed_prints_the_same_json_and_another_seed_does_not():
    a, b, c = (run("adding", "--n", "1", "--seed", s, "--json").stdout for s in ("5", "5", "6"))
    assert a == b and a != c


def test_symbolic_tasks_carry_their_string_and_options_can_be_overridden():
    proc = run("embedded_reber", "--n", "3", "--seed", "2", "--json")
    doc = json.loads(proc.stdout)
    for seq in doc["sequences"]:
        s = seq["string"]
        assert reber_accepts(s) and len(seq["inputs"]) == len(s) - 1
        assert all(t is not None for t in seq["targets"])
    doc = json.loads(run("lag_2c", "--set", "p=3", "--set", "q=4", "--json").stdout)
    assert doc["options"] == {"p": 3, "q": 4}
    seq = doc["sequences"][0]
    assert len(seq["inputs"][0]) == 3 + 4 and seq["targets"][-1] in ([1.0, 0.0], [0.0, 1.0])


def test_summary_without_json_describes_each_sequence():
    proc = run("temporal_order", "--n", "2")
    assert proc.returncode == 0, proc.stderr
    assert "#0:" in proc.stdout and "#1:" in proc.stdout and "class" in proc.stdout


def test_unknown_name_exits_2_and_lists_the_choices():
    proc = run("no_such_task", "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "no_such_task" in proc.stderr and "adding" in proc.stderr and "embedded_reber" in proc.stderr


def test_bad_option_exits_2_with_a_message():
    proc = run("adding", "--set", "T=2")
    assert proc.returncode == 2 and "T must be" in proc.stderr


def test_a_preset_resolves_to_its_task_and_options(monkeypatch, capsys):
    tiny = replace(get_preset("classroom_exp4_adding_T20"), name="exp4_tiny", task_options={"T": 12})
    monkeypatch.setitem(PRESETS, tiny.name, tiny)
    assert cli_sample.resolve("exp4_tiny") == ("adding", {"T": 12})
    assert cli_sample.resolve("reber") == ("reber", {})  # task keys still work, with their default options
    args = argparse.Namespace(preset="exp4_tiny", n=1, seed=0, json=True, set=[])
    assert cli_sample.main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["options"] == {"T": 12} and 12 <= len(doc["sequences"][0]["inputs"]) <= 13
    args.preset = "nope"
    assert cli_sample.main(args) == 2
    assert "exp4_tiny" in capsys.readouterr().err  # the preset names are listed too


def _main(*argv):
    """cli_sample.main in this process (no subprocess: cheap to run many), returning (code, stderr)."""
    import contextlib
    import io
    parser = argparse.ArgumentParser()
    cli_sample.add_arguments(parser)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_sample.main(parser.parse_args(list(argv)))
    return code, err.getvalue()


@pytest.mark.parametrize("argv, words", [
    (["adding", "--set", "T=1e3"], "--set T: expected a whole number, got 1000.0"),
    (["adding", "--set", "T=abc"], "--set T: expected a whole number"),
    (["adding", "--set", "T=1000000000"], "outside the range"),
    (["adding", "--set", "T=3"], "T must be >= 6"),
    (["adding", "--n", "100000000"], "--n must be between 1 and"),
    (["adding", "--n", "0"], "--n must be between 1 and"),
    (["adding", "--seed", "-1"], "--seed must be >= 0"),
    (["lag_2c", "--set", "p=1000", "--set", "q=1000", "--n", "1000"], "MB"),
])
def test_bad_numbers_are_refused_before_any_work_with_a_clear_message(argv, words):
    import resource
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, err = _main(*argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000     # kB: nothing big drawn
