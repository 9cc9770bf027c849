"""Write the README's table of our stored results beside the paper's rows (from ``runs/results/``).

One row per paper row, in the Reproduce page's order and with its verdict (the same
:func:`ui.reproduce_table.comparison_table`, so the README and the page cannot disagree), plus the
trials and sequence cap of the stored run and the command that made it. The table goes between the
``<!-- results-table:start -->`` and ``<!-- results-table:end -->`` markers of README.md.

    python -m scripts.results_table            # rewrite the README's table
    python -m scripts.results_table --check    # exit 1 if the README's table is out of date

From the repository root.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab import files
from lab.results import results_table
from ui.reproduce_table import (
    CLASSROOM_GROUP,
    NOT_YET,
    PAPER_ONLY,
    REPRODUCED,
    best_results,
    comparison_table,
    summary_counts,
)

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"


def _n(v) -> str:
    return "" if v is None or v != v else f"{v:,.0f}"


def _sequences(r: dict) -> str:
    if not r.get("successes"):
        return "—"
    lo, hi = r.get("min_sequences"), r.get("max_sequences")
    span = f" ({_n(lo)}–{_n(hi)})" if lo is not None and hi is not None and lo != hi else ""
    return f"{_n(r.get('mean_sequences'))}{span}"


def _paper(row) -> str:
    pct, after = str(row["paper_success_pct"]), str(row["paper_success_after"] or "")
    pct = "" if pct in ("", "None", "nan") else f"{pct} %"
    return ", ".join(x for x in (pct, after) if x)


def markdown(results: list[dict]) -> str:
    """The table (markdown) and a one-line count above it."""
    df = comparison_table(results)
    best = best_results(results)
    counts = summary_counts(df)
    paper = df[(df["group"] != CLASSROOM_GROUP) & (df["status"] != PAPER_ONLY)]
    lines = [f"{len(paper)} paper rows: **{counts['reproduced']} reproduced**, {counts['partly']} partly, "
             f"{counts['too_short']} run too short to tell (our cap below twice the paper's mean, or below its "
             f"budget where it never succeeded), "
             f"{counts['not_reproduced']} run but not reproduced, {counts['not_yet']} not yet run "
             "(verdict rule: `ui/reproduce_table.verdict`).", "",
             "| paper row | verdict | trials (cap) | solved | sequences to success, mean (min–max) | our test | "
             "paper | command |", "|---|---|---|---|---|---|---|---|"]
    for _, row in paper.iterrows():
        r = best.get(row["preset"])
        if r is None:
            lines.append(f"| {row['row']} | {NOT_YET} | | | | | {_paper(row)} | |")
            continue
        cmd = (f"`{r['command']}`" if r.get("command") else "made before commands were stored, as "
               f"`python -m lstm_core reproduce {row['preset']} --trials {r['trials']} "
               f"--max-sequences {r.get('max_sequences_cap')}`")
        status = f"**{row['status']}**" if row["status"] == REPRODUCED else row["status"]
        lines.append(f"| {row['row']} | {status} | {r['trials']} ({_n(r.get('max_sequences_cap'))}) | "
                     f"{r.get('successes', 0)}/{r['trials']} | {_sequences(r)} | {row['our_test']} | "
                     f"{_paper(row)} | {cmd} |")
    return "\n".join(lines)


def replace_between(text: str, block: str) -> str:
    """``text`` with what lies between the markers replaced by ``block``; ValueError without markers."""
    head, sep, rest = text.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"README.md needs the markers {START} and {END}")
    return f"{head}{START}\n{block}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the README's table is current")
    args = ap.parse_args(argv)
    problems: list = []
    new = replace_between(README.read_text(encoding="utf-8"), markdown(results_table(problems=problems)))
    for path, why in problems:
        print(f"skipped {path}: {why}", file=sys.stderr)
    if args.check:
        same = new == README.read_text(encoding="utf-8")
        print("README results table is current" if same else "README results table is out of date")
        return 0 if same else 1
    files.atomic_write_text(README, new)
    print(f"wrote the results table into {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
