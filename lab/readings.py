"""The store of readings: ``runs/readings/<preset>__<tag>.json``, runs of a paper row with some settings changed.

A reading is what the lab tried where a row does not reproduce or the paper's text is open:
the preset run with ``--set`` overrides (``scripts.readings``, entry ``overrides``: e.g.
``["net.input_to_output=true"]``; ``[]`` is the preset as it stands), or with the error let back
in time through some units only (``scripts.probe_paths``, entries ``paths``, ``per_step``, ``keep``).
Each file holds ``preset``, ``seed``, ``trials``, ``max_sequences`` (the cap), ``summary`` (a run
summary, checked by :func:`lab.results.check_summary`), ``wall_seconds`` and ``command`` (the exact
command that made it); ``scripts.readings.write_reading`` writes them, docs/reproduce.md discusses them.

Pages read the store through :func:`readings_of` and :func:`reading_counts`, and name any file
that does not check instead of showing it.
"""

from __future__ import annotations

import glob
from collections import Counter
from pathlib import Path

from lab.results import check_summary, is_count, is_number, load_each, read_json
from lab.run_files import RunFileError

READINGS_DIR = Path(__file__).resolve().parent.parent / "runs" / "readings"


def check_reading(d: object) -> str:
    """"" if ``d`` is a well-formed reading (see the module docstring), else what is wrong, naming the entry."""
    if not isinstance(d, dict):
        return f"expected a JSON object, got {type(d).__name__}"
    if "overrides" not in d and "paths" not in d:
        return "neither 'overrides' nor 'paths': not a reading"
    required = {"preset": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
                "trials": lambda v: is_count(v) and v >= 1, "seed": is_count,
                "max_sequences": lambda v: is_count(v) and v >= 1, "summary": lambda v: True,
                "wall_seconds": is_number, "command": lambda v: isinstance(v, str) and 0 < len(v) <= 2000}
    if "paths" in d:                                  # scripts.probe_paths
        required |= {"paths": lambda v: isinstance(v, str) and 0 < len(v) <= 50,
                     "per_step": lambda v: isinstance(v, bool)}
    else:
        required["overrides"] = lambda v: isinstance(v, list) and len(v) <= 50 and all(
            isinstance(s, str) and 0 < len(s) <= 200 for s in v)
    for key, ok in required.items():
        if key not in d:
            return f"entry {key!r} is missing"
        if not ok(d[key]):
            return f"entry {key!r} has a wrong value ({d[key]!r})"[:200]
    why = check_summary(d["summary"], d["trials"])
    if why:
        return f"its summary: {why}"
    if d["summary"]["preset"] != d["preset"]:
        return f"its summary is of {d['summary']['preset']!r}, the reading of {d['preset']!r}"[:200]
    return ""


def changed_text(d: dict) -> str:
    """What a reading changed, as the command line says it: "net.g=h_pm1, net.h=g_pm2", "paths=none, per step",
    or "none (as preset)"."""
    if "paths" in d:
        return f"paths={d['paths']}" + (", per step" if d["per_step"] else "")
    return ", ".join(d["overrides"]) or "none (as preset)"


def load_reading(f) -> dict:
    """One reading file, validated, as a row for a table.

    Returns
    -------
    dict with ``preset``, ``changed`` (:func:`changed_text`), ``overrides`` (tuple of ``key=value``;
    empty for a probe), ``probe`` (``{"paths", "per_step"}`` or None), ``seed``, ``trials``, ``cap``,
    ``successes``, ``mean_sequences``, ``min_sequences``, ``max_sequences`` (None without a success),
    ``test`` (the summary's test numbers), ``wall_seconds``, ``command``, ``file`` (the file's name).

    Raises :class:`RunFileError` (naming the file and the entry) for anything unreadable or malformed.
    """
    f = Path(f)
    d = read_json(f, "a reading")
    why = check_reading(d)
    if why:
        raise RunFileError(f"{f.name}: {why}")
    s = d["summary"]
    probe = {"paths": d["paths"], "per_step": d["per_step"]} if "paths" in d else None
    return {"preset": d["preset"], "changed": changed_text(d), "overrides": tuple(d.get("overrides", ())),
            "probe": probe, "seed": d["seed"], "trials": d["trials"], "cap": d["max_sequences"],
            "successes": s["successes"], "mean_sequences": s["mean_sequences"],
            "min_sequences": s["min_sequences"], "max_sequences": s["max_sequences"], "test": s["test"],
            "wall_seconds": d["wall_seconds"], "command": d["command"], "file": f.name}


def _order(row: dict) -> tuple:
    """The preset as it is first, then the overrides in order, the probes last; then seed, trials, file."""
    probe = row["probe"]
    how = (probe["paths"], probe["per_step"]) if probe else ()
    return probe is not None, row["overrides"], how, row["seed"], row["trials"], row["file"]


def readings_of(preset: str, root=None) -> tuple[list[dict], list[tuple[Path, str]]]:
    """The readings of ``preset``: every ``<preset>__*.json`` under ``root`` (default ``runs/readings``).

    Returns
    -------
    rows : the well-formed readings (:func:`load_reading`), sorted by what they changed, then seed
    problems : (file, reason) for every file of that name that was skipped (damaged, not a reading,
        or a reading of another preset)
    """
    root = Path(root) if root is not None else READINGS_DIR
    files = sorted(root.glob(f"{glob.escape(preset)}__*.json")) if root.is_dir() else []
    rows, problems = load_each(files, load_reading)
    for r in [r for r in rows if r["preset"] != preset]:
        rows.remove(r)
        problems.append((root / r["file"], f"a reading of {r['preset']!r}, not of {preset!r}"))
    return sorted(rows, key=_order), problems


def reading_counts(root=None) -> Counter:
    """How many well-formed readings each preset has, over every ``*.json`` under ``root`` (default ``runs/readings``).

    Counts what :func:`readings_of` shows: files that check, named after the preset inside them.
    """
    root = Path(root) if root is not None else READINGS_DIR
    rows, _ = load_each(sorted(root.glob("*__*.json")) if root.is_dir() else [], load_reading)
    return Counter(r["preset"] for r in rows if r["file"].startswith(f"{r['preset']}__"))

