"""``python -m lstm_core bench [engine|classroom] [--json]``: speed figures, measured here and now.

``engine`` (default) times the Exp. 4 network (93 weights) on adding-problem sequences
of length 100: microseconds per time step and training sequences per second at K=1 and
K=10 trials in lockstep (summed over trials), for the paper's truncated learning rule
(end-of-sequence target: the vectorised form; and the step-by-step RTRL form with
stored partials dS), for the RNN-BPTT baseline, and for the whole trial loop (data
generation and stopping rule included); plus the process's peak memory.
``classroom`` runs every classroom preset with its own trials and reports the time to solve.
Tests never depend on these numbers; the README quotes them.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import replace
from functools import partial

import numpy as np

SEQ_LEN = 100


def add_arguments(parser) -> None:
    parser.add_argument("what", nargs="?", default="engine", choices=["engine", "classroom"])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per engine measurement")


def _time_per_call(fn, seconds: float) -> float:
    """Median seconds per call of ``fn`` over repeated batches within ~``seconds``."""
    fn()                                                    # warm up
    times, t_end = [], time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(times) < 3:
        t0 = time.perf_counter()
        for _ in range(5):
            fn()
        times.append((time.perf_counter() - t0) / 5)
    return float(np.median(times))


def _vectorised_step(cfg, params, x, y, ht):
    """One training sequence per trial by the truncated gradient (end-only target)."""
    from . import lstm_grad
    g, _, _ = lstm_grad.truncated_grad(cfg, params, x, y, ht)
    return lstm_grad.apply_update(cfg, params, g, 0.5)


def engine_figures(seconds: float = 2.0) -> dict:
    """The engine benchmark as a dict of figures (see module docstring)."""
    from . import lstm, lstm_online, rnn
    from .experiments import get_preset
    from .tasks import TASKS
    from .train import TrialRun

    preset = get_preset("exp4_adding_T100")
    cfg = preset.net
    out: dict = {"network": "Exp 4 LSTM, 2 blocks of 2 cells, 93 weights", "sequence_length": SEQ_LEN}
    rng = np.random.default_rng(0)
    data = TASKS["adding"](rng, 10, T=SEQ_LEN)
    for K in (1, 10):
        params = lstm.init_params(cfg, [np.random.default_rng(k) for k in range(K)])
        x = data.x[None, :K, :SEQ_LEN].transpose(1, 0, 2, 3)             # (K, 1, T, 2)
        y = data.y[None, :K, :SEQ_LEN].transpose(1, 0, 2, 3)
        ht = np.zeros(x.shape[:3], bool)
        ht[..., -1] = True

        t = _time_per_call(partial(_vectorised_step, cfg, params, x, y, ht), seconds)
        out[f"truncated_rtrl_K{K}_seq_per_s"] = K / t
        out[f"us_per_step_K{K}"] = t / SEQ_LEN * 1e6
        out[f"online_rtrl_K{K}_seq_per_s"] = K / _time_per_call(
            partial(lstm_online.train_sequence, cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5), seconds)
        rcfg = rnn.RNNConfig(2, 8, 1)
        rparams = rnn.init_params(rcfg, [np.random.default_rng(k) for k in range(K)])
        out[f"rnn_bptt_K{K}_seq_per_s"] = K / _time_per_call(
            partial(rnn.bptt_train_sequence, rcfg, rparams, x, y, ht, 0.5), seconds)
        run = TrialRun(replace(preset, stop=replace(preset.stop, max_sequences=10**9)), trials=K, seed=0)
        run.advance(50)
        n0, t0 = run.seen, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            run.advance(50)
        out[f"trial_loop_K{K}_seq_per_s"] = (run.seen - n0) * K / (time.perf_counter() - t0)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def classroom_figures() -> list[dict]:
    """Run every classroom preset once (its own trials, seed 0); time to solve each."""
    from .experiments import PRESETS
    from .train import TrialRun

    rows = []
    for p in PRESETS.values():
        if not p.classroom:
            continue
        run = TrialRun(p, seed=0)
        t0 = time.perf_counter()
        for _ in run.advance_iter(chunk=1000):
            pass
        r = run.result()
        rows.append({"preset": p.name, "experiment": p.experiment, "model": p.model, "trials": r["trials"],
                     "solved": r["successes"], "mean_sequences": r["mean_sequences"],
                     "seconds": time.perf_counter() - t0})
    return rows


def main(args) -> int:
    if args.what == "classroom":
        rows = classroom_figures()
        if args.json:
            print(json.dumps(rows, indent=1))
        else:
            print(f"{'preset':34} {'solved':>8} {'mean seq':>10} {'seconds':>8}")
            for r in rows:
                mean = f"{r['mean_sequences']:,.0f}" if r["mean_sequences"] else "-"
                print(f"{r['preset']:34} {r['solved']:>3}/{r['trials']:<4} {mean:>10} {r['seconds']:>8.1f}")
        return 0
    figs = engine_figures(args.seconds)
    if args.json:
        print(json.dumps(figs, indent=1))
        return 0
    print(f"{figs['network']}, adding sequences of length {SEQ_LEN}; numpy {np.__version__}, "
          f"python {sys.version.split()[0]}")
    print(f"{'':38} {'K=1':>12} {'K=10 (sum)':>12}")
    for key, label in (("truncated_rtrl", "truncated gradient (vectorised), seq/s"),
                       ("online_rtrl", "truncated RTRL with partials dS, seq/s"),
                       ("rnn_bptt", "RNN (8 hidden) BPTT, seq/s"),
                       ("trial_loop", "whole trial loop incl. data, seq/s")):
        print(f"{label:38} {figs[f'{key}_K1_seq_per_s']:>12,.0f} {figs[f'{key}_K10_seq_per_s']:>12,.0f}")
    print(f"{'µs per time step (truncated, vectorised)':38} {figs['us_per_step_K1']:>12.1f} "
          f"{figs['us_per_step_K10']:>12.1f}")
    print(f"peak RSS: {figs['peak_rss_mb']:.0f} MB")
    return 0
