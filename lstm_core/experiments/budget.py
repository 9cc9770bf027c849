"""How much generated data the trial loop holds: each task's sequence size, worked out from its options.

The trial loop pre-draws training sequences in chunks and draws its test sets in batches, and keeps
what it holds within :data:`DATA_BUDGET` (10,000 Exp 2c sequences at q = 1000 would be 80 GB at once).
The size of a sequence is known from the task's definition (spec §4), without drawing any:

* bytes per step: the input (the symbol's index, int64, for one-hot tasks — both engines read
  those — else the dense float64 row), the target row (float64, O units), the target flag (bool),
  the legal-successor row (bool, O units; Exp 1, 2a, 2b) and the noise-free target (float64; Exp 3c);
* steps of a long sequence: the longest one for tasks whose length is bounded (2a, 2b: p; Exps
  3-5: T + T/10; Exp 6: its layout's longest), and for the two with a geometric tail the length
  that about one sequence in :data:`TAIL` exceeds (Exp 2c: q + 3 + k with P(k) = 0.1 · 0.9^k;
  Reber strings, whose loops each continue with probability ½).

``tests/test_train.py`` checks both against sequences drawn for every preset.

Sized from the preset alone — never from K or the engine: a task's generator draws other sequences
for another batch size, and trial i must see the same data whether it runs alone, with K others,
on the kernels or on NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lstm_core.experiments.preset import Preset
from lstm_core.experiments.sizing import layer_sizes, task_options
from lstm_core.tasks import TASKS, temporal_order_layout
from lstm_core.tasks.batch import Batch

CHUNK = 64           # sequences generated per trial at a time (vectorised generators), at most
DATA_BUDGET = 512e6  # bytes of generated sequences held at once (training chunk, or one test batch)
TAIL = 1e-4          # a "long" sequence of an unbounded task: about this fraction is longer
F8, B1 = 8, 1        # bytes of a float64 / int64 and of a bool
DENSE_INPUTS = frozenset({"two_sequence", "adding", "multiplication"})   # the others: one-hot, held as indices
LEGAL_ROWS = frozenset({"reber", "embedded_reber", "lag_2a", "lag_2b"})  # the legal-successor test (Exps 1, 2a, 2b)


def _bounded_by_T(o: dict) -> int:
    return o["T"] + o["T"] // 10                          # Exps 3-5: lengths uniform in [T, T + T/10] (A15)


# task -> steps of a long sequence, from its options (completed with the task's defaults)
LONG_LENGTH: dict[str, Callable[[dict], int]] = {
    "reber": lambda o: 31,                                # measured: 1 string in 10^4 is longer
    "embedded_reber": lambda o: 35,
    "lag_2a": lambda o: o["p"],
    "lag_2b": lambda o: o["p"],
    "lag_2c": lambda o: o["q"] + 3 + math.ceil(math.log(TAIL) / math.log(0.9)),   # b, x/y, q + k, e; P(k >= n) = 0.9^n
    "two_sequence": _bounded_by_T,
    "adding": _bounded_by_T,
    "multiplication": _bounded_by_T,
    "temporal_order": lambda o: temporal_order_layout(o["n_relevant"], o.get("length", 100))[0][1],
}


def step_bytes(task: str, opts: dict) -> int:
    """Bytes one step of one sequence of ``task`` takes in the arrays the trial loop holds."""
    n_in, O = layer_sizes(task, opts)
    clean = task == "two_sequence" and task_options(task, opts)["variant"] == "c"    # Exp 3c's noise-free target
    return ((F8 * n_in if task in DENSE_INPUTS else F8) + F8 * O + B1
            + (B1 * O if task in LEGAL_ROWS else 0) + (F8 * O if clean else 0))


def long_length(task: str, opts: dict) -> int:
    """Steps of a long sequence of ``task``: the longest, or (2c, Reber) one exceeded about once in 1/TAIL."""
    return LONG_LENGTH[task](task_options(task, opts))


def sequence_bytes(preset: Preset) -> float:
    """Bytes the trial loop holds per generated sequence of ``preset``: a long one, and its stacked copy."""
    opts = preset.task_options
    return 2.0 * step_bytes(preset.task, opts) * long_length(preset.task, opts)


def within_budget(preset: Preset, trials: int, most: int) -> int:
    """How many sequences per trial (1 to ``most``) ``trials`` trials of ``preset`` may hold within DATA_BUDGET."""
    return int(np.clip(DATA_BUDGET // (sequence_bytes(preset) * trials), 1, most))


def chunk_size(preset: Preset) -> int:
    """Training sequences drawn per trial at a time (the preset's paper trial count sets it, not K)."""
    return within_budget(preset, preset.trials, CHUNK)


def final_test_batch(preset: Preset) -> int:
    """Post-training test sequences of one trial drawn and judged at a time (so they never depend on K)."""
    return within_budget(preset, 1, preset.stop.test_size or 1)


def draw(preset: Preset, rng: np.random.Generator, n: int) -> Batch:
    """``n`` fresh sequences of the preset's task from ``rng``."""
    return TASKS[preset.task](rng, n, **preset.task_options)
