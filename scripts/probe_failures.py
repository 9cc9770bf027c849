"""Which test sequences does a trained network still get wrong? (paper presets that never meet their rule)

Trains ``--trials`` networks of PRESET for ``--sequences`` training sequences each (the
preset's cap replaced; a trial that meets the stopping rule earlier stops there), then tests
each on ``--test-size`` fresh sequences with the preset's own "processed correctly" test and
splits the wrong ones by sequence length and by target value (first output unit). While training it
prints, every 10,000 sequences, each trial's mean |error| and share of correct sequences over the
most recent ones (the trial loop's learning curve):

    python -m scripts.probe_failures exp4_adding_T100 --trials 2 --sequences 100000   # ~4 min, one core
    python -m scripts.probe_failures exp2c_q50_p50 --trials 2 --sequences 60000

Exp 1 is judged per symbol, so for its presets the probe (:func:`probe_reber`) says instead, for
each unsolved trial, on its own training and test sets, how many predictions fail the success test
at each kind of step (after the outer B, after the outer T/P, inside the inner Reber string, after
the inner E — the long-lag prediction of the second symbol — and after the second T/P), and
what its cells look like: mean |s| per cell at the long-lag step, the input gates at the step that
reads the outer T/P, the output gates at the long-lag step. ``--set`` changes the preset (any
preset) as in :mod:`scripts.readings`:

    python -m scripts.probe_failures exp1_3x2_lr0.5 --trials 6 --sequences 20000      # ~30 s
    python -m scripts.probe_failures exp3a_T1000_N3 --set task.N=1 --trials 2 --sequences 400000

From the repository root.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from lstm_core.experiments import criteria, get_preset
from lstm_core.experiments.learner import Learner, take_trials
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import lstm
from lstm_core.tasks import TASKS
from lstm_core.tasks.batch import one_hot
from scripts.readings import apply_overrides

QUANTILES = (0.0, 0.5, 0.9, 0.99, 1.0)


def _trained(preset: Preset, trials: int, sequences: int, seed: int) -> TrialRun:
    """``trials`` trials of ``preset`` trained for up to ``sequences`` sequences, printing the curve."""
    run = TrialRun(replace(preset, stop=replace(preset.stop, max_sequences=sequences)), trials=trials, seed=seed)
    while not run.done():
        pr = run.advance(10_000)
        print(f"{pr.sequences:9,d} sequences: recent mean |error| per trial {np.round(pr.recent_error, 4)}, "
              f"share correct {np.round(pr.recent_correct, 3)}", flush=True)
    run.result()                                            # copies the working weights into run.params
    return run


def probe(preset: Preset, trials: int, sequences: int, seed: int, test_size: int) -> list[dict]:
    """Train, test, and describe the wrong test sequences per trial (see module docstring)."""
    if preset.stop.kind == "reber":
        raise SystemExit("Exp 1 is judged per symbol: use probe_reber")
    run = _trained(preset, trials, sequences, seed)
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


STEP_KINDS = ("after B", "after T/P", "inner", "after inner E (long lag)", "after 2nd T/P")


def step_kinds(lengths: np.ndarray, T: int) -> np.ndarray:
    """(B, T) index into :data:`STEP_KINDS` of each step of embedded Reber strings of ``lengths`` input steps.

    Steps 0 and 1 read the outer B and T/P, step L−2 the inner E (its target is the outer T/P of
    step 1), step L−1 the second T/P; the steps between read the inner Reber string.
    """
    t = np.arange(T)[None, :]
    L = lengths[:, None]
    kind = np.full((len(lengths), T), 2)
    kind[:, 0], kind[:, 1] = 0, 1
    kind[t == L - 2] = 3
    kind[t == L - 1] = 4
    return kind


def probe_reber(preset: Preset, trials: int, sequences: int, seed: int) -> list[dict]:
    """Exp 1: which predictions of each unsolved trial fail, and its cells (see the module docstring)."""
    run = _trained(preset, trials, sequences, seed)
    rows = []
    for k in range(trials):
        res = run.results[k]
        row = {"trial": k, "solved": res.solved, "sequences": res.sequences}
        if not res.solved:
            wrong, steps, cells = np.zeros(len(STEP_KINDS), int), np.zeros(len(STEP_KINDS), int), []
            for data in run.eval_sets:                      # the trial's training set, then its test set
                d = {key: (v[[k]] if v is not None else None) for key, v in data.items()}
                trace = lstm.forward(preset.net, take_trials(run.params, [k]), one_hot(d["sym"], preset.net.n_in))
                ht = d["has_target"][0]
                one = (1, ht.size, 1, 1)                    # every step its own "set": the test per step
                ok = criteria.reber_all_correct(trace["y_k"].reshape(*one, -1), d["legal"].reshape(*one, -1),
                                                d["has_target"].reshape(one))[0].reshape(ht.shape)
                kind = step_kinds(d["lengths"][0], ht.shape[1])
                for i in range(len(STEP_KINDS)):
                    steps[i] += int((ht & (kind == i)).sum())
                    wrong[i] += int((ht & (kind == i) & ~ok).sum())
                cells.append((lstm.internals(preset.net, trace), d["lengths"][0]))
            (inside, lengths), b = cells[0], np.arange(len(cells[0][1]))
            row.update(wrong=dict(zip(STEP_KINDS, wrong.tolist())), steps=dict(zip(STEP_KINDS, steps.tolist())),
                       abs_s_long_lag=np.abs(inside["s_c"][0, b, lengths - 2]).mean(0).round(2).tolist(),
                       y_in_at_tp=inside["y_in"][0, b, 1].mean(0).round(2).tolist(),
                       y_out_long_lag=inside["y_out"][0, b, lengths - 2].mean(0).round(2).tolist())
        rows.append(row)
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
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change the preset, as in scripts.readings (e.g. task.N=1)")
    args = parser.parse_args()
    preset = apply_overrides(get_preset(args.preset), args.set)
    if preset.stop.kind == "reber":
        for r in probe_reber(preset, args.trials, args.sequences, args.seed):
            if r["solved"]:
                print(f"trial {r['trial']}: solved after {r['sequences']:,}")
                continue
            fails = ", ".join(f"{kind} {r['wrong'][kind]}/{r['steps'][kind]}" for kind in STEP_KINDS)
            print(f"trial {r['trial']}: wrong predictions {fails}")
            print(f"  cells: mean |s| at the long-lag step {r['abs_s_long_lag']}; input gates reading the outer "
                  f"T/P {r['y_in_at_tp']}; output gates at the long-lag step {r['y_out_long_lag']}")
        return
    print(f"quantiles {QUANTILES}")
    for r in probe(preset, args.trials, args.sequences, args.seed, args.test_size):
        lo, hi = r["output_range"]
        print(f"trial {r['trial']} (trained on {r['trained_on']:,}): {r['wrong']} / {r['tested']} wrong, "
              f"mean |error| {r['mean_abs_error']:.4f}, final outputs in [{lo:.3f}, {hi:.3f}]")
        print(f"  lengths, all:   {r['length_quantiles_all']}")
        print(f"  lengths, wrong: {r['length_quantiles_wrong']}")
        print(f"  targets, wrong: {r['target_quantiles_wrong']}")


if __name__ == "__main__":
    main()
