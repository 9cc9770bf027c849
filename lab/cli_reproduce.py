"""``python -m lstm_core reproduce PRESET ... | --all``: run paper rows and put ours beside the paper's.

One preset: its trials run on worker processes (default: every core) or a Dask cluster
(``--scheduler HOST:PORT``), with the same numbers as a serial run of the same seed; progress goes to
stderr, the comparison table to stdout; ``--json FILE`` writes the summary, ``--out DIR`` saves the run
for the app. ``--all`` (or several presets, or ``--results-dir``) is a resumable sweep writing
``runs/results/<preset>.json`` row by row. Ctrl-C, SIGTERM and SIGHUP stop cleanly: what was reached is
still reported and saved (unfinished trials count as not solved).

This module keeps the command's options and its table; the work is done by :mod:`lab.reproduce`
(imported inside :func:`main`: the engine never imports ``lab`` at module level).
"""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("presets", nargs="*", metavar="PRESET",
                        help="preset name(s) (see `python -m lstm_core presets`); several make a sweep")
    parser.add_argument("--all", action="store_true",
                        help="sweep every paper row at the paper's trial count and cap (resumable)")
    parser.add_argument("--trials", type=int, default=None, help="number of trials (default: the paper's)")
    parser.add_argument("--seed", type=int, default=0, help="one seed reproduces the whole run")
    parser.add_argument("--max-sequences", type=int, default=None,
                        help="training sequences per trial before giving up (default: the paper's cap)")
    parser.add_argument("--out", default=None, help="save the run here (config JSON + arrays .npz); "
                        "in a sweep, one folder per preset under it")
    parser.add_argument("--json", default=None, help="write the summary as JSON to this file (one preset)")
    parser.add_argument("--chunk", type=int, default=500, help="sequences between progress reports")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: every core; 1 = train here, in lockstep)")
    parser.add_argument("--scheduler", default=None, metavar="HOST:PORT",
                        help="run the trials on this Dask distributed scheduler's workers")
    parser.add_argument("--results-dir", default=None,
                        help="sweep: where rows are stored and looked up to resume (default: runs/results)")
    parser.add_argument("--force", action="store_true", help="sweep: rerun rows that are already stored")


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


def main(args) -> int:
    try:
        from lab.reproduce import main as reproduce
    except ModuleNotFoundError as exc:
        if exc.name != "lab":
            raise
        print("error: the reproduce command needs the lab package of the repository (run it from the "
              "repository root, or put the checkout on PYTHONPATH)", file=sys.stderr)
        return 2
    return reproduce(args)
