"""Why Exp 2b's net (as read) never meets the rule: a net that meets it, and the error it pays for that.

The paper's 2a/2b net is one memory cell whose cell input and input gate see only the current input
symbol (connectivity "B", no recurrence, no biases), h = identity, no output gate, and 101 logistic
outputs that see the cell and the input, with the target of the next symbol at **every** step (A27). In
Exp 2b the 99 middle symbols are random, so no input tells the last step from the others: the cell's state
path s(1..p) is the same for both classes up to the offset the first symbol (x or y) puts in, and each
output, σ(w·s + w_a), is monotone in s. A net that meets the rule (at the end, x on for class x and off
for class y, y the other way round) must therefore switch x on above some state and y on below it, or the
reverse, and that switches x or y on at middle steps too, where the target says 0.

``hand`` builds such a net by hand (the class in the cell from step 1, the gate shut after it; x = σ(W s),
y = σ(−W s), every symbol output at 1/(p−1)) and a net that forgets (the gate shut from the start, x and y
off), and prints, on fresh sequences, whether each meets the success rule and its training error
E = ½ Σ_t Σ_k (t_k − y_k)² split into the middle steps and the last::

    python -m scripts.probe_2b hand                      # p = 100, 1,000 sequences, ~1 s

``train`` trains ``--trials`` nets of the preset (``--set`` as in :mod:`scripts.readings`) for
``--sequences`` sequences and prints the state at the end by class and the x/y outputs there. With
``--targets end`` the targets before the last step are dropped — a diagnosis of the other reading
(error at the sequence end only, as in Exp 2c), not a preset option::

    python -m scripts.probe_2b train --targets end --trials 4 --sequences 300000     # ~2 min, one core

``kept`` trains nothing: it prints the same lines for the final weights of the row's trials kept in pieces
(``runs/results/.trials`` while the row is under way, ``.trials-done`` once it ended), plus whether each
meets the rule and its error E split as ``hand`` splits it::

    python -m scripts.probe_2b kept                      # the 18 trials run to 5,000,000, ~1 min

From the repository root.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from lab.results import RESULTS_DIR
from lstm_core.experiments import get_preset
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import lstm
from lstm_core.tasks import TASKS
from lstm_core.tasks.batch import Batch, one_hot

PRESET = "exp2b_lstm_p100"
BIG = 20.0           # a net input that saturates a gate or g: σ(20) = 1 − 2·10⁻⁹
W_OUT = 10.0         # the cell → x / y weights of the hand-built net: σ(±10) = 0.99995 / 0.00005


def _logit(q: float) -> float:
    return float(np.log(q / (1.0 - q)))


def hand_nets(preset: Preset) -> dict[str, dict[str, np.ndarray]]:
    """Two nets of the preset's shape, ``W_h`` (1, I, U) and ``W_k`` (1, J, O): "meets the rule", "forgets"."""
    cfg, p = preset.net, preset.task_options["p"]
    L = lstm.layout(cfg)
    if cfg.connectivity != "B" or cfg.output_gate or cfg.h != "identity" or L.CS != 1:
        raise ValueError(f"{preset.name}: not the paper's 2a/2b net (one cell, 'B', h = identity, no output gate)")
    x, y = p - 1, p                                       # input/output units of x and y (a1..a(p−1) first)
    gate, cell = L.in_gate.start, L.cells.start
    out = lstm.masks(cfg)
    nets = {}
    for name in ("meets the rule", "forgets"):
        W_h = np.zeros(out["W_h"].shape)
        W_k = np.zeros(out["W_k"].shape)
        W_h[L.src_x, gate] = -BIG                         # the gate shut for every symbol ...
        if name == "meets the rule":
            W_h[[x, y], gate] = BIG                       # ... but the first, x or y, which the cell stores
            W_h[x, cell], W_h[y, cell] = BIG, -BIG        # as g = +1 or −1 (g centred; g ≥ 0 would need an offset)
            W_k[L.out_cells.start, x], W_k[L.out_cells.start, y] = W_OUT, -W_OUT
        else:
            W_k[L.out_x, x] = W_k[L.out_x, y] = -W_OUT    # x and y off whatever the input
        W_k[L.out_x, :p - 1] = _logit(1.0 / (p - 1))     # every middle symbol predicted at 1/(p−1)
        nets[name] = {"W_h": (W_h * out["W_h"])[None], "W_k": (W_k * out["W_k"])[None]}
    return nets


def _inputs(batch: Batch, p: int) -> np.ndarray:
    """The batch's symbols as dense one-hot inputs of one net, (1, B, T, p + 1), as :func:`lstm.forward` takes."""
    return one_hot(batch.symbols, p + 1)[None].astype(float)


def judge(preset: Preset, params: dict[str, np.ndarray], batch: Batch) -> dict[str, float]:
    """Success rule at the end (max |error| of every output < β on every sequence) and the error E per sequence."""
    p = preset.task_options["p"]
    y_k = lstm.forward(preset.net, params, _inputs(batch, p))["y_k"][0]     # (B, T, O)
    err = batch.y - y_k
    end_ok = (np.abs(err[:, -1]) < preset.stop.beta).all(axis=1)
    half_sq = 0.5 * (err ** 2).sum(axis=2)                 # (B, T)
    xy = 0.5 * (err[:, :-1, p - 1:] ** 2).sum(axis=(1, 2))  # the x and y outputs at the middle steps
    return {"meets the rule": float(end_ok.mean()), "E middle": float(half_sq[:, :-1].sum(1).mean()),
            "E of it from x, y": float(xy.mean()), "E last step": float(half_sq[:, -1].mean())}


def hand(preset: Preset, n: int, seed: int) -> list[str]:
    """The two hand-built nets judged on ``n`` fresh sequences (one line each)."""
    batch = TASKS[preset.task](np.random.default_rng(seed), n, **preset.task_options)
    lines = [f"{preset.name}: {n} fresh sequences; E = ½ Σ_t Σ_k (t_k − y_k)² per sequence"]
    for name, params in hand_nets(preset).items():
        j = judge(preset, params, batch)
        lines.append(f"  {name:15s} meets the rule on {j['meets the rule']:6.1%} | E before the end "
                     f"{j['E middle']:7.2f} (x, y outputs: {j['E of it from x, y']:6.2f}) | E last step "
                     f"{j['E last step']:5.2f} | E in all {j['E middle'] + j['E last step']:7.2f}")
    return lines


@contextmanager
def targets_at_end_only(task: str) -> Iterator[None]:
    """While inside, task ``task`` draws its batches with the targets before the last step dropped."""
    draw = TASKS[task]

    def end_only(rng, n, **options):
        batch = draw(rng, n, **options)
        batch.has_target[:] = False                       # (B, T): a target at each sequence's last step only
        batch.has_target[np.arange(len(batch.lengths)), batch.lengths - 1] = True
        return batch

    TASKS[task] = end_only
    try:
        yield
    finally:
        TASKS[task] = draw


def train(preset: Preset, trials: int, sequences: int, seed: int, n: int) -> list[str]:
    """Train ``trials`` nets for ``sequences`` sequences; one line per trial on ``n`` fresh sequences."""
    run = TrialRun(preset, trials=trials, seed=seed, max_sequences=sequences)
    while run.seen < sequences and not all(r.solved or r.diverged for r in run.results):
        run.advance(min(10_000, sequences - run.seen))
    heads = [f"trial {k}: solved {r.solved} (cell added at {r.grown_at})" for k, r in enumerate(run.results)]
    lines = [f"{preset.name}: {trials} trials, {sequences:,} sequences each; on {n} fresh sequences:"]
    return lines + by_class(preset, run.params, heads, n, seed + 1)


def by_class(preset: Preset, params: dict[str, np.ndarray], heads: list[str], n: int, seed: int,
             errors: bool = False) -> list[str]:
    """One line per net of ``params`` (each (K, ...)), led by ``heads[k]``: on ``n`` fresh sequences the cell's
    state and the x / y outputs at the last step, by class; with ``errors`` also :func:`judge`'s figures."""
    p = preset.task_options["p"]
    batch = TASKS[preset.task](np.random.default_rng(seed), n, **preset.task_options)
    x = _inputs(batch, p)
    cls = batch.symbols[:, 0] - (p - 1)                    # 0: x, 1: y
    lines = []
    for k, head in enumerate(heads):
        one = {name: v[k:k + 1] for name, v in params.items()}
        tr = lstm.forward(preset.net, one, x)
        s_end, y_end = tr["s"][0, :, -1, 0], tr["y_k"][0, :, -1]
        parts = [head]
        for c, name in ((0, "x"), (1, "y")):
            m = cls == c
            parts.append(f"class {name}: s at the end {s_end[m].mean():+7.2f} ± {s_end[m].std():5.2f}, "
                         f"outputs x {y_end[m, p - 1].mean():.3f} y {y_end[m, p].mean():.3f}")
        if errors:
            j = judge(preset, one, batch)
            parts.append(f"meets the rule on {j['meets the rule']:.1%}, E before the end {j['E middle']:.2f} "
                         f"(x, y: {j['E of it from x, y']:.2f}), last step {j['E last step']:.2f}")
        lines.append("  " + " | ".join(parts))
    return lines


def kept(preset: Preset, results_dir: Path, n: int, seed: int) -> list[str]:
    """:func:`by_class` (with the errors) of the final weights of ``preset``'s trials kept in ``results_dir``."""
    from scripts.probe_2c import kept_weights

    order, final, _ = kept_weights(preset, results_dir)
    if not order:
        return [f"no trial of {preset.name} is kept in {results_dir}/.trials or .trials-done"]
    lines = [f"{len(order)} kept trials of {preset.name}, final weights; on {n} fresh sequences:"]
    return lines + by_class(preset, final, [f"trial {t}" for t in order], n, seed, errors=True)


def main(argv: list[str] | None = None) -> None:
    from scripts.readings import apply_overrides

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("hand", "train", "kept"))
    ap.add_argument("--preset", default=PRESET)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--sequences", type=int, default=1000, help="hand, kept: sequences judged; train: trained")
    ap.add_argument("--trials", type=int, default=2)
    ap.add_argument("--targets", choices=("every", "end"), default="every")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--results-dir", default=str(RESULTS_DIR), help="kept: where .trials and .trials-done are")
    args = ap.parse_args(argv)
    try:
        preset = apply_overrides(get_preset(args.preset), args.set)
        if args.sequences < 1 or args.trials < 1:
            raise ValueError("--sequences and --trials must be at least 1")
        if args.mode == "kept" and (args.set or args.targets == "end"):
            raise ValueError("kept trains nothing: --set and --targets do not apply")
        if preset.task != "lag_2b" and args.targets == "end":
            raise ValueError(f"--targets end is for Exp 2b's task, not {preset.task}")
    except (KeyError, ValueError) as exc:
        ap.error(str(exc))
    if args.mode == "hand":
        lines = hand(preset, args.sequences, args.seed)
    elif args.mode == "kept":
        lines = kept(preset, Path(args.results_dir), args.sequences, args.seed)
    elif args.targets == "end":
        with targets_at_end_only(preset.task):
            lines = train(preset, args.trials, args.sequences, args.seed, 400)
    else:
        lines = train(preset, args.trials, args.sequences, args.seed, 400)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
