"""Experiment 2: long time lags with locally coded symbols (spec §4.2-4.4, A10, A11, A27)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from lstm_core.tasks.batch import Batch, SymbolRows, end_target_batch, one_hot, uniform_ints


@lru_cache(maxsize=32)
def lag_alphabet(p: int) -> tuple[str, ...]:
    """Exps 2a/2b: the p+1 symbols a1..a(p−1), x, y, in input-unit order."""
    return tuple(f"a{i}" for i in range(1, p)) + ("x", "y")


@lru_cache(maxsize=32)
def lag_2c_alphabet(p: int) -> tuple[str, ...]:
    """Exp 2c: the p+4 symbols a1..ap (distractors), e (trigger), b, x, y, in input-unit order."""
    return tuple(f"a{i}" for i in range(1, p + 1)) + ("e", "b", "x", "y")


def _lag_2ab(rng: np.random.Generator, n: int, p: int, random_middle: bool) -> Batch:
    if p < 2:
        raise ValueError(f"p must be >= 2, got {p}")
    alphabet = lag_alphabet(p)
    end = p - 1 + uniform_ints(rng.random(n), 2)  # index of x (p−1) or y (p), each with probability ½
    if random_middle:
        middle = rng.integers(0, p - 1, (n, p - 1))  # i.i.d. uniform over a1..a(p−1)
    else:
        middle = np.broadcast_to(np.arange(p - 1), (n, p - 1))
    seq = np.concatenate([end[:, None], middle, end[:, None]], axis=1)  # (n, p+1) whole strings
    y = one_hot(seq[:, 1:], p + 1)  # A27: one-hot next symbol at every step
    legal = y.astype(bool)
    if random_middle:
        legal[:, :-1, : p - 1] = True  # any distractor may follow; only the last symbol is predictable
    return Batch(
        y=y, has_target=np.ones((n, p), dtype=bool),
        lengths=np.full(n, p, dtype=np.int64), legal=legal,
        strings=SymbolRows(alphabet, seq), alphabet=alphabet,
        symbols=seq[:, :-1].copy(),
    )


def lag_2a(rng: np.random.Generator, n: int, p: int = 100) -> Batch:
    """Exp 2a: the two fixed sequences (x, a1, ..., a(p−1), x) and (y, a1, ..., a(p−1), y).

    Example
    -------
    With p = 4 the alphabet is (a1, a2, a3, x, y) and the sequences are ``y a1 a2 a3 y``
    and ``x a1 a2 a3 x``. For the first: 4 steps with inputs y, a1, a2, a3 and one-hot
    targets a1, a2, a3, y; every target is predictable, the last only by remembering the
    first symbol for p steps.

    Parameters
    ----------
    rng : numpy.random.Generator (picks the sequence, each with probability ½)
    n : number of sequences B
    p : delay; p+1 symbols and p steps per sequence

    Returns
    -------
    Batch with x, y, legal of shape (B, p, p+1); error at every step.
    """
    return _lag_2ab(rng, n, p, random_middle=False)


def lag_2b(rng: np.random.Generator, n: int, p: int = 100) -> Batch:
    """Exp 2b: as 2a but the p−1 middle symbols are drawn i.i.d. uniform from a1..a(p−1).

    Example
    -------
    With p = 4 a sequence may read ``x a3 a3 a1 x``: inputs x, a3, a3, a1 and one-hot
    targets a3, a3, a1, x. ``legal`` is {a1, a2, a3} at the first three steps (no local
    regularity) and {x} at the last step, the only predictable one.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of sequences B
    p : delay; p+1 symbols and p steps per sequence

    Returns
    -------
    Batch with x, y, legal of shape (B, p, p+1); error at every step (A27).
    """
    return _lag_2ab(rng, n, p, random_middle=True)


def lag_2c(rng: np.random.Generator, n: int, p: int = 50, q: int = 50) -> Batch:
    """Exp 2c: very long lags; classify the 2nd symbol when the trigger e appears (A10, A11).

    Example
    -------
    With p = 2, q = 3 a sequence may read ``b y a2 a1 a1 a2 e y``: the prefix b, y, then
    q = 3 distractors, k = 1 extra distractor (each continuing with probability 9/10),
    e, and the final y. The net gets L = q+k+3 = 7 inputs (b, y, a2, a1, a1, a2, e); the
    only target is (0, 1) ("y") at the step of e. The final y is not an input.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of sequences B
    p : number of distractor symbols (p+4 input units)
    q : number of distractors always present (minimal time lag q+1)

    Returns
    -------
    Batch with x (B, T, p+4), y (B, T, 2) with x → (1, 0), y → (0, 1); strings include
    the final x/y, so the shortest string has q+4 symbols.
    """
    if p < 1 or q < 0:
        raise ValueError(f"need p >= 1 and q >= 0, got p={p}, q={q}")
    alphabet = lag_2c_alphabet(p)
    e, b, x_sym = p, p + 1, p + 2
    cls = uniform_ints(rng.random(n), 2)  # 0: x, 1: y
    k = rng.geometric(0.1, n) - 1  # extra distractors: P(k) = 0.1 · 0.9^k, mean 9
    lengths = (q + k + 3).astype(np.int64)  # b, x/y, q+k distractors, e
    T = int(lengths.max())
    rows = np.arange(n)
    seq = np.full((n, T + 1), -1, dtype=np.int64)  # one extra column for the final x/y
    seq[:, 0] = b
    seq[:, 1] = x_sym + cls
    steps = np.arange(2, T)
    distractors = rng.integers(0, p, (n, T - 2))  # uniform over a1..ap (A10)
    seq[:, 2:T] = np.where(steps[None, :] < lengths[:, None] - 1, distractors, -1)
    seq[rows, lengths - 1] = e
    seq[rows, lengths] = x_sym + cls
    sym = np.where(np.arange(T)[None, :] < lengths[:, None], seq[:, :T], -1)  # inputs stop at e
    return end_target_batch(
        None, lengths, np.eye(2)[cls],                                # inputs by symbol (x made on demand)
        strings=SymbolRows(alphabet, seq, lengths + 1),
        alphabet=alphabet, symbols=sym,
    )
