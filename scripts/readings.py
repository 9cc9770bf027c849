"""Test a reading of the paper: run a paper row with some settings changed, and store what it gave.

Where the paper's text and its numbers disagree (e.g. Exp 4's "logistic" output units), the lab
runs the row under each reading and keeps the one the numbers support. This script runs one
reading — a preset with ``--set`` overrides — on worker processes (``lab.sweep``; the numbers do
not depend on how many) and writes ``runs/readings/<preset>__<overrides>.json``: the summary, the
overrides, and the exact command. docs/reproduce.md quotes these files.

    python -m scripts.readings exp4_adding_T100 --set net.output=logistic --max-sequences 300000
    python -m scripts.readings exp2a_rtrl_p4_lr1 --set lr=4 --trials 18

    python -m scripts.readings exp2a_lstm_p100 --set construction.init=zero --set construction.freeze=true

``--set`` takes ``field=value`` (a Preset field), ``net.field=value``, ``stop.field=value``,
``construction.field=value`` (the sequential construction, spec A8: starts from the preset's, or
the defaults of :class:`~lstm_core.experiments.preset.Construction`; ``construction=none`` removes it) or
``task.option=value``; values are parsed as JSON where they can be (numbers, true/false), else text.
``--workers 1`` runs the trials in this process, in lockstep (the same numbers; the summary then
also has each trial's ``grown_at``).
From the repository root.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path

from lstm_core.experiments import get_preset
from lstm_core.experiments.preset import Construction, Preset

OUT = Path("runs/readings")


def _value(text: str):
    """``text`` parsed as JSON where it can be (a list becomes a tuple: configs are hashable), else as is."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return tuple(value) if isinstance(value, list) else value


def tag_of(pair: str) -> str:
    """A file-name part for one override: ``net.in_gate_bias=[-1,-2,-3]`` -> ``net_in_gate_bias--1_-2_-3``."""
    return pair.replace("=", "-").replace(".", "_").replace("[", "").replace("]", "").replace(",", "_")


def apply_overrides(preset: Preset, pairs: list[str]) -> Preset:
    """``preset`` with each ``key=value`` applied (see module docstring); raises ValueError on a bad key."""
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"--set needs key=value, not {pair!r}")
        value = _value(raw)
        part, _, name = key.rpartition(".")
        if part == "" and name == "construction":
            if value not in ("none", "on", None):
                raise ValueError("construction=none or construction=on (or set construction.field=value)")
            preset = replace(preset, construction=None if value in ("none", None) else Construction())
        elif part == "":
            if name not in {f.name for f in fields(Preset)}:
                raise ValueError(f"unknown preset field {name!r}")
            preset = replace(preset, **{name: value})
        elif part == "construction":
            obj = preset.construction or Construction()
            if name not in {f.name for f in fields(obj)}:
                raise ValueError(f"unknown construction field {name!r}")
            preset = replace(preset, construction=replace(obj, **{name: value}))
        elif part in ("net", "stop"):
            obj = getattr(preset, part)
            if name not in {f.name for f in fields(obj)}:
                raise ValueError(f"unknown {part} field {name!r}")
            preset = replace(preset, **{part: replace(obj, **{name: value})})
        elif part == "task":
            preset = replace(preset, task_options={**preset.task_options, name: value})
        else:
            raise ValueError(f"unknown override {key!r}: use field, net.field, stop.field, construction.field "
                             "or task.option")
    return preset


def preset_arg(ap: argparse.ArgumentParser, name: str) -> Preset:
    """The registered preset ``name``, or the parser's usage error naming the nearest names (exit 2)."""
    try:
        return get_preset(name)
    except KeyError as exc:
        ap.error(str(exc.args[0] if exc.args else exc))


def write_reading(name: str, record: dict, prog: str, argv: list[str], t0: float) -> tuple[Path, dict]:
    """``record`` plus its wall time since ``t0`` and the exact command (``python -m prog argv``), written
    atomically to ``runs/readings/<name>.json``; returns the path and the record written."""
    from lab.files import write_json

    record = {**record, "wall_seconds": time.perf_counter() - t0,
              "command": f"python -m {prog} " + " ".join(shlex.quote(a) for a in argv)}
    out = OUT / f"{name}.json"
    OUT.mkdir(parents=True, exist_ok=True)
    write_json(out, record)
    return out, record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.readings", description=__doc__.splitlines()[0])
    ap.add_argument("preset")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-sequences", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tag", default="", help="a name for the reading (default: from the overrides)")
    args = ap.parse_args(argv)
    try:
        preset = apply_overrides(preset_arg(ap, args.preset), args.set)
    except (ValueError, TypeError) as exc:
        ap.error(str(exc))
    trials = args.trials or preset.trials
    cap = args.max_sequences or preset.stop.max_sequences
    if trials < 1 or cap < 1 or args.workers < 1:
        ap.error("--trials, --max-sequences and --workers must be >= 1")
    from lab.backends import LocalPool
    from lab.sweep import run_rows
    from lab.trials import Row

    tag = args.tag or "__".join(tag_of(s) for s in args.set) or "as_preset"
    t0 = time.perf_counter()
    row = Row(replace(preset, stop=replace(preset.stop, max_sequences=cap)), trials, args.seed, cap)
    if args.workers == 1:                  # in this process, K trials in lockstep (the same numbers)
        outcome = next(iter(run_rows([row], None)))
    else:
        with LocalPool(args.workers) as pool:
            outcome = next(iter(run_rows([row], pool)))
    summary = outcome.summary
    out, record = write_reading(
        f"{args.preset}__{tag}",
        {"preset": args.preset, "overrides": args.set, "trials": trials, "seed": args.seed, "max_sequences": cap,
         "paper": preset.paper, "summary": summary,
         "construction": asdict(preset.construction) if preset.construction else None,
         "lr": preset.lr, "lr_factor": preset.lr_factor},
        "scripts.readings", sys.argv[1:] if argv is None else list(argv), t0)
    print(f"{args.preset} {args.set}: {summary['successes']}/{trials} solved, mean {summary['mean_sequences']}, "
          f"test {summary.get('test')}, {record['wall_seconds']:.0f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
