"""``python -m lstm_core bench``: its C reference builds and runs, and bad options stop it before any timing."""

from __future__ import annotations

import shutil

import pytest

from lab import bench
from lstm_core.__main__ import main as cli


@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="no C compiler")
def test_the_c_reference_learner_compiles_and_trains():
    assert bench.C_SOURCE.is_file()
    rate = bench.c_reference(seconds=0.0)          # one call of 2,000 sequences: any positive rate will do
    assert rate is not None and rate > 0


@pytest.mark.parametrize("argv", [["--seconds", "0"], ["--seconds", "-1"], ["--seconds", "nan"], ["--seconds", "1e9"],
                                  ["--repeats", "0"], ["--repeats", "1000000"]])
def test_a_bad_option_stops_the_bench_with_exit_2(argv, capsys):
    assert cli(["bench", *argv]) == 2
    assert capsys.readouterr().err.startswith("bench: ")
