"""The readings of a paper row as a table: what was changed, and what it gave.

Pure (pandas, no Streamlit). :func:`readings_frame` takes the rows of
:func:`lab.readings.readings_of`; the Experiments page shows it under the paper's box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from lab.report import wall_text
from ui.reproduce_table import cell_text

READINGS_CAPTION = (
    "A reading is a run of this row with some settings changed (`python -m scripts.readings --set key=value`, "
    "or the backward paths of `scripts.probe_paths`): one way to read the paper's text, tried mostly where a row "
    "does not reproduce. docs/reproduce.md discusses them.")

# column -> (label, help, width in px at the page's normal font size, or a Streamlit width name): the first
# four fit the ~530 px a 1024-px screen leaves beside the sidebar; the rest scroll into view
READINGS_COLUMNS: dict[str, tuple[str, str, int | str]] = {
    "changed": ("Changed", "The settings changed from the preset (key=value as given to --set, without the part "
                           "before the dot: init=zero is construction.init=zero; the Command column has them in "
                           "full), or the probe's backward paths.", 230),
    "solved": ("Solved", "Trials that met the paper's stopping rule before the cap, of all trials.", 58),
    "sequences": ("Mean seqs (min–max)", "Training sequences until success: the mean over the successful "
                                         "trials (the fewest–the most).", 150),
    "cap": ("Cap", "The sequences each trial was allowed before it counted as failed.", 72),
    "seed": ("Seed", "The run's seed (trials get child generators of it).", 48),
    "wall": ("Wall", "Wall-clock time of the whole run.", 60),
    "command": ("Command", "The exact command that made it, from the repository root.", 620),
    "file": ("File", "The reading's file under runs/readings/.", "medium"),
}


def sequences_text(mean: float | None, lo: float | None, hi: float | None) -> str:
    """"38,277 (17,900–73,500)"; "—" when no trial succeeded; the mean alone for a single success."""
    if mean is None:
        return "—"
    if lo is None or hi is None or lo == hi:
        return cell_text(mean)
    return f"{cell_text(mean)} ({cell_text(lo)}–{cell_text(hi)})"


def short_changed(text: str) -> str:
    """The "Changed" cell: each ``section.key=value`` of a reading as ``key=value`` ("construction.init=zero,
    construction.freeze=true" -> "init=zero, freeze=true"), so that what tells the readings apart fits the column."""
    parts = []
    for part in text.split(", "):
        key, eq, value = part.partition("=")
        parts.append(f"{key.rsplit('.', 1)[-1]}{eq}{value}" if eq else part)
    return ", ".join(parts)


def readings_frame(rows: Iterable[Mapping]) -> pd.DataFrame:
    """One text row per reading, columns ``READINGS_COLUMNS`` (keys), in the order of ``rows``."""
    out = [{"changed": short_changed(r["changed"]), "solved": f"{r['successes']}/{r['trials']}",
            "sequences": sequences_text(r["mean_sequences"], r["min_sequences"], r["max_sequences"]),
            "cap": cell_text(r["cap"]), "seed": str(r["seed"]), "wall": wall_text(r["wall_seconds"]),
            "command": r["command"], "file": r["file"]} for r in rows]
    return pd.DataFrame(out, columns=list(READINGS_COLUMNS))
