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

    def stacked(arrays: list[Array], fill=0) -> Array:
        """(K, B, T, ...) of the (B, T_k, ...) arrays, each padded with ``fill`` after its T_k steps."""
        a0 = arrays[0]
        if len(arrays) == 1 and a0.shape[1] == T:
            return a0[None]                        # one trial (a sweep's task): a view, not a copy
        shape = (len(arrays), a0.shape[0], T) + a0.shape[2:]
        out = np.empty(shape, a0.dtype) if all(a.shape[1] == T for a in arrays) else np.full(shape, fill, a0.dtype)
        for k, a in enumerate(arrays):
            out[k, :, : a.shape[1]] = a
        return out

    legal = [b.legal for b in batches]
    one_hot = all(b.symbols is not None for b in batches)
    y = stacked([b.y for b in batches])
    clean = any(b.y_clean is not None for b in batches)
    return {
        "x": stacked([b.x for b in batches]) if dense or not one_hot else None,
        "y": y,
        "y_ref": stacked([b.y_clean if b.y_clean is not None else b.y for b in batches]) if clean else y,
        "has_target": stacked([b.has_target for b in batches]),
        "legal": stacked(legal) if all(a is not None for a in legal) else None,
        "sym": stacked([b.symbols for b in batches], -1) if one_hot else None,
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
