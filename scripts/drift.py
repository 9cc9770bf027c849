"""How far do the internal states s drift in untrained nets? (the paper's §4 "internal state drift")

Draws ``--nets`` networks of an LSTM preset as its trials start (the preset's own initialisation),
runs each on ``--sequences`` fresh sequences of its task, and prints per memory cell, at each
sequence's last input step: the median over nets of |s| (all sequences of all nets), its maximum,
the median over nets of |mean s| (the part of the drift common to a net's sequences), and h'(s) at
the median |s|. docs/reproduce.md quotes it for Exp 4 (drift grows with T) and Exp 2c (the gates'
activations as sources act as biases)::

    python -m scripts.drift exp4_adding_T500 --set net.bias_cells=true --nets 40 --sequences 50
    python -m scripts.drift exp2c_q100_p100 --nets 40 --sequences 50 --zero gate-sources

``--zero`` (repeatable) is a diagnosis, not a reading: the weights from those sources start at 0 —
``gate-sources`` (the gates' activations fed back, A28), ``inputs`` (every input unit), ``cell-bias``
(the cells' bias weights; the gates keep theirs).

``--after N ...`` follows the drift through training instead: the nets are then the row's own trials
0 .. nets−1 (``TrialRun``, the preset's stopping rule; a trial that meets it keeps its final weights),
and the table is printed after each N training sequences, on the same fresh sequences each time.
``--set`` changes the preset as in :mod:`scripts.readings`. For Exp 4 it shows the drift gone within the
first few thousand sequences, long before the plateau ends::

    python -m scripts.drift exp4_adding_T500 --set net.bias_cells=true --nets 2 --sequences 30 --after 0 800 6400 100000

From the repository root.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.experiments.learner import learner
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import fast
from lstm_core.nets.lstm import LSTMConfig, layout
from lstm_core.tasks import TASKS
from scripts.readings import apply_overrides, preset_arg

ZERO = ("gate-sources", "inputs", "cell-bias")


def zeroed(cfg: LSTMConfig, params: dict, which: list[str]) -> dict:
    """``params`` (K, ...) with the rows of ``W_h`` of the named sources (see :data:`ZERO`) set to 0."""
    L = layout(cfg)
    W_h = params["W_h"].copy()
    for name in which:
        if name == "gate-sources":
            if L.src_rec is None:
                raise ValueError("gate-sources: this net has no recurrent sources (connectivity B)")
            W_h[:, L.src_rec.start:L.src_rec.start + L.G, :] = 0.0
        elif name == "inputs":
            W_h[:, L.src_x, :] = 0.0
        elif name == "cell-bias":
            if not cfg.bias_cells:
                raise ValueError("cell-bias: this net has no cell biases (set net.bias_cells=true)")
            W_h[:, L.src_bias, L.cells] = 0.0
        else:
            raise ValueError(f"--zero takes {', '.join(ZERO)}, not {name!r}")
    return {**params, "W_h": W_h}


def drawn_params(preset, nets: int, seed: int) -> dict:
    """Freshly drawn weights (K = nets, ...) of ``preset``, as the row's trials 0 .. nets−1 would start."""
    return learner(preset).init([np.random.default_rng([seed, k, 1]) for k in range(nets)])


def final_states(preset, nets: int, sequences: int, seed: int, zero: list[str]) -> np.ndarray:
    """s at each sequence's last step: (nets, sequences, cells) for freshly drawn nets of ``preset``."""
    return states_of(preset, zeroed(preset.net, drawn_params(preset, nets, seed), zero), sequences, seed)


def trained_params(preset, nets: int, seed: int, after: list[int]):
    """(N, params) for each N in ``after`` (ascending): the weights (K = nets, ...) of the row's trials
    0 .. nets−1 after N training sequences (fewer for a trial that met the stopping rule)."""
    run = TrialRun(replace(preset, stop=replace(preset.stop, max_sequences=max(max(after), 1))),
                   trials=nets, seed=seed)
    for n in after:
        while run.seen < n and not run.done():
            run.advance(n - run.seen)
        yield n, run.synced_params()


def trained_states(preset, nets: int, sequences: int, seed: int, after: list[int]):
    """(N, s) for each N in ``after`` (ascending): s (nets, sequences, cells) of :func:`trained_params`,
    on the same sequences each time."""
    for n, params in trained_params(preset, nets, seed, after):
        yield n, states_of(preset, params, sequences, seed)


def trace_on(cfg: LSTMConfig, params: dict, batch) -> dict:
    """The forward trace (:func:`lstm_core.nets.fast.lstm_forward`) of each of the K nets ``params`` on the
    same ``batch`` (by symbol index where the task is one-hot)."""
    K = params["W_h"].shape[0]
    if batch.by_symbol:
        return fast.lstm_forward(cfg, params, sym=np.ascontiguousarray(
            np.broadcast_to(batch.symbols, (K,) + batch.symbols.shape)))
    return fast.lstm_forward(cfg, params, x=np.ascontiguousarray(np.broadcast_to(batch.x, (K,) + batch.x.shape)))


def states_of(preset, params: dict, sequences: int, seed: int) -> np.ndarray:
    """s at each sequence's last step, (nets, sequences, cells), for the nets ``params`` (K, ...)."""
    batch = TASKS[preset.task](np.random.default_rng([seed, 99]), sequences, **preset.task_options)
    tr = trace_on(preset.net, params, batch)
    last = batch.lengths - 1
    return tr["s"][:, np.arange(sequences), last]                    # (nets, sequences, CS)


def print_table(preset, s: np.ndarray, title: str) -> None:
    """Per cell: the median |s| over nets and sequences, its max, the median |mean s| per net, h′ there."""
    L = layout(preset.net)
    h = ACTIVATIONS[preset.net.h]
    print(title)
    print(f"{'cell':>5} {'block':>5} {'median |s|':>11} {'max |s|':>8} {'median |mean s|':>16} {'h′ at median':>13}")
    for c in range(L.CS):
        med = float(np.median(np.abs(s[..., c])))
        common = float(np.median(np.abs(s[..., c].mean(axis=1))))
        print(f"{c:>5} {c // L.S:>5} {med:>11.2f} {np.abs(s[..., c]).max():>8.2f} {common:>16.2f} "
              f"{float(h.deriv(np.array(med))):>13.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.drift", description=__doc__.splitlines()[0])
    ap.add_argument("preset")
    ap.add_argument("--nets", type=int, default=40)
    ap.add_argument("--sequences", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--zero", action="append", default=[], choices=ZERO)
    ap.add_argument("--after", type=int, nargs="+", metavar="N",
                    help="train the row's trials and print the table after each N training sequences")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change the preset")
    args = ap.parse_args(argv)
    if args.nets < 1 or args.sequences < 1:
        ap.error("--nets and --sequences must be >= 1")
    if args.after is not None and (min(args.after) < 0 or args.zero):
        ap.error("--after takes counts >= 0, and no --zero (the row's own nets are trained)")
    try:
        preset = apply_overrides(preset_arg(ap, args.preset), args.set)
    except (ValueError, TypeError) as exc:
        ap.error(str(exc))
    if not isinstance(preset.net, LSTMConfig):
        ap.error(f"{args.preset} is not an LSTM preset")
    changed = f" ({', '.join(args.set)})" if args.set else ""
    if args.after is not None:
        for n, s in trained_states(preset, args.nets, args.sequences, args.seed, sorted(args.after)):
            print_table(preset, s, f"{preset.name}{changed}: trials 0-{args.nets - 1} after {n:,} training "
                                   f"sequences, {args.sequences} fresh sequences each; s at the last step")
        return 0
    try:
        s = final_states(preset, args.nets, args.sequences, args.seed, args.zero)
    except ValueError as exc:
        ap.error(str(exc))
    zero = f", weights from {' and '.join(args.zero)} drawn as 0" if args.zero else ""
    print_table(preset, s, f"{preset.name}{changed}: {args.nets} untrained nets{zero}, {args.sequences} sequences "
                           "each; s at the last step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
