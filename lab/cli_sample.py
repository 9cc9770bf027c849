"""``python -m lstm_core sample PRESET --n N --seed S [--json]``: show a preset's task data.

PRESET is a preset name of :data:`lstm_core.experiments.PRESETS` (its ``task`` and
``task_options`` are used) or a key of :data:`lstm_core.tasks.TASKS` (default
options). ``--set KEY=VALUE`` overrides one task option (VALUE is read as JSON
when it parses, else as a string), e.g. ``sample adding --set T=10``.

With ``--json`` stdout is one JSON object::

    {"task": "adding", "options": {"T": 100},
     "sequences": [{"inputs": [[v, m], ...], "targets": [null, ..., [0.61]]}, ...]}

with one entry per real step of each sequence (``targets[t]`` is null where no error
is injected) and, for symbolic tasks, ``"string"``: the whole symbol string.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from lab.serialize import check_task_options
from lstm_core.experiments import PRESETS
from lstm_core.tasks import TASK_INFO, TASKS, Batch, describe_sequence


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("preset", help="a preset name (see the 'presets' command) or a task: "
                        + ", ".join(TASKS))
    parser.add_argument("--n", type=int, default=1, help="number of sequences (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of numpy.random.default_rng (default 0)")
    parser.add_argument("--json", action="store_true", help="write the sequences as JSON to stdout")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a task option, e.g. --set T=10 (repeatable)")


def resolve(name: str) -> tuple[str | None, dict]:
    """(task key, task options) of a preset or task name; (None, {}) if it is neither."""
    if name in PRESETS:
        return PRESETS[name].task, dict(PRESETS[name].task_options)
    if name in TASKS:
        return name, dict(TASK_INFO[name]["defaults"])
    return None, {}


MAX_N = 1_000_000          # sequences per call
MAX_BYTES = 256e6          # bytes of generated arrays per call (a few times that while printing JSON)


def _sequence_bytes(task: str, options: dict) -> float:
    """Bytes of one generated sequence (from 4 drawn with a throwaway generator; options already checked)."""
    b = TASKS[task](np.random.default_rng(0), 4, **options)
    arrays = [getattr(b, k, None) for k in ("x", "y", "has_target", "legal", "y_clean")]
    return 2 * sum(a.nbytes for a in arrays if isinstance(a, np.ndarray)) / 4   # 2: longer sequences than these


def _parse_overrides(pairs: list[str]) -> dict:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def batch_to_json(task: str, options: dict, batch: Batch) -> dict:
    """The JSON document of the ``--json`` output (real steps only)."""
    sequences = []
    for b in range(batch.B):
        L = int(batch.lengths[b])
        seq = {
            "inputs": batch.x[b, :L].tolist(),
            "targets": [batch.y[b, t].tolist() if batch.has_target[b, t] else None for t in range(L)],
        }
        if batch.strings is not None:
            seq["string"] = batch.strings[b]
        sequences.append(seq)
    return {"task": task, "options": options, "sequences": sequences}


def main(args: argparse.Namespace) -> int:
    task, options = resolve(args.preset)
    if task is None:
        print(f"sample: unknown preset or task {args.preset!r}.\n  tasks: {', '.join(TASKS)}"
              f"\n  presets: {', '.join(sorted(PRESETS))}", file=sys.stderr)
        return 2
    if not 1 <= args.n <= MAX_N:
        print(f"sample: --n must be between 1 and {MAX_N:,}, got {args.n:,}", file=sys.stderr)
        return 2
    if args.seed < 0:
        print(f"sample: --seed must be >= 0, got {args.seed}", file=sys.stderr)
        return 2
    try:
        options.update(_parse_overrides(args.set))
        check_task_options(task, options, where="--set")      # types and ranges, before anything is drawn
    except ValueError as exc:
        print(f"sample: {str(exc).replace('--set.', '--set ', 1)}", file=sys.stderr)
        return 2
    one = _sequence_bytes(task, options)
    if one * args.n > MAX_BYTES:
        print(f"sample: {args.n:,} sequences of this task take about {one * args.n / 1e6:,.0f} MB; at most "
              f"{MAX_BYTES / 1e6:,.0f} MB (--n {max(1, int(MAX_BYTES // one)):,}) at a time", file=sys.stderr)
        return 2
    try:
        batch = TASKS[task](np.random.default_rng(args.seed), args.n, **options)
    except (TypeError, ValueError) as exc:
        print(f"sample: bad options {options} for task {task!r}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(batch_to_json(task, options, batch), sys.stdout)
        sys.stdout.write("\n")
        return 0
    info = TASK_INFO[task]
    print(f"{task} {info['section']}  options {options}  seed {args.seed}")
    print(f"  {info['description']}")
    print(f"  {batch.B} sequence(s), {batch.n_in} input(s), {batch.n_out} output(s), "
          f"lengths {batch.lengths.min()}..{batch.lengths.max()}, "
          f"{int(batch.has_target.sum())} target step(s)")
    for b in range(batch.B):
        print(f"  #{b}: {describe_sequence(batch, b)}")
    return 0
