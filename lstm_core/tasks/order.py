"""Experiment 6: temporal order (spec §4.8, A19)."""

from __future__ import annotations

import numpy as np

from lstm_core.tasks.batch import Batch, SymbolRows, end_target_batch, step_mask, uniform_ints

TEMPORAL_ORDER_ALPHABET: tuple[str, ...] = ("E", "B", "a", "b", "c", "d", "X", "Y")

# class names in output-unit order; class index = the X/Y pattern read as binary (X=0, Y=1)
TEMPORAL_ORDER_CLASSES: dict[int, tuple[str, ...]] = {
    2: ("Q", "R", "S", "U"),  # XX, XY, YX, YY
    3: ("Q", "R", "S", "U", "V", "A", "B", "C"),  # XXX, XXY, ..., YYY
}

# 1-based inclusive ranges of the relevant positions t1, t2 (, t3)
TEMPORAL_ORDER_POSITIONS: dict[int, tuple[tuple[int, int], ...]] = {
    2: ((10, 20), (50, 60)),
    3: ((10, 20), (33, 43), (66, 76)),
}
TEMPORAL_ORDER_LENGTHS = (100, 110)  # inclusive


def temporal_order_class(pattern: str) -> int:
    """Class index (output unit) of an X/Y pattern: ``"XY"`` -> 1 (R), ``"YXX"`` -> 4 (V)."""
    if not pattern or set(pattern) - {"X", "Y"}:
        raise ValueError(f"pattern must be made of X and Y, got {pattern!r}")
    return int(pattern.replace("X", "0").replace("Y", "1"), 2)


def temporal_order_label(pattern: str) -> str:
    """Paper's class name of an X/Y pattern: ``"XY"`` -> ``"R"``, ``"YYY"`` -> ``"C"``."""
    return TEMPORAL_ORDER_CLASSES[len(pattern)][temporal_order_class(pattern)]


def temporal_order_layout(n_relevant: int, length: int = 100) -> tuple[tuple[int, int], tuple[tuple[int, int], ...]]:
    """Sequence lengths and relevant positions (1-based, inclusive) for a base length.

    ``length=100`` is the paper's layout (lengths 100-110; 6a: t1 in 10-20, t2 in 50-60).
    Other lengths scale every bound by ``length / 100`` (rounded), so ``length=50`` gives
    lengths 50-55 and, for 6a, t1 in 5-10 and t2 in 25-30: the same task with half the lag.
    """
    if n_relevant not in TEMPORAL_ORDER_POSITIONS:
        raise ValueError(f"n_relevant must be 2 or 3, got {n_relevant}")
    if not 20 <= length <= 10_000:
        raise ValueError(f"length must be in [20, 10000], got {length}")
    f = length / 100
    lengths = (length, length + round(10 * f))
    return lengths, tuple((max(2, round(a * f)), round(b * f)) for a, b in TEMPORAL_ORDER_POSITIONS[n_relevant])


def temporal_order(rng: np.random.Generator, n: int, n_relevant: int = 2, length: int = 100) -> Batch:
    """Exp 6a (n_relevant=2, 4 classes) and 6b (n_relevant=3, 8 classes).

    Example
    -------
    6a: a length L in [100, 110], say 103; E at t = 1, B at t = 103, X or Y at
    t1 ∈ [10, 20] and t2 ∈ [50, 60] (say Y at 14, X at 57), fillers uniform over
    {a, b, c, d} elsewhere: ``EcadbbdcabdabY...X...dacB``. The order Y, X is class S
    (index 2), so the only target, at the step of B, is (0, 0, 1, 0).

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of sequences B
    n_relevant : 2 (task 6a) or 3 (task 6b)
    length : shortest sequence (the paper's 100); other values scale lengths and positions
        (:func:`temporal_order_layout`) — for classroom settings only

    Returns
    -------
    Batch with x (B, T, 8) over E, B, a, b, c, d, X, Y and y (B, T, 2**n_relevant),
    one-hot class at step L_b only (A19).
    """
    (lo, hi), positions = temporal_order_layout(n_relevant, length)
    u = rng.random((n, 1 + 2 * n_relevant))  # length, then (X/Y, position) per relevant symbol
    lengths = lo + uniform_ints(u[:, 0], hi - lo + 1)
    T = int(lengths.max())
    rows = np.arange(n)
    sym = 2 + uniform_ints(rng.random((n, T)), 4)  # fillers a, b, c, d
    sym[:, 0] = 0  # E
    xy = uniform_ints(u[:, 1 : 1 + n_relevant], 2)  # 0: X, 1: Y, independently with probability ½
    for j, (first, last) in enumerate(positions):
        pos = first - 1 + uniform_ints(u[:, 1 + n_relevant + j], last - first + 1)  # 1-based inclusive
        sym[rows, pos] = 6 + xy[:, j]
    sym[rows, lengths - 1] = 1  # B, the trigger
    sym = np.where(step_mask(lengths, T), sym, -1)
    cls = xy @ (1 << np.arange(n_relevant)[::-1])  # binary, first relevant symbol most significant
    return end_target_batch(
        None, lengths, np.eye(2**n_relevant)[cls],                    # inputs by symbol (x made on demand)
        strings=SymbolRows(TEMPORAL_ORDER_ALPHABET, sym, lengths),
        alphabet=TEMPORAL_ORDER_ALPHABET, symbols=sym,
    )
