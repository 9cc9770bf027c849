"""``python -m lstm_core presets [--json]``: list the named presets.

Without ``--json``: a table grouped by experiment (name, classroom flag, number of
weights, learning rate, trials, the paper's headline number). With ``--json``: a JSON
list with one object per preset (keys in :func:`preset_to_json`), followed on request
(``--paper-only``) by the table rows of methods we do not run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from lstm_core.experiments import (
    EXPERIMENT_TITLES,
    PAPER_ONLY_ROWS,
    PRESETS,
    paper_headline,
    presets_by_experiment,
    weight_count,
)
from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="write a JSON list of presets to stdout")
    parser.add_argument("--experiment", metavar="ID", help="only this experiment, e.g. 2c or 4")
    parser.add_argument("--paper-only", action="store_true",
                        help="list the table rows of methods this lab does not run (ELM, RCC, chunker, ...)")


def preset_to_json(p: Preset) -> dict:
    """One preset as a JSON-ready dict (tuples become lists)."""
    return {
        "name": p.name,
        "experiment": p.experiment,
        "experiment_title": EXPERIMENT_TITLES[p.experiment],
        "title": p.title,
        "description": p.description,
        "classroom": bool(p.classroom),
        "section": p.section,
        "model": p.model,
        "weights": weight_count(p),
        "lr": p.lr,
        "update": p.update,
        "gradient": p.gradient,
        "trials": p.trials,
        "task": p.task,
        "task_options": dict(p.task_options),
        "train_set_size": p.train_set_size,
        "net": {"type": type(p.net).__name__, **dataclasses.asdict(p.net)},
        "stop": dataclasses.asdict(p.stop),
        "paper": p.paper,
        "paper_headline": paper_headline(p.paper),
        "deviations": list(p.deviations),
    }


def _table(groups: dict[str, list[Preset]]) -> str:
    lines = []
    width = max(len(p.name) for ps in groups.values() for p in ps)
    for exp, presets in groups.items():
        lines.append(f"Exp {exp}: {EXPERIMENT_TITLES[exp]}")
        lines.append(f"  {'name':<{width}}  {'kind':<9} {'model':<8} {'weights':>7} {'lr':>5} {'trials':>6}  paper")
        for p in presets:
            kind = ("baseline" if not NETS[p.model].has_cells else "classroom") if p.classroom else "paper"
            lines.append(f"  {p.name:<{width}}  {kind:<9} {p.model:<8} {weight_count(p):>7} {p.lr:>5g} "
                         f"{p.trials:>6}  {paper_headline(p.paper) or '-'}")
        lines.append("")
    return "\n".join(lines)


def _paper_only_table() -> str:
    lines = ["Table rows of methods this lab does not run:"]
    for row in PAPER_ONLY_ROWS:
        numbers = ", ".join(f"{k} {v}" for k, v in row["numbers"].items())
        lines.append(f"  Exp {row['experiment']}  {row['method']}: {numbers}")
        lines.append(f"      why not run: {row['why_not_run']}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    groups = presets_by_experiment()
    if args.experiment is not None:
        if args.experiment not in groups:
            print(f"presets: unknown experiment {args.experiment!r}; choose from {', '.join(groups)}", file=sys.stderr)
            return 2
        groups = {args.experiment: groups[args.experiment]}
    if args.json:
        if args.paper_only:
            rows = [r for r in PAPER_ONLY_ROWS if args.experiment in (None, r["experiment"])]
            json.dump(rows, sys.stdout, ensure_ascii=False)
        else:
            json.dump([preset_to_json(p) for ps in groups.values() for p in ps], sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if args.paper_only:
        print(_paper_only_table())
        return 0
    print(_table(groups))
    n_class = sum(p.classroom for p in PRESETS.values())
    print(f"{len(PRESETS) - n_class} paper rows, {n_class} classroom presets and baselines; "
          f"{len(PAPER_ONLY_ROWS)} rows of methods not run (--paper-only).")
    return 0
