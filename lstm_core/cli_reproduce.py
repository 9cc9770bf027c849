"""``python -m lstm_core reproduce PRESET``: run a preset's trials and put our row beside the paper's.

Progress goes to stderr; the comparison table to stdout; ``--json FILE`` writes the
summary, ``--out DIR`` saves the run for the app. Ctrl-C stops cleanly: what was
reached is still reported and saved (unfinished trials count as not solved).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("preset", help="preset name (see `python -m lstm_core presets`)")
    parser.add_argument("--trials", type=int, default=None, help="number of trials (default: the paper's)")
    parser.add_argument("--seed", type=int, default=0, help="one seed reproduces the whole run")
    parser.add_argument("--max-sequences", type=int, default=None,
                        help="training sequences per trial before giving up (default: the paper's cap)")
    parser.add_argument("--out", type=Path, default=None, help="save the run here (config JSON + arrays .npz)")
    parser.add_argument("--json", type=Path, default=None, help="write the summary as JSON to this file")
    parser.add_argument("--chunk", type=int, default=500, help="sequences between progress lines")


def _fmt(v, pct=False) -> str:
    if v is None:
        return "-"
    if pct:
        return f"{100 * v:.0f}%"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return f"{int(v):,}"


def comparison_rows(summary: dict, paper: dict | None) -> list[tuple[str, str, str]]:
    """(quantity, ours, paper's) rows for the closing table."""
    paper = paper or {}
    test = summary.get("test") or {}
    rows = [
        ("trials", _fmt(summary["trials"]), _fmt(paper.get("trials"))),
        ("success", _fmt(summary["success_rate"], pct=True),
         f"{paper['success_pct']}%" if paper.get("success_pct") is not None else "-"),
        ("mean sequences to success", _fmt(summary["mean_sequences"]), _fmt(paper.get("mean_sequences"))),
        ("min sequences", _fmt(summary["min_sequences"]), _fmt(paper.get("min_sequences"))),
        ("max sequences", _fmt(summary["max_sequences"]), _fmt(paper.get("max_sequences"))),
    ]
    solved = [n is not None for n in summary["sequences_to_success"]]
    shown = [m for m, ok in zip(summary.get("sequences_presented") or [], solved) if ok]
    if shown and shown != [n for n in summary["sequences_to_success"] if n is not None]:
        # ABS rules: the count above stops where the winning streak began (the paper's count)
        rows.append(("mean sequences presented (incl. streak)", _fmt(sum(shown) / len(shown)), "-"))
    st1 = [s for s in summary.get("st1_at", []) if s is not None]
    if st1 or paper.get("st1_sequences") is not None:
        rows.append(("mean sequences to ST1", _fmt(sum(st1) / len(st1) if st1 else None),
                     _fmt(paper.get("st1_sequences"))))
    if test:
        n = test.get("test_size", 0)
        wrong = test.get("wrong_mean", 0.0)
        rows.append(("wrong on test set (mean)", f"{wrong:.3g} of {n:,} ({wrong / max(n, 1):.3g})",
                     str(paper.get("wrong", paper.get("fraction_misclassified", "-")))))
        rows.append(("test MSE (mean)", f"{test.get('mse_mean', float('nan')):.3g}", _fmt(paper.get("mse"))))
    return rows


def print_table(summary: dict, paper: dict | None, out=sys.stdout) -> None:
    rows = comparison_rows(summary, paper)
    w = max(len(r[0]) for r in rows)
    print(f"\n{summary['preset']}  (seed {summary['seed']}, {summary['seconds']:.1f} s)", file=out)
    print(f"{'':{w}}  {'ours':>18}  {'paper':>18}", file=out)
    for name, ours, theirs in rows:
        print(f"{name:{w}}  {ours:>18}  {theirs:>18}", file=out)
    if summary.get("diverged"):
        print(f"diverged trials (stopped, counted as failures): {summary['diverged']}", file=out)
    if summary.get("interrupted"):
        print("interrupted: unfinished trials are counted as not solved", file=out)


def _progress_line(p, t0: float) -> str:
    eta = f"{p.eta / 60:.1f} min to the cap" if p.eta else "-"
    return (f"\r{p.sequences:>10,} seq/trial | solved {p.solved}/{p.trials} | failed {p.failed} | "
            f"{p.rate:,.0f} seq/s | {time.time() - t0:,.0f} s | ETA {eta}   ")


def main(args) -> int:
    from .experiments import get_preset
    from .train import TrialRun

    try:
        preset = get_preset(args.preset)
    except KeyError as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    if args.trials is not None and args.trials < 1 or args.max_sequences is not None and args.max_sequences < 1:
        print("error: --trials and --max-sequences must be >= 1", file=sys.stderr)
        return 2
    run = TrialRun(preset, trials=args.trials, seed=args.seed, max_sequences=args.max_sequences)
    t0 = time.time()
    interrupted = False
    try:
        for p in run.advance_iter(chunk=args.chunk):
            print(_progress_line(p, t0), end="", file=sys.stderr, flush=True)
            if p.message:
                print(f"\n{p.message}", file=sys.stderr)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: reporting what was reached", file=sys.stderr)
    print(file=sys.stderr)
    summary = run.result()
    summary["interrupted"] = interrupted
    summary["paper"] = preset.paper
    summary["classroom"] = preset.classroom
    summary["experiment"] = preset.experiment
    print_table(summary, preset.paper)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1, default=float))
    if args.out:
        from .runs import save_run
        path = save_run(run, args.out)
        print(f"run saved to {path}", file=sys.stderr)
    return 130 if interrupted else 0
