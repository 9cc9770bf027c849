"""``python -m lstm_core bench [engine|classroom] [--json]``: speed figures, each a ratio measured in one run.

These machines are noisy, so every figure is a ratio of two timings taken in the same run,
alternating (A, B, A, B, ...) and compared by their medians:

- **trial loop vs C**: the whole trial loop (data, learning, stopping rule) on the Exp 4 row at
  T = 100 with the 93-weight net of the paper's text (:func:`exp4_as_c`), one trial, against a plain-C
  online learner of the same size and rule (``lab/c_reference/lstm_rtrl.c``, compiled here with
  ``cc -O2``; skipped without a compiler);
- **Exp 2a RTRL p = 100 vs C**: time per step of that row's trial loop (its stopping rule on) against a
  plain-C learner of its net and rule (``lab/c_reference/rnn_rtrl_2a.c``), each a sixth of ``--seconds``,
  and the hours the faithful row (18 trials to 5,000,000 sequences) would take on 2 cores at either speed;
- **Exp 4 at T = 1000**: time per step of the paper's row (its 89-weight net), whole trial loop, on the
  kernels compiled for its net (what the reproduce sweep runs) against the generic kernels and against
  the C learner at T = 1000 (93 weights), the three alternately; and the minutes the faithful row (10
  trials to the paper's mean, 853,000 sequences) would take on 2 cores at each speed;
- **alphabet**: time per step of the trial loop on Exp 2c q = 1000 against q = 50;
- **two workers**: a row's trials on 2 worker processes against 1 (``lab.backends.LocalPool``);
- **kernel vs NumPy**: sequences per second of each learner (the 1997 rule, the full-gradient LSTM,
  the RNN baselines by BPTT and RTRL) on the compiled kernels against the readable NumPy engine.

``classroom`` runs every classroom preset with its own trials and reports the time to solve.
Tests never depend on these numbers; the README quotes them.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

C_SOURCE = Path(__file__).parent / "c_reference" / "lstm_rtrl.c"
C_SOURCE_2A = Path(__file__).parent / "c_reference" / "rnn_rtrl_2a.c"
EXP2A_ROW = "exp2a_rtrl_p100"          # the row the Exp 2a figure projects
ROW_CORES = 2                          # its trials spread over this many worker processes
MAX_SECONDS = 600.0                   # per single measurement
MAX_REPEATS = 100
LEARNERS = {                          # figure name -> preset whose learner it times
    "lstm_truncated_rtrl": "exp4_adding_T100",
    "lstm_full_gradient": "classroom_exp1_reber",
    "rnn_bptt": "baseline_rnn_adding_T20",
    "rnn_rtrl": "exp2a_rtrl_p4_lr1",
}


def add_arguments(parser) -> None:
    parser.add_argument("what", nargs="?", default="engine", choices=["engine", "classroom"])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per single measurement (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating repeats per ratio (default 3)")


def engine(name: str):
    """Run the body with ``LAB_ENGINE=name`` (the learner is chosen when a TrialRun is made)."""
    from lstm_core.nets import engine as eng

    return eng.setting("LAB_ENGINE", name)


def exp4_as_c():
    """The Exp 4 row at T = 100 with the net of the paper's text, 93 weights (cells biased): the net of the C
    learner. The row itself has unbiased cells (89 weights, ``paper.D_EXP4_CELL_BIAS``)."""
    from lstm_core.experiments import get_preset

    p = get_preset("exp4_adding_T100")
    return replace(p, net=replace(p.net, bias_cells=True))


def trial_loop_rate(preset, seconds: float, seed: int = 0, keep_stop: bool = False) -> tuple[float, float]:
    """(sequences per second, time steps per second) of one trial's whole loop, for ~``seconds``.

    ``preset``: a :class:`~lstm_core.experiments.preset.Preset` or a preset's name. The stopping rule is
    switched off (``kind="none"``), or with ``keep_stop`` kept as the row has it (for a row whose trials
    never meet it in that time).
    """
    from lstm_core.experiments import get_preset
    from lstm_core.experiments.train import TrialRun
    from lstm_core.tasks import TASKS

    p = get_preset(preset) if isinstance(preset, str) else preset
    mean_length = TASKS[p.task](np.random.default_rng(seed), 256, **p.task_options).lengths.mean()
    stop = replace(p.stop, max_sequences=10**9) if keep_stop else replace(p.stop, kind="none", max_sequences=10**9)
    run = TrialRun(replace(p, stop=stop), trials=1, seed=seed)
    run.advance(20)                                        # compiles (or loads) the kernels, draws a chunk
    n0, t0 = run.seen, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        run.advance(20)
    rate = (run.seen - n0) / (time.perf_counter() - t0)
    return rate, rate * mean_length


def c_reference(seconds: float) -> float | None:
    """Sequences per second of the C learner (Exp 4 size, T = 100), or None without a C compiler."""
    rates = c_rate(C_SOURCE, ["100"], seconds, n=2000)
    return None if rates is None else rates[0]


def c_rate(source: Path, args: list[str], seconds: float, n: int) -> tuple[float, float] | None:
    """(sequences, time steps) per second of a C learner run for ~``seconds`` (from ``n`` sequences up), or None
    without a C compiler. The program prints "sequences seconds steps ..." first."""
    exe = compiled(source)
    if exe is None:
        return None
    while True:
        out = subprocess.run([str(exe), str(n), *args], capture_output=True, text=True, check=True).stdout.split()
        took = float(out[1])
        if took >= seconds or n > 10**8:
            return n / took, int(out[2]) / took
        n = int(n * min(10.0, 1.2 * seconds / max(took, 1e-6))) + 1     # aim a little past ``seconds``


_EXE: dict = {}


def compiled(source: Path) -> Path | None:
    """The C program ``source`` built with ``cc -O2`` (once per process), or None without a compiler."""
    if source not in _EXE:
        cc = shutil.which("cc") or shutil.which("gcc")
        exe = None
        if cc:
            exe = Path(tempfile.mkdtemp(prefix="lab-bench-")) / source.stem
            done = subprocess.run([cc, "-O2", "-o", str(exe), str(source), "-lm"], capture_output=True, text=True)
            exe = exe if done.returncode == 0 else None
        _EXE[source] = exe
    return _EXE[source]


def alternate(a, b, repeats: int) -> tuple:
    """Medians of a() and b() called alternately ``repeats`` times each (of each item, if they return tuples)."""
    xs, ys = [], []
    for _ in range(repeats):
        xs.append(a())
        ys.append(b())
    mx, my = np.median(xs, axis=0), np.median(ys, axis=0)
    return (float(mx), float(my)) if mx.ndim == 0 else (tuple(mx.tolist()), tuple(my.tolist()))


def exp2a_row(seconds: float, repeats: int) -> dict:
    """Exp 2a RTRL p = 100 per time step, trial loop vs C (alternately), and the faithful row's hours on 2 cores."""
    from lstm_core.experiments import get_preset

    p = get_preset(EXP2A_ROW)
    c_args = [str(p.task_options["p"]), repr(p.lr)]
    nan2 = (float("nan"), float("nan"))
    ours, c = alternate(lambda: trial_loop_rate(EXP2A_ROW, seconds, keep_stop=True),
                        lambda: c_rate(C_SOURCE_2A, c_args, seconds, n=100) or nan2, repeats)
    sequences = p.trials * p.stop.max_sequences                  # the faithful row: no trial ever succeeds
    steps = sequences * ours[1] / ours[0]                        # the task's steps per sequence, p
    has_c = bool(np.isfinite(c[0]))
    return {"exp2a_p100_trial_loop_us_per_step": 1e6 / ours[1],
            "exp2a_p100_c_reference_us_per_step": 1e6 / c[1] if has_c else None,
            "exp2a_p100_trial_loop_vs_c": c[1] / ours[1] if has_c else None,
            "exp2a_p100_row_steps": steps,
            "exp2a_p100_row_hours_2_cores": sequences / (ROW_CORES * ours[0]) / 3600,
            "exp2a_p100_row_hours_2_cores_c": sequences / (ROW_CORES * c[0]) / 3600 if has_c else None,
            "exp2a_p100_us_per_step_for_15_min": 1e6 * ROW_CORES * 15 * 60 / steps}


EXP4_LONG_ROW = "exp4_adding_T1000"


def exp4_long_row(seconds: float, repeats: int) -> dict:
    """Exp 4 at T = 1000 per time step: kernels compiled for the net, generic kernels, C (alternately)."""
    from lstm_core.experiments import get_preset
    from lstm_core.nets import engine as eng

    p = get_preset(EXP4_LONG_ROW)

    def ours(fixed: bool) -> tuple[float, float]:
        with eng.fixed_nets(fixed):
            return trial_loop_rate(p, seconds)

    runs = {"fixed": [], "generic": [], "c": []}
    for _ in range(repeats):
        runs["fixed"].append(ours(True))
        runs["generic"].append(ours(False)[1])
        c = c_rate(C_SOURCE, [str(p.task_options["T"])], seconds, n=200)
        runs["c"].append(c[1] if c is not None else float("nan"))
    seq_rate, fixed = (float(v) for v in np.median(runs["fixed"], axis=0))
    generic, c = (float(np.median(runs[k])) for k in ("generic", "c"))
    steps = p.trials * p.paper["mean_sequences"] * fixed / seq_rate      # the task's mean steps per sequence
    has_c = bool(np.isfinite(c))
    return {"exp4_T1000_fixed_us_per_step": 1e6 / fixed, "exp4_T1000_generic_us_per_step": 1e6 / generic,
            "exp4_T1000_c_reference_us_per_step": 1e6 / c if has_c else None,
            "exp4_T1000_fixed_vs_generic": fixed / generic,
            "exp4_T1000_row_minutes_2_cores": steps / (ROW_CORES * fixed) / 60,
            "exp4_T1000_row_minutes_2_cores_generic": steps / (ROW_CORES * generic) / 60,
            "exp4_T1000_row_minutes_2_cores_c": steps / (ROW_CORES * c) / 60 if has_c else None}


def two_workers(trials: int = 4, sequences: int = 20_000) -> tuple[float, float]:
    """Wall-clock seconds of one Exp 4 row (``trials`` trials, ``sequences`` each) on 1 and on 2 workers."""
    from lab.backends import LocalPool
    from lab.sweep import run_rows
    from lab.trials import Row
    from lstm_core.experiments import get_preset

    p = get_preset("exp4_adding_T100")
    row = Row(replace(p, stop=replace(p.stop, kind="none", max_sequences=sequences)), trials, 0, sequences)
    out = []
    for workers in (1, 2):
        with LocalPool(workers) as pool:
            list(run_rows([replace(row, max_sequences=200)], pool))      # start the workers, load the kernels
            t0 = time.perf_counter()
            list(run_rows([row], pool))
            out.append(time.perf_counter() - t0)
    return out[0], out[1]


def engine_figures(seconds: float = 1.0, repeats: int = 3) -> dict:
    """Every figure of the module docstring, as a dict."""
    from lstm_core.nets import engine as eng

    out: dict = {"numpy": np.__version__, "python": sys.version.split()[0], "engine": eng.active(),
                 "cores": os.cpu_count()}
    exp4 = exp4_as_c()
    ours, c = alternate(lambda: trial_loop_rate(exp4, seconds)[0],
                        lambda: c_reference(seconds) or float("nan"), repeats)
    out["exp4_T100_trial_loop_seq_per_s"] = ours
    out["exp4_T100_c_reference_seq_per_s"] = c if np.isfinite(c) else None
    out["exp4_trial_loop_vs_c"] = c / ours if np.isfinite(c) else None
    out.update(exp2a_row(seconds / 6, repeats))
    out.update(exp4_long_row(seconds, repeats))
    q1000, q50 = alternate(lambda: trial_loop_rate("exp2c_q1000_p1000", seconds)[1],
                           lambda: trial_loop_rate("exp2c_q50_p50", seconds)[1], repeats)
    out["exp2c_q1000_us_per_step"], out["exp2c_q50_us_per_step"] = 1e6 / q1000, 1e6 / q50
    out["exp2c_q1000_vs_q50_per_step"] = q50 / q1000
    one, two = two_workers()
    out["row_seconds_1_worker"], out["row_seconds_2_workers"] = one, two
    out["two_workers_speedup"] = one / two
    for name, preset in LEARNERS.items():
        with engine("numba"):
            fast_rate = trial_loop_rate(preset, seconds)[0]
        with engine("numpy"):
            ref_rate = trial_loop_rate(preset, seconds)[0]
        out[f"{name}_numba_seq_per_s"], out[f"{name}_numpy_seq_per_s"] = fast_rate, ref_rate
        out[f"{name}_speedup"] = fast_rate / ref_rate
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def classroom_figures() -> list[dict]:
    """Run every classroom preset once (its own trials, seed 0); time to solve each."""
    from lstm_core.experiments import PRESETS
    from lstm_core.experiments.train import TrialRun

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


def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def print_engine(f: dict) -> None:
    print(f"engine {f['engine']}, numpy {f['numpy']}, python {f['python']}, {f['cores']} cores; "
          "each ratio from alternating runs in this process")
    print(f"Exp 4 (T=100, 93 w) trial loop, 1 trial  {_fmt(f['exp4_T100_trial_loop_seq_per_s'], ',.0f'):>10} seq/s")
    print(f"plain-C online learner, same size/rule   {_fmt(f['exp4_T100_c_reference_seq_per_s'], ',.0f'):>10} seq/s"
          f"   -> C is {_fmt(f['exp4_trial_loop_vs_c'], '.2f')}x faster (target <= 2)")
    c_us, vs_c = _fmt(f["exp2a_p100_c_reference_us_per_step"], ".3f"), _fmt(f["exp2a_p100_trial_loop_vs_c"], ".2f")
    print(f"Exp 2a RTRL p=100 per step: trial loop {f['exp2a_p100_trial_loop_us_per_step']:.3f} us, "
          f"plain C {c_us} us   -> C is {vs_c}x faster")
    print(f"  faithful row ({f['exp2a_p100_row_steps']:.3g} steps) on {ROW_CORES} cores: "
          f"{f['exp2a_p100_row_hours_2_cores']:.2f} h, in C {_fmt(f['exp2a_p100_row_hours_2_cores_c'], '.2f')} h"
          f"; 15 min needs {f['exp2a_p100_us_per_step_for_15_min']:.3f} us per step")
    print(f"Exp 4 T=1000 per step: kernels compiled for the net {f['exp4_T1000_fixed_us_per_step']:.3f} us, "
          f"generic {f['exp4_T1000_generic_us_per_step']:.3f} us ({f['exp4_T1000_fixed_vs_generic']:.2f}x), "
          f"plain C {_fmt(f['exp4_T1000_c_reference_us_per_step'], '.3f')} us")
    print(f"  faithful row on {ROW_CORES} cores: {f['exp4_T1000_row_minutes_2_cores']:.1f} min "
          f"(generic {f['exp4_T1000_row_minutes_2_cores_generic']:.1f}, "
          f"C {_fmt(f['exp4_T1000_row_minutes_2_cores_c'], '.1f')})")
    print(f"Exp 2c per step: q=1000 {f['exp2c_q1000_us_per_step']:.3f} us, q=50 {f['exp2c_q50_us_per_step']:.3f} us"
          f"   -> {f['exp2c_q1000_vs_q50_per_step']:.2f}x (target <= 1.5)")
    print(f"Exp 4 row, 4 trials x 20,000 seq: 1 worker {f['row_seconds_1_worker']:.1f} s, "
          f"2 workers {f['row_seconds_2_workers']:.1f} s   -> {f['two_workers_speedup']:.2f}x (target >= 1.7)")
    print(f"{'learner (trial loop, 1 trial)':32} {'kernel seq/s':>14} {'NumPy seq/s':>12} {'speed-up':>9}")
    for name, preset in LEARNERS.items():
        print(f"{name + ' (' + preset + ')':32.32} {f[name + '_numba_seq_per_s']:>14,.0f} "
              f"{f[name + '_numpy_seq_per_s']:>12,.0f} {f[name + '_speedup']:>8.1f}x")
    print(f"peak RSS: {f['peak_rss_mb']:.0f} MB")


def main(args) -> int:
    if not 0 < args.seconds <= MAX_SECONDS or not 1 <= args.repeats <= MAX_REPEATS:
        print(f"bench: --seconds must be in (0, {MAX_SECONDS}] and --repeats in [1, {MAX_REPEATS}]", file=sys.stderr)
        return 2
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
    figs = engine_figures(args.seconds, args.repeats)
    if args.json:
        print(json.dumps(figs, indent=1))
    else:
        print_engine(figs)
    return 0
