"""Experiments 3-5: real-valued inputs, one target at the sequence end (spec §4.5-4.7).

Lengths are uniform integers in [T, T + T//10] inclusive (A15).
"""

from __future__ import annotations

import numpy as np

from lstm_core.tasks.batch import Batch, end_target_batch, step_mask, uniform_ints

INPUT_NOISE_STD = float(np.sqrt(0.2))  # "variance 0.2" (A12)
TARGET_NOISE_STD = float(np.sqrt(0.1))  # "variance 0.1", Exp 3c targets (A12)


def two_sequence(rng: np.random.Generator, n: int, T: int = 100, N: int = 3, variant: str = "a") -> Batch:
    """Exp 3: Bengio et al.'s 2-sequence problem, noise and signal on one input line.

    Example
    -------
    T = 100, N = 3, variant "a", class 1: a length L in [100, 110], say 104; inputs
    +1, +1, +1, then 101 Gaussian values of std √0.2 (e.g. 0.31, −0.52, ...); the only
    target, at step 104, is 1.0. Class 2 has −1, −1, −1 and target 0.0. Variant "b"
    adds the same noise to the first N elements. Variant "c" has noise-free first
    elements like "a" but targets 0.2 (class 1) / 0.8 (class 2) plus Gaussian noise of
    std √0.1 (A13); ``y_clean`` holds the noise-free 0.2 / 0.8.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of sequences B
    T : minimal length
    N : number of informative first elements (1 or 3 in the paper)
    variant : "a", "b" or "c" (Exps 3a, 3b, 3c)

    Returns
    -------
    Batch with x (B, T', 1), y (B, T', 1), target at step L_b only.
    """
    if variant not in ("a", "b", "c"):
        raise ValueError(f"variant must be 'a', 'b' or 'c', got {variant!r}")
    if not 1 <= N < T:
        raise ValueError(f"need 1 <= N < T, got N={N}, T={T}")
    u = rng.random((n, 2))
    lengths = T + uniform_ints(u[:, 0], T // 10 + 1)  # uniform in [T, T + T//10] (A15)
    cls = uniform_ints(u[:, 1], 2)  # 0: class 1, 1: class 2
    sign = (1.0 - 2.0 * cls)[:, None]  # +1 (class 1) or −1 (class 2)
    x = INPUT_NOISE_STD * rng.standard_normal((n, int(lengths.max())))
    if variant == "b":
        x[:, :N] += sign  # 3b: the informative elements are noisy too
    else:
        x[:, :N] = sign
    if n > 1:
        x *= step_mask(lengths, x.shape[1])
    if variant == "c":
        clean = 0.2 + 0.6 * cls  # 0.2 (class 1), 0.8 (class 2)
        target = clean + TARGET_NOISE_STD * rng.standard_normal(n)
        return end_target_batch(x[:, :, None], lengths, target[:, None], y_clean=clean[:, None])
    return end_target_batch(x[:, :, None], lengths, (1.0 - cls)[:, None].astype(np.float64))


def _marked_pairs(rng: np.random.Generator, n: int, T: int, low: float, high: float, first_value: float):
    """Shared body of Exps 4 and 5 (A15, A16, A18).

    Returns x (B, T', 2) of (value, marker) pairs, lengths (B,), and X1, X2 (B,).
    """
    m = T // 2 - 1  # the second mark goes to one of the first T/2 − 1 positions
    if m < 2:
        raise ValueError(f"T must be >= 6, got {T}")
    u = rng.random((n, 3))
    lengths = T + uniform_ints(u[:, 0], T // 10 + 1)  # uniform in [T, T + T//10] (A15)
    first = uniform_ints(u[:, 1], min(10, T))  # 0-based: one of the first ten pairs
    inside = first < m
    second = uniform_ints(u[:, 2], m - inside)  # uniform among the m positions not yet marked
    second += (second >= first) & inside
    Tmax = int(lengths.max())
    rows = np.arange(n)
    x = np.zeros((n, Tmax, 2))
    x[:, :, 0] = low + (high - low) * rng.random((n, Tmax))  # values
    x[:, 0, 1] = -1.0  # first and last pair carry −1 unless marked
    x[rows, lengths - 1, 1] = -1.0
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    x[x[:, 0, 1] == 1.0, 0, 0] = first_value  # pair 1 marked: "set X1 to 0" (1 for Exp 5)
    if n > 1:
        x[~step_mask(lengths, Tmax)] = 0.0
    return x, lengths, x[rows, first, 0], x[rows, second, 0]


def adding(rng: np.random.Generator, n: int, T: int = 100) -> Batch:
    """Exp 4: the adding problem; output 0.5 + (X1 + X2)/4 at the end.

    Example
    -------
    T = 100: L = 103 (uniform in [100, 110]); pairs (value, marker) with values uniform
    in [−1, 1], e.g. (0.42, −1), (−0.07, 0), (0.63, +1), ..., (−0.18, +1), ..., (0.9, −1).
    The first +1 (here at t = 3, X1 = 0.63) is one of the first ten pairs, the second
    (t = 27, X2 = −0.18) one of the other pairs among the first T/2 − 1 = 49; pairs 1
    and L carry −1 unless marked. The only target, at step 103, is 0.5 + (0.63 − 0.18)/4 = 0.6125. If pair 1
    is marked, its value is set to 0 (A16).

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of sequences B
    T : minimal length (>= 6); the minimal lag is T/2

    Returns
    -------
    Batch with x (B, T', 2) (value, marker), y (B, T', 1), target at step L_b only.
    """
    x, lengths, x1, x2 = _marked_pairs(rng, n, T, -1.0, 1.0, first_value=0.0)
    return end_target_batch(x, lengths, (0.5 + (x1 + x2) / 4.0)[:, None])


def multiplication(rng: np.random.Generator, n: int, T: int = 100) -> Batch:
    """Exp 5: the multiplication problem; output X1 · X2 at the end.

    Example
    -------
    As :func:`adding` but values are uniform in [0, 1]: marks at t = 5 (X1 = 0.8) and
    t = 31 (X2 = 0.25) give the single target 0.2 at step L. If pair 1 is marked, its
    value is set to 1.0 (A18).

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of sequences B
    T : minimal length (>= 6)

    Returns
    -------
    Batch with x (B, T', 2) (value, marker), y (B, T', 1), target at step L_b only.
    """
    x, lengths, x1, x2 = _marked_pairs(rng, n, T, 0.0, 1.0, first_value=1.0)
    return end_target_batch(x, lengths, (x1 * x2)[:, None])
