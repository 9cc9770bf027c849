"""Look inside Exp 2c training: what the two cells hold at the trigger e, while a few trials learn.

Trains ``--trials`` networks of an Exp 2c preset (``--set`` overrides as in :mod:`scripts.readings`)
one sequence at a time on the compiled kernel and, every ``--every`` sequences, runs the frozen
networks on 400 fresh sequences and prints per trial: the share processed correctly (ABS 0.2 at
the end), the internal states s at e for class x and class y (mean ± std over sequences, per cell),
h'(s) at e, the gates at e, and the weight sizes of the class inputs (x, y), the distractors and
the recurrent sources:

    python -m scripts.probe_2c exp2c_q100_p100 --trials 2 --sequences 60000 --every 5000

With ``--kept`` it trains nothing: it describes the final weights of the row's trials kept in pieces
(``runs/results/.trials`` while the row is under way, ``runs/results/.trials-done`` once it ended; or
``--results-dir``), and how far each trial's distractor weights moved from its first checkpoint (the
initial draw):

    python -m scripts.probe_2c exp2c_q1000_p500 --kept

From the repository root.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lab.results import RESULTS_DIR
from lab.trial_store import TrialStore, kept_rows
from lab.trials import Row
from lstm_core.experiments import get_preset
from lstm_core.nets import fast
from lstm_core.nets.lstm import layout
from lstm_core.tasks import TASKS
from scripts.drift import zeroed
from scripts.readings import apply_overrides


def describe(preset, params, rng, n_test: int = 400) -> list[str]:
    """One line per trial about the frozen networks ``params`` (K, ...) on ``n_test`` fresh sequences."""
    cfg, p = preset.net, preset.task_options["p"]
    L = layout(cfg)
    batch = TASKS[preset.task](rng, n_test, **preset.task_options)
    K = params["W_h"].shape[0]
    sym = np.broadcast_to(batch.symbols, (K,) + batch.symbols.shape)
    tr = fast.lstm_forward(cfg, params, sym=np.ascontiguousarray(sym))
    end = batch.lengths - 1
    rows = np.arange(n_test)
    cls = batch.y[rows, end, 1].astype(int)                      # 0: x, 1: y
    lines = []
    for k in range(K):
        y_k = tr["y_k"][k, rows, end]                              # (B, 2)
        ok = (np.abs(y_k - batch.y[rows, end]) < 0.2).all(1)
        s = tr["s"][k, rows, end]                                  # (B, C)
        a = tr["a"][k, rows, end]
        W = params["W_h"][k]
        parts = [f"ok {ok.mean():.2f} |e| {np.abs(y_k - batch.y[rows, end]).mean():.3f}"]
        for c in range(L.CS):
            sx, sy = s[cls == 0, c], s[cls == 1, c]
            hp = 1 - np.tanh(s[:, c] / 2) ** 2                      # h'(s)·2 for h = 2σ−1 = tanh(s/2)
            parts.append(f"c{c}: s|x {sx.mean():+6.2f}±{sx.std():4.2f} s|y {sy.mean():+6.2f}±{sy.std():4.2f} "
                         f"h' {hp.mean() / 2:.3f}")
        parts.append("y_in " + " ".join(f"{v:.2f}" for v in a[:, L.in_gate].mean(0)))
        parts.append("y_out " + " ".join(f"{v:.2f}" for v in a[:, L.out_gate].mean(0)))
        x_rows = W[[p + 2, p + 3]]                                 # the class inputs x, y
        parts.append(f"|w| x,y {np.abs(x_rows).mean():.2f} distr {np.abs(W[:p]).mean():.3f} "
                     f"rec {np.abs(W[L.src_rec]).mean():.2f} out {np.abs(params['W_k'][k]).mean():.2f}")
        lines.append(f"  trial {k}: " + " | ".join(parts))
    return lines


def kept_weights(preset, results_dir: Path) -> tuple[list[int], dict, dict]:
    """The trials of ``preset``'s row kept in ``results_dir/.trials`` (a row under way), else in
    ``results_dir/.trials-done`` (a row that ended): (their indices, their final weights and their first
    checkpoint's, each stacked to (K, ...)). Nothing kept: ([], {}, {})."""
    kept = kept_rows(results_dir, preset=preset.name) or kept_rows(results_dir, preset=preset.name, finished=True)
    if not kept:
        return [], {}, {}
    k = kept[0]
    row = Row(preset, k.trials, k.seed, k.cap)
    store = TrialStore(k.folder, row, k.folder.name.rpartition("-")[2])   # the folder's key, this engine's or not
    trials = store.load()
    order = sorted(trials)

    def stack(pick) -> dict:
        return {n: np.ascontiguousarray(np.concatenate([pick(trials[t])[n] for t in order]))
                for n in trials[order[0]]["params"]}

    return order, stack(lambda t: t["params"]), stack(lambda t: t["checkpoints"][0][1])


def describe_kept(preset, results_dir: Path, rng) -> list[str]:
    """:func:`describe` of the kept trials' final weights, and per trial how far its distractor weights moved."""
    order, final, first = kept_weights(preset, results_dir)
    if not order:
        return [f"no trial of {preset.name} is kept in {results_dir}/.trials or .trials-done"]
    p = preset.task_options["p"]
    lines = [f"{len(order)} kept trials of {preset.name} (trials {', '.join(map(str, order))}), final weights:"]
    lines += [line.replace(f"trial {k}:", f"trial {t}:", 1)
              for k, (t, line) in enumerate(zip(order, describe(preset, final, rng)))]
    moved = np.abs(final["W_h"][:, :p] - first["W_h"][:, :p]).mean(axis=(1, 2))
    start = np.abs(first["W_h"][:, :p]).mean(axis=(1, 2))
    lines.append("distractor weights, mean |change| since the first checkpoint (mean |w| there): " +
                 ", ".join(f"trial {t} {m:.4f} ({w:.3f})" for t, m, w in zip(order, moved, start)))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.probe_2c", description=__doc__.splitlines()[0])
    ap.add_argument("preset")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--trials", type=int, default=2)
    ap.add_argument("--sequences", type=int, default=60_000)
    ap.add_argument("--every", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--zero-gate-sources", action="store_true",
                    help="a diagnosis, not a reading: the weights from the gates' activations (as recurrent "
                         "sources, A28) start at 0, so they add no drift at the start")
    ap.add_argument("--kept", action="store_true",
                    help="train nothing: describe the final weights of the row's trials kept in pieces "
                         "(under way, or the row ended)")
    ap.add_argument("--results-dir", default=str(RESULTS_DIR), help="with --kept: where .trials and .trials-done are")
    args = ap.parse_args(argv)
    preset = apply_overrides(get_preset(args.preset), args.set)
    if args.kept:
        print("\n".join(describe_kept(preset, Path(args.results_dir), np.random.default_rng([args.seed, 99]))))
        return 0
    from lstm_core.experiments.learner import learner
    lrn = learner(preset)
    rngs = [np.random.default_rng([args.seed, k]) for k in range(args.trials)]
    params = lrn.init([np.random.default_rng([args.seed, k, 1]) for k in range(args.trials)])
    if args.zero_gate_sources:
        params = zeroed(preset.net, params, ["gate-sources"])
    test_rng = np.random.default_rng([args.seed, 99])
    lr = preset.effective_lr
    ok_hist = []
    print(f"{'0':>8}:\n" + "\n".join(describe(preset, params, test_rng)))
    for n in range(1, args.sequences + 1):
        batches = [TASKS[preset.task](r, 1, **preset.task_options) for r in rngs]
        T = max(b.symbols.shape[1] for b in batches)
        sym = np.full((args.trials, T), -1, np.int64)
        y = np.zeros((args.trials, T, preset.net.n_out))
        ht = np.zeros((args.trials, T), bool)
        for k, b in enumerate(batches):
            t = b.symbols.shape[1]
            sym[k, :t], y[k, :t], ht[k, :t] = b.symbols[0], b.y[0], b.has_target[0]
        params, out = fast.lstm_train_seq(preset.net, params, None, y, ht, lr, preset.update, sym=sym)
        end = [b.lengths[0] - 1 for b in batches]
        ok_hist.append([bool((np.abs(out["y_k"][k, end[k]] - y[k, end[k]]) < 0.2).all())
                        for k in range(args.trials)])
        if n % args.every == 0:
            recent = np.mean(ok_hist[-args.every:], axis=0)
            print(f"{n:>8}: training share correct (last {args.every}) {np.round(recent, 3)}")
            print("\n".join(describe(preset, params, test_rng)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
