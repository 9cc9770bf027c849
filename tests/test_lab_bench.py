"""``python -m lstm_core bench``: its C references build and run (the Exp 2a one learns exactly what our kernel
learns), and bad options stop it before any timing."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from lab import bench
from lstm_core.__main__ import main as cli
from lstm_core.nets import fast, rnn

needs_cc = pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="no C compiler")


@needs_cc
def test_the_c_reference_learner_compiles_and_trains():
    assert bench.C_SOURCE.is_file()
    rate = bench.c_reference(seconds=0.0)          # one call of 2,000 sequences: any positive rate will do
    assert rate is not None and rate > 0


@needs_cc
@pytest.mark.parametrize("p", [4, 100])
def test_the_exp2a_c_learner_ends_with_the_weights_of_our_rtrl_kernel(p):
    """From the C program's initial weights, on its sequences (x or y, a1 .. a(p-1), the first again), real-time
    RTRL by ``fast.rnn_train_seq`` (the trial loop's kernel) ends with the C program's weights."""
    exe = bench.compiled(bench.C_SOURCE_2A)
    n, lr = 12, 1.0
    lines = subprocess.run([str(exe), str(n), str(p), repr(lr), "check"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    first = np.array(lines[1].split(), dtype=np.int64)
    w0, w_c = (np.array(line.split(), dtype=float) for line in lines[2:4])
    cfg = rnn.exp2a_config(p)
    I, J, O = cfg.n_in + 1, 1 + cfg.n_in, cfg.n_out           # W_h = [W_xh; w_hh] (I, 1), W_o = [W_ho; W_xo] (J, O)
    assert first.shape == (n,) and w0.size == w_c.size == I + J * O == rnn.weight_count(cfg)
    params = fast.rnn_unpack(cfg, w0[:I].reshape(1, I, 1), w0[I:].reshape(1, J, O))
    for x0 in first:
        sym = np.array([x0, *range(p - 1)])                    # inputs: the first symbol, a1 .. a(p-1)
        y = np.eye(O)[[*range(p - 1), x0]]                     # targets: a1 .. a(p-1), the first symbol
        params, _ = fast.rnn_train_seq(cfg, "rtrl", params, None, y[None], np.ones((1, p), bool), lr, "step",
                                       sym=sym[None])
    W_h, W_o = fast.rnn_pack(cfg, params)
    ours = np.concatenate([W_h.ravel(), W_o.ravel()])
    assert np.abs(ours - w0).max() > 1e-3                      # it learned something ...
    np.testing.assert_allclose(ours, w_c, rtol=1e-9, atol=1e-12)   # ... and the same thing


@pytest.mark.parametrize("argv", [["--seconds", "0"], ["--seconds", "-1"], ["--seconds", "nan"], ["--seconds", "1e9"],
                                  ["--repeats", "0"], ["--repeats", "1000000"]])
def test_a_bad_option_stops_the_bench_with_exit_2(argv, capsys):
    assert cli(["bench", *argv]) == 2
    assert capsys.readouterr().err.startswith("bench: ")


def test_the_exp4_T1000_figure_times_both_kernels_and_c_and_projects_the_row():
    f = bench.exp4_long_row(seconds=0.05, repeats=1)
    assert set(f) >= {"exp4_T1000_fixed_us_per_step", "exp4_T1000_generic_us_per_step", "exp4_T1000_fixed_vs_generic",
                      "exp4_T1000_row_minutes_2_cores", "exp4_T1000_c_reference_us_per_step"}
    assert all(v is None or (np.isfinite(v) and v > 0) for v in f.values())
    ratio = f["exp4_T1000_generic_us_per_step"] / f["exp4_T1000_fixed_us_per_step"]
    assert f["exp4_T1000_fixed_vs_generic"] == pytest.approx(ratio)
    assert f["exp4_T1000_row_minutes_2_cores_generic"] == pytest.approx(f["exp4_T1000_row_minutes_2_cores"] * ratio)
