"""scripts.onset: when each trial of a saved run first reached a share of correct training sequences."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lab.runs import load_run, save_run
from lstm_core.experiments import get_preset
from lstm_core.experiments.train import TrialRun
from scripts.onset import first_reached, main, onsets

SEQ = np.arange(1, 11) * 100


def test_first_reached_is_the_end_of_the_first_window_at_the_level():
    ok = np.array([0, 0, 0.5, 0.9, 1.0, 1.0, 0.2, 1.0, 1.0, 1.0])
    assert first_reached(SEQ, ok, 0.5, 1) == 300
    assert first_reached(SEQ, ok, 0.95, 2) == 500          # (0.9 + 1.0) / 2 at points 4-5
    assert first_reached(SEQ, ok, 0.96, 2) == 600          # (1.0 + 1.0) / 2 at points 5-6
    assert first_reached(SEQ, ok, 0.9, 3) == 600           # (0.9 + 1 + 1) / 3 = 0.967 at points 4-6
    assert first_reached(SEQ, ok, 1.0, 4) is None          # never four 1.0s in a row
    assert first_reached(SEQ, ok, 1.0, 3) == 1000
    assert first_reached(SEQ[:2], ok[:2], 0.0, 3) is None  # fewer points than the window


def test_a_trial_that_stopped_keeps_its_last_share():
    ok = np.array([0.2, 0.95, 1.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan])
    assert first_reached(SEQ, ok, 0.99, 3) == 500          # 1.0 carried over the NaN of a frozen trial
    assert first_reached(SEQ, np.full(10, np.nan), 0.5, 1) is None


def test_the_command_reads_a_saved_run_and_says_so_when_it_cannot(tmp_path, capsys):
    preset = get_preset("classroom_exp4_adding_T20")
    run = TrialRun(replace(preset, trials=2), seed=0, max_sequences=3000)
    while not run.done():
        run.advance(500)
    save_run(run, tmp_path / "run")
    rows = onsets(load_run(tmp_path / "run"), over=300)
    assert [r["trial"] for r in rows] == [0, 1]
    for r in rows:
        got = [r[n] for n in ("50%", "90%", "99%") if r[n] is not None]
        assert got == sorted(got)                          # a higher level is never reached earlier
    assert main([str(tmp_path / "run"), "--over", "300"]) == 0
    out = capsys.readouterr().out
    assert "classroom_exp4_adding_T20: 2 trials" in out and " 90%:" in out
    assert main([str(tmp_path / "missing")]) == 2
    assert "not a run folder" in capsys.readouterr().err
