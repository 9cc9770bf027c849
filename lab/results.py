"""The store of reproduce results: one ``runs/results/<row>.json`` per paper row, read field by field.

A result is a run summary (:meth:`~lstm_core.experiments.train.TrialRun.result`) plus what the
reproduce sweep adds (``paper``, ``classroom``, ``experiment``, ``interrupted``). Pages read the
store through :func:`results_table` and show a reason instead of any file that does not check.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

from lab.run_files import MAX_CONFIG_BYTES, RunFileError

RESULTS_DIR = Path(__file__).resolve().parent.parent / "runs" / "results"


def is_count(v, none_ok: bool = False) -> bool:
    return (v is None and none_ok) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def is_number(v, none_ok: bool = False) -> bool:
    if v is None:
        return none_ok
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


_TEST_COUNTS = ("trials_tested", "test_size")


def check_summary(d: object, trials: int | None = None) -> str:
    """"" if ``d`` is a well-formed run summary (:meth:`TrialRun.result`, or a reproduce result, which adds
    ``paper``, ``classroom``, ``experiment``, ``interrupted``), else what is wrong, naming the entry.

    Checked field by field, so that anything a page formats or indexes has the type it expects.
    ``trials``, if given, must equal the summary's ``trials``.
    """
    if not isinstance(d, dict):
        return f"expected a JSON object, got {type(d).__name__}"
    required = {"preset": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
                "trials": lambda v: is_count(v) and v >= 1,
                "seed": is_count, "successes": is_count,
                "success_rate": lambda v: is_number(v) and v <= 1,
                "sequences_to_success": lambda v: isinstance(v, list),
                "mean_sequences": lambda v: is_number(v, none_ok=True),
                "min_sequences": lambda v: is_number(v, none_ok=True),
                "max_sequences": lambda v: is_number(v, none_ok=True),
                "test": lambda v: isinstance(v, dict), "seconds": lambda v: is_number(v)}
    optional = {"sequences_presented": lambda v: isinstance(v, list), "st1_at": lambda v: isinstance(v, list),
                "diverged": lambda v: isinstance(v, list), "sequences_seen": is_count,
                "max_sequences_cap": is_count, "interrupted": lambda v: isinstance(v, bool),
                "classroom": lambda v: isinstance(v, bool), "experiment": lambda v: isinstance(v, str),
                "paper": lambda v: v is None or isinstance(v, dict), "trials_resumed": is_count,
                "trial_seconds": lambda v: is_number(v)}
    for key in required:
        if key not in d:
            return f"entry {key!r} is missing"
    for key, v in d.items():
        ok = required.get(key) or optional.get(key)
        if ok is None:
            continue                          # an entry a later version added: not read by this lab
        if not ok(v):
            return f"entry {key!r} has a wrong value ({v!r})"[:200]
    K = d["trials"]
    if trials is not None and K != trials:
        return f"it counts {K} trials, the run has {trials}"
    if d["successes"] > K:
        return f"{d['successes']} successes out of {K} trials"
    for key in ("sequences_to_success", "sequences_presented", "st1_at"):
        if key in d:
            v = d[key]
            if len(v) != K:
                return f"entry {key!r} should have one entry per trial ({K}), has {len(v)}"
            if not all(is_count(x, none_ok=True) for x in v):
                return f"entry {key!r} should hold sequence counts or null"
    if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < K for x in d.get("diverged", [])):
        return "entry 'diverged' should list trial numbers"
    for k, v in d["test"].items():
        if k in _TEST_COUNTS and not is_count(v):
            return f"entry 'test.{k}' should be a whole number >= 0, got {v!r}"[:200]
        if not is_number(v):
            return f"entry 'test.{k}' should be a number >= 0, got {v!r}"[:200]
    return ""


def read_json(f: Path, what: str) -> object:
    """The JSON value in file ``f`` (at most ``MAX_CONFIG_BYTES``); :class:`RunFileError` naming the file if not.

    ``what`` names the kind of file in the message ("a result", "a reading").
    """
    try:
        if f.stat().st_size > MAX_CONFIG_BYTES:
            raise RunFileError(f"{f.name}: {f.stat().st_size:,} bytes is far too large for {what}")
        return json.loads(f.read_text(encoding="utf-8"))
    except RunFileError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunFileError(f"{f.name}: not readable as JSON ({type(exc).__name__}: {exc})"[:300]) from None


def load_each(files: Iterable[Path], load) -> tuple[list[dict], list[tuple[Path, str]]]:
    """``load(f)`` of every file; returns (the loaded, (file, reason) for each that raised RunFileError)."""
    rows, problems = [], []
    for f in files:
        try:
            rows.append(load(f))
        except RunFileError as exc:
            why = str(exc)
            problems.append((f, why[len(f.name) + 2:] if why.startswith(f"{f.name}: ") else why))
    return rows, problems


def load_result(f) -> dict:
    """One reproduce result file (``runs/results/*.json``), validated field by field.

    Returns the result with a ``"file"`` entry added. Raises :class:`RunFileError` (whose message names
    the file and the entry) for anything unreadable, malformed or of the wrong type; never anything else.
    Pages call this (or :func:`load_results`) and show the message instead of the row.
    """
    f = Path(f)
    d = read_json(f, "a result")
    why = check_summary(d)
    if why:
        raise RunFileError(f"{f.name}: {why}")
    return {**d, "file": f.name}


def load_results(root=None) -> tuple[list[dict], list[tuple[Path, str]]]:
    """Read every ``*.json`` reproduce result under ``root`` (default ``runs/results``).

    Returns
    -------
    rows : the well-formed results, each with a ``"file"`` entry added, sorted by file name
    problems : (file, reason) for every file that was skipped
    """
    root = Path(root) if root is not None else RESULTS_DIR
    return load_each(sorted(root.glob("*.json")) if root.is_dir() else [], load_result)


def results_table(root=None, problems: list | None = None) -> list[dict]:
    """The stored reproduce results (see :func:`load_results`); skipped files go to ``problems`` if given."""
    rows, bad = load_results(root)
    if problems is not None:
        problems.extend(bad)
    return rows
