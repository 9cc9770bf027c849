"""Write the tables of our stored results (from ``runs/results/``) into README.md and docs/reproduce.md.

README.md: one row per paper row, in the Reproduce page's order and with its verdict (the same
:func:`ui.reproduce_table.comparison_table`, so the README and the page cannot disagree), plus the
trials and sequence cap of the stored run and the command that made it; between the
``<!-- results-table:start -->`` and ``<!-- results-table:end -->`` markers.

docs/reproduce.md: one row per stored file that carries its command line (``command``), in the same
order, with its wall time as stored (``seconds``) and the ``--workers`` of its command; between the
``<!-- stored-rows:start -->`` and ``<!-- stored-rows:end -->`` markers.

    python -m scripts.results_table            # rewrite both tables
    python -m scripts.results_table --check    # exit 1 if either table is out of date

From the repository root.
"""

from __future__ import annotations

import argparse
import re
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

ROOT = Path(__file__).resolve().parents[1]
README, REPRODUCE = ROOT / "README.md", ROOT / "docs" / "reproduce.md"
START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"
ROWS_START, ROWS_END = "<!-- stored-rows:start -->", "<!-- stored-rows:end -->"
_WORKERS = re.compile(r"(?:^|\s)--workers(?:=|\s+)(\d+)(?=\s|$)")


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


def workers(command: str) -> str:
    """The ``--workers N`` of a stored command line, as text; "-" if it gives none."""
    m = _WORKERS.search(command)
    return m.group(1) if m else "-"


def stored_rows(results: list[dict]) -> str:
    """docs/reproduce.md's table (markdown): every result that stored its command, in the README's row order.

    The order is :func:`ui.reproduce_table.comparison_table`'s (the README's and the Reproduce page's);
    a preset it does not list comes last. "wall" is the file's ``seconds`` (the row's wall time, all its
    trials, on a machine shared with other work), rounded to whole minutes (:func:`wall`: a row resumed from
    kept trials says so, its ``seconds`` being the last run's).
    """
    order = {name: i for i, name in enumerate(comparison_table(results)["preset"]) if name}
    rows = sorted((r for r in results if r.get("command")), key=lambda r: order.get(r["preset"], len(order)))
    lines = ["| preset | solved | cap | workers | wall (stored `seconds`; shared machine) | command |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['preset']}` | {r['successes']}/{r['trials']} | {_n(r.get('max_sequences_cap'))} | "
                     f"{workers(r['command'])} | {wall(r)} | `{r['command']}` |")
    return "\n".join(lines)


def wall(r: dict) -> str:
    """"12 min"; for a row finished from kept trials, the last run's minutes and how many trials it took over."""
    text = f"{max(1, round(r['seconds'] / 60))} min"
    resumed = r.get("trials_resumed")
    if isinstance(resumed, int) and resumed > 0:
        text += f" (the last run; {resumed} of its {r['trials']} trials were kept from earlier runs)"
    return text


def replace_between(text: str, block: str, start: str, end: str, where: str) -> str:
    """``text`` with what lies between the markers ``start`` and ``end`` replaced by ``block``.

    Raises ValueError naming ``where`` (the file) and the marker if either marker is missing (``end``
    must follow ``start``).
    """
    head, sep, rest = text.partition(start)
    if not sep:
        raise ValueError(f"{where} needs the marker {start}")
    _, sep, tail = rest.partition(end)
    if not sep:
        raise ValueError(f"{where} needs the marker {end} after {start}")
    return f"{head}{start}\n{block}\n{end}{tail}"


def rewritten(results: list[dict]) -> dict[Path, tuple[str, str]]:
    """For README.md and docs/reproduce.md: (the text now, the text with its table written from ``results``)."""
    out = {}
    for doc, block, start, end in ((README, markdown(results), START, END),
                                   (REPRODUCE, stored_rows(results), ROWS_START, ROWS_END)):
        old = doc.read_text(encoding="utf-8")
        out[doc] = old, replace_between(old, block, start, end, doc.relative_to(ROOT).as_posix())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that both tables are current")
    args = ap.parse_args(argv)
    problems: list = []
    results = results_table(problems=problems)
    for path, why in problems:
        print(f"skipped {path}: {why}", file=sys.stderr)
    stale = 0
    for doc, (old, new) in rewritten(results).items():
        where = doc.relative_to(ROOT).as_posix()
        if args.check:
            stale += new != old
            print(f"{where}: table is {'current' if new == old else 'out of date'}")
        else:
            files.atomic_write_text(doc, new)
            print(f"wrote the table into {where}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
