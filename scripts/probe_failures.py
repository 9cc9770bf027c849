"""Which test sequences does a trained network still get wrong? (paper presets that never meet their rule)

Trains ``--trials`` networks of PRESET for ``--sequences`` training sequences each (the
preset's cap replaced; a trial that meets the stopping rule earlier stops there), then tests
each on ``--test-size`` fresh sequences with the preset's own "processed correctly" test and
splits the wrong ones by sequence length and by target value (first output unit). While training it
prints, every 10,000 sequences, each trial's mean |error| and share of correct sequences over the
most recent ones (the trial loop's learning curve):

    python -m scripts.probe_failures exp4_adding_T100 --trials 2 --sequences 100000   # ~4 min, one core
    python -m scripts.probe_failures exp2c_q50_p50 --trials 2 --sequences 60000

From the repository root. Not for Exp 1 (its success test is per symbol, not per sequence).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from lstm_core.experiments import criteria, get_preset
from lstm_core.experiments.learner import Learner
from lstm_core.experiments.train import TrialRun
from lstm_core.tasks import TASKS

QUANTILES = (0.0, 0.5, 0.9, 0.99, 1.0)


def probe(name: str, trials: int, sequences: int, seed: int, test_size: int) -> list[dict]:
    """Train, test, and describe the wrong test sequences per trial (see module docstring)."""
    preset = get_preset(name)
    if preset.stop.kind == "reber":
        raise SystemExit("Exp 1 is judged per symbol; this probe splits whole sequences")
    run = TrialRun(replace(preset, stop=replace(preset.stop, max_sequences=sequences)), trials=trials, seed=seed)
    while not run.done():
        pr = run.advance(10_000)
        print(f"{pr.sequences:9,d} sequences: recent mean |error| per trial {np.round(pr.recent_error, 4)}, "
              f"share correct {np.round(pr.recent_correct, 3)}", flush=True)
    run.result()                                            # copies the working weights into run.params
    batch = TASKS[preset.task](np.random.default_rng(seed + 10_000), test_size, **preset.task_options)
    data = criteria.stack([batch] * trials)
    y_out = Learner(preset).predict(run.params, data["x"])
    err, correct = criteria.sequence_scores(preset.stop, y_out, data["y_ref"], data["has_target"])
    end = criteria.last_target_step(data["has_target"])[0]                    # (B,) step of each final target
    target = data["y_ref"][0, np.arange(test_size), end, 0]
    rows = []
    for k in range(trials):
        wrong = ~correct[k]
        out_k = y_out[k, np.arange(test_size), end, 0]
        rows.append({
            "trial": k, "trained_on": run.results[k].sequences or sequences, "wrong": int(wrong.sum()),
            "tested": test_size, "mean_abs_error": float(err[k].mean()),
            "output_range": (float(out_k.min()), float(out_k.max())),
            "length_quantiles_all": _quantiles(batch.lengths),
            "length_quantiles_wrong": _quantiles(batch.lengths[wrong]),
            "target_quantiles_wrong": _quantiles(target[wrong]),
        })
    return rows


def _quantiles(v: np.ndarray) -> list[float] | None:
    return np.quantile(v, QUANTILES).round(3).tolist() if len(v) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--sequences", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-size", type=int, default=4000)
    args = parser.parse_args()
    print(f"quantiles {QUANTILES}")
    for r in probe(args.preset, args.trials, args.sequences, args.seed, args.test_size):
        lo, hi = r["output_range"]
        print(f"trial {r['trial']} (trained on {r['trained_on']:,}): {r['wrong']} / {r['tested']} wrong, "
              f"mean |error| {r['mean_abs_error']:.4f}, final outputs in [{lo:.3f}, {hi:.3f}]")
        print(f"  lengths, all:   {r['length_quantiles_all']}")
        print(f"  lengths, wrong: {r['length_quantiles_wrong']}")
        print(f"  targets, wrong: {r['target_quantiles_wrong']}")


if __name__ == "__main__":
    main()
