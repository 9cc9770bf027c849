"""The paper's measures of success, as pure functions of outputs and targets (spec §4, Table 11).

Every function takes arrays with a leading trial axis K and a sequence axis B:
outputs ``y_out`` (K, B, T, O), targets ``y`` (K, B, T, O), ``has_target`` (K, B, T).
"""

from __future__ import annotations

import numpy as np

from lstm_core.experiments.preset import StopRule
from lstm_core.tasks.batch import Batch

Array = np.ndarray


def stack(batches: list[Batch], dense: bool = True) -> dict[str, Array]:
    """One Batch per trial -> arrays with a leading K axis, padded to the longest sequence.

    Returns ``x`` (K, B, T, n_in), ``y`` and ``y_ref`` (K, B, T, O) (``y_ref`` is the noise-free
    target where the task has one), ``has_target`` (K, B, T), ``legal`` (K, B, T, O) or None,
    ``sym`` (K, B, T) the input symbol's index (−1: none) for one-hot tasks, else None; ``lengths`` (K, B).
    With ``dense=False`` a one-hot task's ``x`` is None (only ``sym``: what the kernels read).
    """
    T = max(b.T for b in batches)

    def pad(a, fill=0):
        out = np.full(a.shape[:1] + (T,) + a.shape[2:], fill, dtype=a.dtype)
        out[:, : a.shape[1]] = a
        return out

    legal = [b.legal for b in batches]
    one_hot = all(b.symbols is not None for b in batches)
    return {
        "x": np.stack([pad(b.x) for b in batches]) if dense or not one_hot else None,
        "y": np.stack([pad(b.y) for b in batches]),
        "y_ref": np.stack([pad(b.y_clean if b.y_clean is not None else b.y) for b in batches]),
        "has_target": np.stack([pad(b.has_target) for b in batches]),
        "legal": np.stack([pad(a) for a in legal]) if all(a is not None for a in legal) else None,
        "sym": np.stack([pad(b.symbols, -1) for b in batches]) if one_hot else None,
        "lengths": np.stack([b.lengths for b in batches]),
    }


def last_target_step(has_target: Array) -> Array:
    """Index of the last step with a target, (K, B) (the sequence end for end-only tasks)."""
    T = has_target.shape[-1]
    return T - 1 - np.argmax(has_target[..., ::-1], axis=-1)


def end_abs_error(y_out: Array, y: Array, has_target: Array) -> Array:
    """|target − output| at the last target step, per output unit: (K, B, O)."""
    t = last_target_step(has_target)[..., None, None]
    return np.abs(np.take_along_axis(y, t, -2) - np.take_along_axis(y_out, t, -2))[..., 0, :]


def max_abs_error(y_out: Array, y: Array, has_target: Array, end_only: bool) -> Array:
    """Max |error| over all outputs and (all target steps | the last one): (K, B)."""
    if end_only:
        return end_abs_error(y_out, y, has_target).max(-1)
    err = np.abs(y - y_out) * has_target[..., None]
    return err.max(axis=(-1, -2))


def sequence_scores(rule: StopRule, y_out: Array, y: Array, has_target: Array) -> tuple[Array, Array]:
    """Per sequence: the error the rule averages, and whether the sequence was processed correctly.

    Returns
    -------
    err : (K, B) mean |error| over output units at the sequence end (A17)
    correct : (K, B) bool — ABS rules: max |error| < beta; others: every output's end error < tolerance
    """
    end = end_abs_error(y_out, y, has_target)
    if rule.kind == "abs":
        correct = max_abs_error(y_out, y, has_target, rule.abs_at_end_only) < rule.beta
    else:
        correct = (end < rule.tolerance).all(-1)
    return end.mean(-1), correct


def reber_all_correct(y_out: Array, legal: Array, has_target: Array) -> Array:
    """Exp 1 success test: at every step the k legal successors are the k most active outputs.

    Returns (K,) bool — every step of every string of the set is predicted correctly.
    """
    lo_legal = np.where(legal, y_out, np.inf).min(-1)          # weakest legal successor
    hi_illegal = np.where(legal, -np.inf, y_out).max(-1)       # strongest illegal symbol
    ok = (lo_legal > hi_illegal) | ~has_target
    return ok.all(axis=(-1, -2))


def test_report(rule: StopRule, y_out: Array, data: dict[str, Array]) -> dict[str, Array]:
    """Post-training test statistics per trial, as the paper reports them.

    Returns dict of (K,) arrays: ``wrong`` (sequences not processed correctly), ``n``,
    ``mse`` and ``mae`` at the sequence end (against the noise-free target where there is one).
    """
    err, correct = sequence_scores(rule, y_out, data["y_ref"], data["has_target"])
    end = end_abs_error(y_out, data["y_ref"], data["has_target"])
    return {
        "wrong": (~correct).sum(-1),
        "n": np.full(correct.shape[0], correct.shape[1]),
        "mse": (end ** 2).mean(axis=(-1, -2)),
        "mae": err.mean(-1),
    }
