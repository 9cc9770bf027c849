"""Our stored reproduce results and the rows under way (``runs/results``), read once per change of the files.

The Reproduce page, the Experiments page's paper box and student mode's answers all show them, often in
one rerun; they ask :func:`stored_runs`. The files are read again only when one of them changes (its name,
size, modification time or inode; the sweep writes atomically, by rename), so a row that finishes while
the app runs shows at the next rerun, and a rerun that finds nothing changed costs one directory listing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lab import results, trial_store
from ui.reproduce_table import best_results


@dataclass(frozen=True)
class StoredRuns:
    """What ``runs/results`` holds, as the pages show it."""

    results: list[dict]                     # every well-formed result file (lab.results.load_result), by file name
    problems: list[tuple[Path, str]]        # (file, reason) for every result file skipped
    best: dict[str, dict]                   # our best result of each preset (ui.reproduce_table.best_results)
    kept: list[trial_store.KeptRow]         # rows under way in pieces (lab.trial_store.kept_rows), by preset

    def under_way(self, preset: str) -> list[trial_store.KeptRow]:
        """Preset ``preset``'s rows under way (usually none, at most one a cap)."""
        return [k for k in self.kept if k.preset == preset]


def _stats(folder: Path, pattern_suffix: str) -> list[tuple]:
    """(name, size, mtime_ns, inode) of the files in ``folder`` whose names end in ``pattern_suffix``."""
    try:
        with os.scandir(folder) as it:
            out = []
            for e in it:
                if e.name.endswith(pattern_suffix) and e.is_file():
                    s = e.stat()
                    out.append((e.name, s.st_size, s.st_mtime_ns, s.st_ino))
            return sorted(out)
    except OSError:                                 # missing or unreadable: as if empty (the readers say so)
        return []


def signature(root: Path) -> tuple:
    """Everything whose change changes what :func:`stored_runs` reads: the result files and the kept trials."""
    trials = Path(root) / trial_store.DIR
    try:
        with os.scandir(trials) as it:
            folders = sorted(e.name for e in it if e.is_dir())
    except OSError:
        folders = []
    return (tuple(_stats(Path(root), ".json")),
            tuple((f, tuple(_stats(trials / f, ".npz"))) for f in folders))


@st.cache_data(show_spinner=False, max_entries=8)
def _read(root: str, sig: tuple) -> StoredRuns:
    """The files under ``root`` read; ``sig`` (their :func:`signature`) is only the cache's key."""
    problems: list = []
    rows = results.results_table(Path(root), problems=problems)
    return StoredRuns(results=rows, problems=problems, best=best_results(rows),
                      kept=trial_store.kept_rows(Path(root)))


def stored_runs(root: Path | None = None) -> StoredRuns:
    """What ``root`` (default ``lab.results.RESULTS_DIR``, looked up at the call) holds, read again only when
    its files changed since the last read."""
    root = Path(root) if root is not None else results.RESULTS_DIR
    return _read(str(root), signature(root))
