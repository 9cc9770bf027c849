"""A fresh install's first training job compiles the kernels in its worker process and says so."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lab.job_worker import PREPARING, Spec, Start, WorkerProcess
from lstm_core.experiments import get_preset
from lstm_core.nets import engine

pytestmark = pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")


@pytest.mark.slow
def test_a_worker_that_must_compile_says_preparing_the_fast_engine_then_trains(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_ENGINE", "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))       # an empty cache: the worker compiles (seconds)
    monkeypatch.setenv("LAB_PREPARE_NOTICE_S", "0.05")         # far below any compile time, on any machine
    preset = get_preset("classroom_exp4_adding_T20")
    preset = replace(preset, stop=replace(preset.stop, max_sequences=300))
    proc = WorkerProcess(Start(Spec(preset, trials=1, seed=0), chunk=100))
    try:
        messages = [(up.message, up.progress.sequences) for up in proc.updates()]
    finally:
        proc.stop()
    assert proc.end.status == "done", proc.end
    assert messages[0] == (PREPARING, 0)                       # said before any training was shown ...
    assert messages[-1][1] == 300 and messages[-1][0] != PREPARING   # ... and replaced once training runs
    assert any(tmp_path.rglob("*.nbi"))                         # the compiled code went to the disk cache
