"""The options of ``python -m lstm_core reproduce``, checked before any work, turned into a :class:`Plan`.

Every bad option is a :class:`UsageError` with a one-line message (the command exits 2 with it); nothing
is trained or written here, except that a sweep's results directory is created.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lab import files
from lab.cli_reproduce import add_arguments
from lab.results import RESULTS_DIR
from lab.trials import Row
from lstm_core.experiments import PRESETS, get_preset

MAX_TRIALS = 1000           # the paper runs at most 30
MAX_SEQUENCES = 10**9       # the paper's largest cap is 5,000,000
MAX_CHUNK = 10**9
MAX_SEED = 2**63 - 1
MAX_WORKERS = 1024


class UsageError(ValueError):
    """A bad option: reported as one line, exit status 2, before any work."""


@dataclass
class Plan:
    """What the command will do: the rows (one, or a sweep), where they run, where results go."""

    rows: list[Row]
    sweep: bool
    chunk: int
    workers: int
    scheduler: str | None
    json: Path | None
    out: Path | None
    results_dir: Path | None
    force: bool
    argv: tuple[str, ...] = ()    # the command line's words after ``python -m lstm_core`` (none from Python)

    @property
    def command(self) -> str | None:
        """The command line that made this run, stored with each result (None when run from Python)."""
        return "python -m lstm_core " + shlex.join(self.argv) if self.argv else None

    def command_for(self, name: str) -> str | None:
        """The command that runs row ``name`` alone with this run's options (:func:`row_command`): what a
        result file names as its ``command`` when the run had several rows (the run's own is then its
        ``sweep_command``); with one row, the command as given."""
        if not self.argv or (len(self.rows) <= 1 and "--all" not in self.argv):
            return self.command
        words = row_command(self.argv, name)
        if not any(_names_option(w, "--results-dir") for w in words):
            words += ["--results-dir", "runs/results"]   # the default, said: one row alone is a sweep only with it
        return "python -m lstm_core " + shlex.join(words)


@lru_cache(maxsize=1)
def value_options() -> tuple[str, ...]:
    """The options of ``reproduce`` that take a value (the rest are flags), read from its parser."""
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser)
    return tuple(opt for action in parser._actions if action.nargs != 0 for opt in action.option_strings)


def _names_option(word: str, option: str) -> bool:
    """True if ``word`` gives ``option`` (``--opt``, ``--opt=value`` or a prefix argparse accepts)."""
    head = word.split("=", 1)[0]
    return len(head) > 2 and head.startswith("--") and option.startswith(head)


def _takes_value(word: str) -> bool:
    """True for a value-taking option given without ``=`` (also as a prefix, which argparse accepts)."""
    return "=" not in word and any(_names_option(word, opt) for opt in value_options())


def row_command(argv: tuple[str, ...] | list[str], name: str) -> list[str]:
    """``argv`` (``reproduce PRESET ... [--all] OPTIONS``) with its rows replaced by ``name`` alone.

    Example: ``reproduce a b --max-sequences 5 --results-dir d`` gives ``reproduce a --max-sequences 5
    --results-dir d`` for ``a``. Each row's numbers do not depend on the others in its sweep (every row
    draws from its own streams), so this command gives the row's file again. Option values stay, even
    one spelled like a preset; ``--all`` goes.
    """
    words = list(argv)
    out = [words[0], name] if words else [name]
    i = 1
    while i < len(words):
        w = words[i]
        if w == "--all" or not w.startswith("-"):
            i += 1                                   # a row of the sweep (or --all): replaced by ``name``
            continue
        out.append(w)
        if _takes_value(w) and i + 1 < len(words):
            out.append(words[i + 1])
            i += 1
        i += 1
    return out


def paper_rows() -> list[str]:
    """Every row of the paper's tables we run: presets with a ``paper`` dict that are not classroom ones."""
    return [name for name, p in PRESETS.items() if not p.classroom and p.paper]


def default_workers() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return max(os.cpu_count() or 1, 1)


def _bounded(value, name: str, lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise UsageError(f"{name} must be between {lo:,} and {hi:,} (got {value:,})")


_ADDRESS = re.compile(r"^(?:(tcp|tls|ucx|inproc)://)?([^\s:/]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$")


def check_scheduler(address: str | None) -> str | None:
    """``HOST:PORT`` or ``tcp://HOST:PORT`` (Dask's default port is 8786)."""
    if address is None:
        return None
    m = _ADDRESS.match(address.strip())
    if not m or not 1 <= int(m.group(3)) <= 65535:
        raise UsageError(f"--scheduler wants HOST:PORT, e.g. 192.168.1.10:8786 (got {address!r})")
    return address.strip() if m.group(1) else f"tcp://{address.strip()}"


def plan_from_args(args) -> Plan:
    """Check every option and work out the rows; raises :class:`UsageError`. Nothing is trained here."""
    names = list(dict.fromkeys(args.presets or []))
    if args.all and names:
        raise UsageError("give preset names or --all, not both")
    if not args.all and not names:
        raise UsageError("name a preset (see `python -m lstm_core presets`) or give --all")
    _bounded(args.trials, "--trials", 1, MAX_TRIALS)
    _bounded(args.max_sequences, "--max-sequences", 1, MAX_SEQUENCES)
    _bounded(args.seed, "--seed", 0, MAX_SEED)
    _bounded(args.chunk, "--chunk", 1, MAX_CHUNK)
    _bounded(args.workers, "--workers", 1, MAX_WORKERS)
    scheduler = check_scheduler(args.scheduler)
    if scheduler and args.workers is not None:
        raise UsageError("--workers and --scheduler exclude each other (the Dask cluster has its own workers)")
    if scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
    presets = []
    for name in paper_rows() if args.all else names:
        try:
            presets.append(get_preset(name))
        except KeyError as exc:
            raise UsageError(exc.args[0] if exc.args else str(exc)) from None
    sweep = bool(args.all or len(presets) > 1 or args.results_dir is not None)
    if sweep and args.json is not None:
        raise UsageError("--json writes one preset's summary; a sweep writes <results-dir>/<preset>.json")
    try:
        json_path = files.check_file_target(args.json, "--json")
        out = files.check_dir_target(args.out, "--out")
        results_dir = None
        if sweep:
            results_dir = files.check_dir_target(args.results_dir if args.results_dir is not None else RESULTS_DIR,
                                                 "--results-dir", create=True)
    except files.PathProblem as exc:
        raise UsageError(str(exc)) from None
    rows = [Row(p, int(args.trials or p.trials), int(args.seed),
                int(args.max_sequences or p.stop.max_sequences)) for p in presets]
    workers = args.workers if args.workers is not None else default_workers()
    return Plan(rows, sweep, args.chunk, workers, scheduler, json_path, out, results_dir, bool(args.force),
                tuple(getattr(args, "argv", None) or ()))
