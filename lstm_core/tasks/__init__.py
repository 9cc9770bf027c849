"""Generators for every experiment of the paper's Section 5 (spec §4; choices of §7).

Every generator is a pure function ``fn(rng, n, **options) -> Batch`` of a
``numpy.random.Generator``: one seed gives one dataset. The code is split by
experiment; this module gathers the registry and re-exports the public names.

=====================  ==============================  ====================================
key                    experiment                      module
=====================  ==============================  ====================================
``reber``              plain Reber grammar             :mod:`lstm_core.tasks.reber`
``embedded_reber``     Exp 1, embedded Reber grammar   :mod:`lstm_core.tasks.reber`
``lag_2a``             Exp 2a, two fixed sequences     :mod:`lstm_core.tasks.lag`
``lag_2b``             Exp 2b, random middle           :mod:`lstm_core.tasks.lag`
``lag_2c``             Exp 2c, very long lags          :mod:`lstm_core.tasks.lag`
``two_sequence``       Exps 3a/3b/3c                   :mod:`lstm_core.tasks.real`
``adding``             Exp 4, adding problem           :mod:`lstm_core.tasks.real`
``multiplication``     Exp 5, multiplication problem   :mod:`lstm_core.tasks.real`
``temporal_order``     Exps 6a/6b                      :mod:`lstm_core.tasks.order`
=====================  ==============================  ====================================

Left out: Bengio et al.'s variant of the 2-sequence problem with lengths T/2 (the
paper's own runs use [T, T + T/10] only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstm_core.tasks.batch import Batch, concat, split_symbols
from lstm_core.tasks.lag import lag_2a, lag_2b, lag_2c, lag_2c_alphabet, lag_alphabet
from lstm_core.tasks.order import (
    TEMPORAL_ORDER_ALPHABET,
    TEMPORAL_ORDER_CLASSES,
    TEMPORAL_ORDER_LENGTHS,
    TEMPORAL_ORDER_POSITIONS,
    temporal_order,
    temporal_order_class,
    temporal_order_label,
    temporal_order_layout,
)
from lstm_core.tasks.real import INPUT_NOISE_STD, TARGET_NOISE_STD, adding, multiplication, two_sequence
from lstm_core.tasks.reber import REBER_ALPHABET, embedded_reber, reber, reber_accepts, reber_sets

__all__ = [
    "Batch", "concat", "TASKS", "TASK_INFO", "describe_sequence",
    "reber", "embedded_reber", "reber_sets", "reber_accepts", "REBER_ALPHABET",
    "lag_2a", "lag_2b", "lag_2c", "lag_alphabet", "lag_2c_alphabet",
    "two_sequence", "adding", "multiplication", "INPUT_NOISE_STD", "TARGET_NOISE_STD",
    "temporal_order", "temporal_order_class", "temporal_order_label", "temporal_order_layout",
    "TEMPORAL_ORDER_ALPHABET",
    "TEMPORAL_ORDER_CLASSES", "TEMPORAL_ORDER_POSITIONS", "TEMPORAL_ORDER_LENGTHS",
]

TASKS: dict[str, Callable[..., Batch]] = {
    "reber": reber,
    "embedded_reber": embedded_reber,
    "lag_2a": lag_2a,
    "lag_2b": lag_2b,
    "lag_2c": lag_2c,
    "two_sequence": two_sequence,
    "adding": adding,
    "multiplication": multiplication,
    "temporal_order": temporal_order,
}

TASK_INFO: dict[str, dict] = {
    "reber": {
        "section": "§5.1",
        "description": "Strings of a small finite-state grammar (Reber). The net reads one symbol "
        "per step and predicts the next one; every prediction only needs the last few symbols.",
        "defaults": {},
        "alphabet": REBER_ALPHABET,
    },
    "embedded_reber": {
        "section": "§5.1 (Exp 1)",
        "description": "A Reber string wrapped as B T ... T E or B P ... P E. To predict the "
        "second-to-last symbol the net must remember the second symbol across the whole inner "
        "string, at least 9 steps back.",
        "defaults": {},
        "alphabet": REBER_ALPHABET,
    },
    "lag_2a": {
        "section": "§5.2 (Exp 2a)",
        "description": "Only two sequences: x a1 ... a99 x and y a1 ... a99 y. Everything is "
        "predictable except that the last symbol repeats the first one, 100 steps earlier.",
        "defaults": {"p": 100},
        "alphabet": lag_alphabet(100),
    },
    "lag_2b": {
        "section": "§5.2 (Exp 2b)",
        "description": "Like 2a, but the 99 middle symbols are random, so there are no local "
        "regularities to lean on. Only the last symbol (a copy of the first) can be predicted.",
        "defaults": {"p": 100},
        "alphabet": lag_alphabet(100),
    },
    "lag_2c": {
        "section": "§5.2 (Exp 2c)",
        "description": "b, then x or y, then at least q random distractors, then the trigger e. "
        "When e appears the net must say whether the 2nd symbol was x or y: a lag of q+1 steps "
        "or more, with no short sequences to learn from.",
        "defaults": {"p": 50, "q": 50},
        "alphabet": lag_2c_alphabet(50),
    },
    "two_sequence": {
        "section": "§5.3 (Exps 3a-3c)",
        "description": "One real-valued input line: the first N values are +1 or -1 (the class), "
        "then about T values of Gaussian noise. At the end the net must output the class. "
        "Variant b adds noise to the informative values; c makes the targets noisy too.",
        "defaults": {"T": 100, "N": 3, "variant": "a"},
        "alphabet": None,
    },
    "adding": {
        "section": "§5.4 (Exp 4)",
        "description": "Pairs (value, marker): random values in [-1, 1], two of them marked. At "
        "the end the net must output 0.5 + (X1 + X2)/4, the scaled sum of the two marked values, "
        "the second of which is at least T/2 steps back.",
        "defaults": {"T": 100},
        "alphabet": None,
    },
    "multiplication": {
        "section": "§5.5 (Exp 5)",
        "description": "Like the adding problem with values in [0, 1], but the net must output the "
        "product X1 * X2 of the two marked values: a non-integrative operation.",
        "defaults": {"T": 100},
        "alphabet": None,
    },
    "temporal_order": {
        "section": "§5.6 (Exps 6a, 6b)",
        "description": "About 100 random symbols a-d between E and B, with X or Y at 2 (6a) or 3 "
        "(6b) widely separated places. At B the net must tell the order, e.g. X..Y vs Y..X: "
        "4 or 8 classes.",
        "defaults": {"n_relevant": 2},
        "alphabet": TEMPORAL_ORDER_ALPHABET,
        "classes": TEMPORAL_ORDER_CLASSES,
    },
}


def _abbreviate(tokens: list[str], sep: str, head: int = 40, tail: int = 12) -> str:
    if len(tokens) <= head + tail + 1:
        return sep.join(tokens)
    return f"{sep.join(tokens[:head])}{sep}…({len(tokens) - head - tail} more){sep}{sep.join(tokens[-tail:])}"


def describe_sequence(batch: Batch, b: int) -> str:
    """A short human-readable rendering of sequence b of a batch.

    Symbolic tasks give the (abbreviated) symbol string, plus the class for end-target
    tasks; (value, marker) tasks give the marked pairs and the target; other
    real-valued tasks give the first and last inputs and the target.
    """
    L = int(batch.lengths[b])
    t_end = np.flatnonzero(batch.has_target[b, :L])
    if batch.strings is not None and batch.alphabet is not None:
        sep = "" if all(len(s) == 1 for s in batch.alphabet) else " "
        head, tail = (100, 20) if sep == "" else (30, 10)  # keep e.g. a whole temporal-order string
        text = _abbreviate(split_symbols(batch.alphabet, batch.strings[b]), sep, head, tail)
        if batch.alphabet == TEMPORAL_ORDER_ALPHABET:
            classes = TEMPORAL_ORDER_CLASSES.get(int(np.log2(batch.n_out)))
            k = int(batch.y[b, L - 1].argmax())
            text += f"  → class {classes[k] if classes else k}"
        return text
    target = " ".join(f"{v:.3f}" for v in batch.y[b, t_end[-1]]) if len(t_end) else "none"
    if batch.y_clean is not None and len(t_end):
        target += " (clean " + " ".join(f"{v:.3f}" for v in batch.y_clean[b, t_end[-1]]) + ")"
    if batch.n_in == 2:  # (value, marker) pairs: adding, multiplication
        value, marker = batch.x[b, :L, 0], batch.x[b, :L, 1]
        marks = ", ".join(f"t={t + 1} ({value[t]:+.3f})" for t in np.flatnonzero(marker == 1.0))
        pairs = [f"{v:+.2f}/{m:+.0f}" for v, m in zip(value, marker)]
        return f"L={L}; marked {marks}; target {target}; pairs {_abbreviate(pairs, ' ', 5, 2)}"
    values = [" ".join(f"{v:+.2f}" for v in row) for row in batch.x[b, :L]]
    return f"L={L}; inputs {_abbreviate(values, ' ', 5, 2)}; target {target}"
