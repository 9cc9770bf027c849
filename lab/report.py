"""What ``python -m lstm_core reproduce`` reports and stores: a row's summary beside the paper's numbers.

:func:`annotate` makes the stored format of ``runs/results/*.json`` (what the Reproduce page reads);
:func:`print_table` prints the closing table, ours against the paper's; :func:`wall_text` is the one
duration format of the command line, the pages and the docs' tables.
"""

from __future__ import annotations

import sys

from lab.trials import Row


def wall_text(seconds: float) -> str:
    """A run's wall time, short: "39 s", "45 min", "2.1 h", "3.5 days" (from 48 h on)."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def annotate(summary: dict, row: Row, interrupted: bool, command: str | None = None,
             sweep_command: str | None = None) -> dict:
    """The stored format of runs/results/*.json: TrialRun.result() + interrupted, paper, classroom,
    experiment, and the command line that produced it (None when called from Python). A row run in a
    sweep of several gives ``command`` as the row's own command (the same options, this row alone) and
    the sweep's in ``sweep_command``."""
    p = row.preset
    out = {**summary, "interrupted": bool(interrupted), "paper": p.paper, "classroom": p.classroom,
           "experiment": p.experiment, "command": command}
    if sweep_command is not None and sweep_command != command:
        out["sweep_command"] = sweep_command
    return out


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
