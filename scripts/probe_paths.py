"""Which backward paths does Exp 1's long lag need? Train with the error flowing back in time through some units only.

The paper's truncated rule (App. A.1) lets no error flow back in time through the activations
a(t−1) that feed the gates and cells of step t; the full gradient lets it through all of them.
This probe trains ``--trials`` networks of ``exp1_4x1_lr0.5`` (or PRESET) with
:func:`~lstm_core.nets.lstm_grad.bptt_grad` and its ``keep`` mask set by ``--paths``:

=============  ====================================================================
``all``        every unit's a(t−1): the full gradient
``none``       no unit's: the truncated gradient (the paper's rule)
``cells``      the cells' outputs y_c(t−1) only
``gates``      the gates' activations y_in(t−1), y_out(t−1) only
``in_gates``   the input gates' only
``out_gates``  the output gates' only
=============  ====================================================================

By default the weights change once per string (the string's gradient). With ``--per-step`` they
change at every step with a target instead: the gradient of that step's error alone, by
backpropagation over the string so far with the current weights, applied at once (with
``--paths none`` a per-step truncated rule; the paper's real-time rule differs only in keeping the
partials of earlier steps computed with earlier weights).

Everything else is the preset's trial loop (:class:`~lstm_core.experiments.train.TrialRun`): each
trial's training and test sets, the strings it is shown, and the success test on both sets every
100 strings (:mod:`~lstm_core.experiments.stop_rules`, kind "reber"). The trials train in lockstep
in NumPy, in this process. Each run writes
``runs/readings/<preset>__paths-<paths>[__per_step].json`` (the summary and the exact command, as
:mod:`scripts.readings` does):

    python -m scripts.probe_paths --paths all --trials 20 --max-sequences 30000
    python -m scripts.probe_paths --paths none --trials 20 --max-sequences 30000
    python -m scripts.probe_paths --paths cells --trials 20 --max-sequences 30000
    python -m scripts.probe_paths --paths gates --trials 20 --max-sequences 30000
    python -m scripts.probe_paths --paths in_gates --trials 20 --max-sequences 30000
    python -m scripts.probe_paths --paths out_gates --trials 20 --max-sequences 30000
    python -m scripts.probe_paths --paths all --per-step --trials 10 --max-sequences 20000
    python -m scripts.probe_paths --paths none --per-step --trials 10 --max-sequences 20000

From the repository root.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from lstm_core.experiments import get_preset
from lstm_core.experiments.learner import Learner
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import engine
from lstm_core.nets.lstm import LSTMConfig, layout
from lstm_core.nets.lstm_grad import apply_update, bptt_grad
from scripts.readings import preset_arg, write_reading

PATHS = ("all", "none", "cells", "gates", "in_gates", "out_gates")
Array = np.ndarray


def keep_mask(cfg: LSTMConfig, paths: str) -> Array:
    """(U,) 0/1: the units whose a(t−1) pass error back in time under ``paths`` (one of :data:`PATHS`)."""
    L = layout(cfg)
    parts = {"all": [slice(0, L.U)], "none": [], "cells": [L.cells], "gates": [slice(0, L.G)],
             "in_gates": [L.in_gate], "out_gates": [L.out_gate] if L.out_gate is not None else []}[paths]
    keep = np.zeros(L.U)
    for sl in parts:
        keep[sl] = 1.0
    return keep


@dataclass(frozen=True)
class PathsLearner(Learner):
    """The preset's learner, trained by :func:`bptt_grad` with ``keep`` (tested frozen as the preset's)."""

    keep: tuple[float, ...] = ()
    per_step: bool = False

    def has_kernel(self) -> bool:
        """Never: the trial loop calls :meth:`train`, one string per trial at a time."""
        return False

    def train(self, params: dict[str, Array], x: Array, y: Array, has_target: Array, lr: float,
              weight_masks: dict[str, Array] | None = None) -> tuple[dict[str, Array], Array]:
        """One string per trial, x (K, T, n_in), y (K, T, O), has_target (K, T): new params, outputs (K, T, O)."""
        cfg, keep = self.preset.net, np.asarray(self.keep)
        if not self.per_step:
            grads, _, trace = bptt_grad(cfg, params, x[:, None], y[:, None], has_target[:, None], keep=keep)
            return apply_update(cfg, params, grads, lr), trace["y_k"][:, 0]
        y_out = np.zeros(y.shape)
        for t in np.flatnonzero(has_target.any(0)):
            only_t = np.zeros_like(has_target[:, : t + 1])
            only_t[:, t] = has_target[:, t]
            grads, _, trace = bptt_grad(cfg, params, x[:, None, : t + 1], y[:, None, : t + 1], only_t[:, None],
                                        keep=keep)
            y_out[:, t] = trace["y_k"][:, 0, t]                    # the output before this step's change
            params = apply_update(cfg, params, grads, lr)
        return params, y_out


def run_paths(preset_name: str, paths: str, trials: int, max_sequences: int, seed: int = 0,
              per_step: bool = False) -> dict:
    """Train ``trials`` trials of ``preset_name`` with ``paths`` kept; the trial loop's summary."""
    base = get_preset(preset_name)
    preset = replace(base, stop=replace(base.stop, max_sequences=max_sequences))
    run = TrialRun(preset, trials=trials, seed=seed)
    run.learner = PathsLearner(preset, engine.active(), tuple(keep_mask(preset.net, paths)), per_step)
    while not run.done():
        run.advance(1000)
    return run.result()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.probe_paths", description=__doc__.splitlines()[0])
    ap.add_argument("preset", nargs="?", default="exp1_4x1_lr0.5")
    ap.add_argument("--paths", choices=PATHS, required=True)
    ap.add_argument("--per-step", action="store_true", help="change the weights at every step with a target")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--max-sequences", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=0)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = ap.parse_args(argv)
    if args.trials < 1 or args.max_sequences < 1:
        ap.error("--trials and --max-sequences must be >= 1")
    preset = preset_arg(ap, args.preset)
    if preset.model != "lstm" or preset.net.connectivity != "F":
        ap.error("the paths exist only in a fully recurrent LSTM (connectivity F)")
    t0 = time.perf_counter()
    summary = run_paths(args.preset, args.paths, args.trials, args.max_sequences, args.seed, args.per_step)
    out, record = write_reading(
        f"{args.preset}__paths-{args.paths}{'__per_step' if args.per_step else ''}",
        {"preset": args.preset, "paths": args.paths, "per_step": args.per_step,
         "keep": keep_mask(preset.net, args.paths).tolist(), "trials": args.trials, "seed": args.seed,
         "max_sequences": args.max_sequences, "paper": preset.paper, "summary": summary, "lr": preset.lr},
        "scripts.probe_paths", argv, t0)
    print(f"{args.preset} paths={args.paths}{' per step' if args.per_step else ''}: {summary['successes']}/"
          f"{args.trials} solved, mean {summary['mean_sequences']}, {record['wall_seconds']:.0f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
