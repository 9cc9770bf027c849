"""When did each trial of a saved run learn? The first time its running share of correct training sequences
reached 50 %, 90 % and 99 %, beside the count its stopping rule gave.

A paper's "success after N sequences" is its stopping rule's count; where ours is far above the paper's,
this tells whether our nets learn later, or learn as fast and only take longer to meet the rule (Exp 2c's
10,000 successive correct sequences: docs/reproduce.md)::

    python -m lstm_core reproduce exp2c_q50_p50 --max-sequences 300000 --workers 1 --out runs/mine/2c50
    python -m scripts.onset runs/mine/2c50

The share is read from the run's learning curve (``curves["ok"]``: the share correct of the last 100
training sequences, every 100 sequences), averaged over ``--over`` sequences (default 1,000). From the
repository root.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from lab.run_files import RunFileError
from lab.runs import SavedRun, load_run

LEVELS = (0.5, 0.9, 0.99)


def first_reached(seq: np.ndarray, ok: np.ndarray, level: float, points: int) -> int | None:
    """The sequence count at which the mean of ``points`` successive curve points first reaches ``level``.

    ``seq`` (P,) the curve's sequence counts; ``ok`` (P,) one trial's share correct (NaN once it stopped:
    a stopped trial keeps what it had, so NaN counts as its last value). None if never.
    """
    if len(ok) < points:
        return None
    filled = ok.copy()
    for i in range(1, len(filled)):                      # a frozen trial's NaN: carry its last value
        if np.isnan(filled[i]):
            filled[i] = filled[i - 1]
    filled = np.nan_to_num(filled, nan=0.0)
    window = np.convolve(filled, np.ones(points) / points, mode="valid")
    hit = np.flatnonzero(window >= level - 1e-12)
    return int(seq[hit[0] + points - 1]) if hit.size else None


def onsets(run: SavedRun, over: int = 1000) -> list[dict]:
    """Per trial: the first counts at :data:`LEVELS` and the rule's count (None if not solved)."""
    seq, ok = run.curves["seq"], run.curves["ok"]
    step = int(np.median(np.diff(seq))) if len(seq) > 1 else 1
    points = max(1, over // max(step, 1))
    counts = run.summary["sequences_to_success"]
    return [{"trial": k, **{f"{int(100 * lv)}%": first_reached(seq, ok[:, k], lv, points) for lv in LEVELS},
             "rule": counts[k] if k < len(counts) else None} for k in range(run.trials)]


def _mean(values: list) -> str:
    v = [x for x in values if x is not None]
    return f"{len(v)}/{len(values)}, mean {np.mean(v):,.0f}, median {np.median(v):,.0f}" if v else f"0/{len(values)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.onset", description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a saved run folder (reproduce --out DIR)")
    ap.add_argument("--over", type=int, default=1000, help="sequences the share is averaged over")
    args = ap.parse_args(argv)
    if args.over < 1:
        ap.error("--over must be >= 1")
    try:
        run = load_run(args.run)
    except RunFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = onsets(run, args.over)
    names = [f"{int(100 * lv)}%" for lv in LEVELS] + ["rule"]
    print(f"{run.preset.name}: {run.trials} trials; first sequence count at which the share correct of "
          f"{args.over:,} successive training sequences reached ...")
    print("trial " + "".join(f"{n:>12}" for n in names))
    for r in rows:
        print(f"{r['trial']:>5} " + "".join(f"{r[n]:>12,}" if r[n] is not None else f"{'-':>12}" for n in names))
    for n in names:
        print(f"{n:>5}: {_mean([r[n] for r in rows])}")
    paper = (run.preset.paper or {}).get("mean_sequences")
    if paper:
        print(f"the paper: mean {paper:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
