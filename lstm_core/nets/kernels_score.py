"""Compiled scoring and stopping rules shared by every training kernel (spec §4, Table 11).

Each training kernel's chunk driver presents sequences one after another (:func:`trial_buffers`,
:func:`next_sequence`) and, after each, calls :func:`after_sequence`: :func:`score_sequence` and
:func:`record_and_check` — the compiled twins of
:func:`lstm_core.experiments.criteria.sequence_scores` / :func:`~lstm_core.experiments.criteria.reber_all_correct`
and of the rings and stop tests of the trial loop (:meth:`lstm_core.experiments.rings.Rings.record`,
:mod:`~lstm_core.experiments.stop_rules`). A stop found mid-chunk ends that
trial's chunk at once, so the weights the trial loop then freezes are those of the
sequence that met the rule.

``rule`` is a tuple ``(kind, beta, tolerance, window, n_seq, abs_end_only)`` built by
:func:`rule_tuple`; ``kind`` is one of the ``RULE_*`` codes below.
"""

from __future__ import annotations

import math

import numpy as np

from lstm_core.nets._numba import njit

RULE_NONE = 0     # no in-loop stop (also "reber" and "st12": their tests run between chunks)
RULE_ST3 = 1      # ST3(beta): mean |error| of the last `window` sequences < beta, all of them correct
RULE_NSEQ = 2     # fewer than n_seq of the last `window` sequences wrong (Exp 5)
RULE_ABS = 3      # ABS(beta): `window` successive correct sequences (confirmed outside, on a test set)
RULE_REBER = 4    # score by legal successors (Exp 1); stop tested outside

EVENT_NONE, EVENT_STOP, EVENT_DIVERGED = 0, 1, 2


def rule_tuple(rule) -> tuple:
    """The numeric form of a :class:`lstm_core.experiments.preset.StopRule` the kernels take."""
    kind = {"st3": RULE_ST3, "nseq": RULE_NSEQ, "abs": RULE_ABS, "reber": RULE_REBER}.get(rule.kind, RULE_NONE)
    return (kind, float(rule.beta), float(rule.tolerance), int(rule.window), int(rule.n_seq),
            bool(rule.abs_at_end_only))


@njit(cache=True, nogil=True)
def last_target(has_target, length):
    """Index of the last step with a target (length − 1 when there is none)."""
    for t in range(length - 1, -1, -1):
        if has_target[t]:
            return t
    return length - 1


@njit(cache=True, nogil=True)
def score_sequence(y_k, y_ref, has_target, legal, length, rule):
    """(err, correct) of one sequence from the outputs at its target steps.

    Parameters
    ----------
    y_k, y_ref : (T, O) outputs (needed at target steps and the last step) and judging targets
    has_target : (T,) bool; legal : (T, O) bool, or (0, 0) when the rule is not Exp 1's
    length : steps of the sequence; rule : see :func:`rule_tuple`

    Returns
    -------
    err : mean over outputs of |y_ref − y_k| at the last target step (A17)
    correct : Exp 1: every target step's legal successors are the most active outputs;
        ABS: max |error| (all target steps, or the end) < beta; else every end error < tolerance
    """
    kind, beta, tol, _, _, end_only = rule
    O = y_k.shape[1]
    t_end = last_target(has_target, length)
    err, worst = 0.0, 0.0
    for o in range(O):
        d = abs(y_ref[t_end, o] - y_k[t_end, o])
        err += d
        worst = max(worst, d)
    err /= O
    if kind == RULE_REBER:
        for t in range(length):
            if not has_target[t]:
                continue
            lo, hi = math.inf, -math.inf
            for o in range(O):
                if legal[t, o]:
                    lo = min(lo, y_k[t, o])
                else:
                    hi = max(hi, y_k[t, o])
            if not lo > hi:
                return err, False
        return err, True
    if kind == RULE_ABS:
        if not end_only:
            for t in range(length):
                if has_target[t]:
                    for o in range(O):
                        worst = max(worst, abs(y_ref[t, o] - y_k[t, o]))
        return err, worst < beta
    return err, worst < tol


@njit(cache=True, nogil=True)
def record_and_check(err, correct, seen, err_hist, ok_hist, counts, rule):
    """Write sequence number ``seen`` (1-based) into the rings; True if the rule now says stop.

    Parameters
    ----------
    err_hist, ok_hist : (window,) the trial's rings (slot (seen − 1) % window), updated in place
    counts : (2,) int, in place: [length of the current run of correct sequences,
        number of False in ok_hist] (see :func:`ring_counts`)
    """
    kind, beta, _, window, n_seq, _ = rule
    slot = (seen - 1) % window
    counts[1] += int(ok_hist[slot]) - int(correct)
    err_hist[slot] = err
    ok_hist[slot] = correct
    counts[0] = counts[0] + 1 if correct else 0
    if kind == RULE_ABS:
        return counts[0] >= window
    if seen < window:
        return False
    if kind == RULE_NSEQ:
        return counts[1] < n_seq
    if kind == RULE_ST3 and counts[1] == 0:
        return np.mean(err_hist) < beta
    return False


def ring_counts(streak: np.ndarray, ok_hist: np.ndarray) -> np.ndarray:
    """The ``counts`` rows of :func:`record_and_check` for K trials: (K, 2) int64."""
    return np.stack([streak, (~ok_hist).sum(1)], axis=1).astype(np.int64)


@njit(cache=True, nogil=True)
def trial_buffers(W_a, W_b, y, event, k):
    """What every chunk driver holds for trial k: its outputs y_k (T, O) and room for its last good weights.

    Also clears the trial's event (``EVENT_NONE``) before its first sequence.
    """
    event[k] = EVENT_NONE
    return np.zeros((y.shape[2], y.shape[3])), np.empty_like(W_a), np.empty_like(W_b)


@njit(cache=True, nogil=True)
def next_sequence(k, pos, lengths, W_a, W_b, keep_a, keep_b):
    """Trial k's next position b and its length L; ``pos[k]`` moves past it.

    Its weights W_a, W_b before the sequence are kept in keep_a, keep_b (:func:`after_sequence` puts
    them back if the sequence makes them diverge).
    """
    b = pos[k]
    keep_a[:] = W_a
    keep_b[:] = W_b
    pos[k] += 1
    return b, lengths[k, b]


@njit(cache=True, nogil=True)
def after_sequence(k, b, L, y_k, y_ref, has_target, legal, rule, seen0, W_a, W_b, keep_a, keep_b,
                   err_hist, ok_hist, counts, event):
    """What every chunk driver does after trial k's sequence b (length L): score it, record it, decide.

    Returns True when the trial's chunk ends here: its rule is met (``event[k] = EVENT_STOP``) or it
    diverged (``EVENT_DIVERGED``; its weights W_a, W_b are put back to keep_a, keep_b, the last good ones).
    """
    lg = legal[k, b] if rule[0] == RULE_REBER else legal[0, 0]     # (a (1, 1, 1, 1) stand-in otherwise)
    err, ok = score_sequence(y_k, y_ref[k, b], has_target[k, b], lg, L, rule)
    stop = record_and_check(err, ok, seen0 + b + 1, err_hist[k], ok_hist[k], counts[k], rule)
    if not (all_finite(W_a) and all_finite(W_b) and all_finite(y_k[:L])):
        W_a[:] = keep_a
        W_b[:] = keep_b
        event[k] = EVENT_DIVERGED
        return True
    if stop:
        event[k] = EVENT_STOP
        return True
    return False


@njit(cache=True, nogil=True)
def all_finite(a):
    """True if no element of ``a`` is NaN or inf."""
    for v in a.ravel():
        if not math.isfinite(v):
            return False
    return True
