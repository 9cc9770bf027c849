"""The stopping rules as a registry: ``STOP_RULES[rule.kind]`` says what the trial loop does for each.

One :class:`RuleKind` per kind of :class:`~lstm_core.experiments.preset.StopRule` (spec §4, Table 11):
how a training sequence is scored, the test on the last ``window`` training sequences after each
one, the test of frozen weights every ``eval_every`` sequences (Exps 1, 3; ABS with ``abs_frozen``),
the sets that test needs, and whether a stop is confirmed on a test set and followed by the
post-training test. The trial loop (:class:`lstm_core.experiments.train.TrialRun`) looks a rule up
here and never asks which kind it is. The compiled kernels take the in-loop part as a numeric tuple
(:func:`lstm_core.nets.kernels_score.rule_tuple`): their twin, tested equal.

==========  ========================================================  ==========================
kind        stops when                                                tested between blocks
==========  ========================================================  ==========================
``reber``   every symbol of the training and test sets predicted      the two sets (A6, A7)
``abs``     ``window`` successive sequences with max |error| < beta   fresh sequences (abs_frozen)
``st12``    ST2 on the stopping test set                              fixed (A14) or fresh sets
``st3``     mean |error| of the last ``window`` < beta, all correct   —
``nseq``    fewer than ``n_seq`` of the last ``window`` wrong         —
``none``    never (the sequence cap)                                  —
==========  ========================================================  ==========================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lstm_core.experiments import criteria
from lstm_core.experiments.budget import draw
from lstm_core.experiments.learner import take_trials
from lstm_core.experiments.preset import STOP_KINDS, StopRule
from lstm_core.tasks.reber import reber_sets

if TYPE_CHECKING:
    from lstm_core.experiments.train import TrialRun

Array = np.ndarray
Sets = tuple[list | None, list[dict[str, Array]]]   # (training sets per trial or None, stacked evaluation sets)


# ----------------------------------------------------------------------------- scoring one sequence per trial

def score_by_rule(rule: StopRule, y_out: Array, d: dict[str, Array]) -> tuple[Array, Array]:
    """Per trial, one sequence each: the error the rule averages and whether it was correct, (K,) each."""
    err, correct = criteria.sequence_scores(rule, y_out[:, None], d["y_ref"][:, None], d["has_target"][:, None])
    return err[:, 0], correct[:, 0]


def score_by_legal(rule: StopRule, y_out: Array, d: dict[str, Array]) -> tuple[Array, Array]:
    """Exp 1: correct when the legal successors are the most active outputs at every step."""
    y_out, y, ht = y_out[:, None], d["y_ref"][:, None], d["has_target"][:, None]
    ok = criteria.reber_all_correct(y_out, d["legal"][:, None], ht)
    return criteria.end_abs_error(y_out, y, ht).mean(-1)[:, 0], ok


# ----------------------------------------------------------------------------- the in-loop test on the rings
# err (n, window) and ok (n, window): the trials' rings; streak (n,): successive correct sequences;
# full: the rings hold `window` sequences. Twins of kernels_score.record_and_check.

def never(rule: StopRule, err: Array, ok: Array, streak: Array, full: bool) -> Array:
    return np.zeros(len(streak), bool)


def st3_met(rule: StopRule, err: Array, ok: Array, streak: Array, full: bool) -> Array:
    """ST3(beta): the last ``window`` all correct and their mean |error| below beta (A17)."""
    return full & ok.all(1) & (err.mean(1) < rule.beta)


def nseq_met(rule: StopRule, err: Array, ok: Array, streak: Array, full: bool) -> Array:
    """Exp 5: fewer than ``n_seq`` of the last ``window`` sequences wrong."""
    return full & ((~ok).sum(1) < rule.n_seq)


def abs_met(rule: StopRule, err: Array, ok: Array, streak: Array, full: bool) -> Array:
    """ABS(beta): ``window`` successive correct sequences (A9)."""
    return streak >= rule.window


# ----------------------------------------------------------------------------- sets and frozen-weight tests

def no_sets(run: TrialRun) -> Sets:
    return None, []


def reber_train_test_sets(run: TrialRun) -> Sets:
    """Exp 1: a training and a test set per trial, from its test generator (A7)."""
    p = run.preset
    sets = [reber_sets(r, p.train_set_size or 256, run.rule.st_test_size, embedded=p.task == "embedded_reber",
                       **p.task_options) for r in run.test_rngs]
    return [s[0] for s in sets], [criteria.stack([s[i] for s in sets], dense=False) for i in (0, 1)]


def st_test_set(run: TrialRun) -> Sets:
    """Exp 3: one fixed stopping test set per trial, drawn once (A14); none with ``st_test_fresh``."""
    if run.rule.st_test_fresh:
        return None, []
    return None, [criteria.stack([draw(run.preset, r, run.rule.st_test_size) for r in run.test_rngs], dense=False)]


def _st_set(run: TrialRun, act: Array) -> tuple[dict[str, Array], Array]:
    """The stopping test sets of the trials ``act`` and their rows there: the trial loop's fixed sets
    (A14) and ``act`` itself, or with ``st_test_fresh`` ``st_test_size`` fresh sequences each (K_act, B,
    ...), from the trial's own test generator (so a trial draws the same sets whichever trials run
    beside it), and rows 0..K_act−1. Not copied: :func:`_part` takes only the sequences it tests."""
    if run.rule.st_test_fresh:
        fresh = [draw(run.preset, run.test_rngs[k], run.rule.st_test_size) for k in act]
        return criteria.stack(fresh, dense=False), np.arange(len(act))
    return run.eval_sets[0], np.asarray(act)


def _predict(run: TrialRun, params: dict[str, Array], data: dict[str, Array]) -> Array:
    return run.learner.predict(params, data["x"], data.get("sym"), data["lengths"])


def _part(data: dict[str, Array], trials: Array, part: slice) -> dict[str, Array]:
    """The sequences ``part`` of a test set (K, B, ...) for the rows ``trials``: the probe or the rest.

    Only those sequences are copied (the whole set of every trial was copied once per test, a sixth
    of an Exp 3 run's time at T = 1000).
    """
    return {k: (v[trials, part] if v is not None else None) for k, v in data.items()}


REBER_PROBE = 16    # strings of a set tested first; a trial that fails one of them is not run on the rest


def doubling_parts(n: int, first: int) -> list[slice]:
    """``n`` items in parts of ``first``, then twice as many each time: [0, 16), [16, 48), [48, 112) ..."""
    parts, start, size = [], 0, first
    while start < n:
        parts.append(slice(start, min(n, start + size)))
        start, size = start + size, 2 * size
    return parts


def reber_all_sets(run: TrialRun, act: Array, params: dict[str, Array]) -> Array:
    """Exp 1: every symbol of the training set, then of the test set, predicted (A6).

    Each set goes in parts, its first :data:`REBER_PROBE` strings, then twice as many each time
    (:func:`doubling_parts`): a trial still learning nearly always fails within the first few, and
    one that gets most strings right fails somewhere later; either is not run on the strings after
    the part where it failed (the verdict is the same, a conjunction over the strings; the test
    costs ~1/30 of the whole sets while a trial learns, and at most twice the strings up to its
    first failure after that).
    """
    ok = np.ones(len(act), bool)
    for data in run.eval_sets:
        for part in doubling_parts(data["lengths"].shape[1], REBER_PROBE):
            if not ok.any():
                return ok
            sub = _part(data, act[ok], part)
            if sub["lengths"].shape[1]:
                y_out = _predict(run, take_trials(params, np.flatnonzero(ok)), sub)
                ok[ok] = criteria.reber_all_correct(y_out, sub["legal"], sub["has_target"])
    return ok


def abs_on_fresh(run: TrialRun, act: Array, params: dict[str, Array]) -> Array:
    """ABS with ``abs_frozen``: ``st_test_size`` fresh sequences all meet ABS(beta) on frozen weights (A9)."""
    data = criteria.stack([draw(run.preset, run.test_rngs[k], run.rule.st_test_size) for k in act], dense=False)
    return criteria.sequence_scores(run.rule, _predict(run, params, data), data["y_ref"], data["has_target"])[1].all(1)


ST_PROBE = 16       # Exp 3: sequences of the stopping test set tried first (as REBER_PROBE for Exp 1)


def st2_on_set(run: TrialRun, act: Array, params: dict[str, Array]) -> Array:
    """Exp 3: ST1 (at most ``st1_max_wrong`` wrong) is noted; ST2 (and mean |error| < st2_mae) stops.

    The set goes in two parts, its first :data:`ST_PROBE` sequences and the rest: a trial with more
    than ``st1_max_wrong`` wrong among the first meets neither rule and is not run on the rest (a
    trial still learning nearly always is; the test set then costs ~1/16 of its whole, which was
    two thirds of an Exp 3 run's time). The verdicts are those of the whole set: ST1 counts the
    wrong over both parts, ST2 averages the error over the whole set in its original order.
    """
    data, rows = _st_set(run, act)

    def scores(trials: Array, part: slice) -> tuple[Array, Array]:
        sub = _part(data, rows[trials], part)
        y_out = _predict(run, take_trials(params, trials), sub)
        return criteria.sequence_scores(run.rule, y_out, sub["y_ref"], sub["has_target"])

    everyone = np.arange(len(act))
    err, correct = scores(everyone, slice(0, ST_PROBE))
    alive = np.flatnonzero((~correct).sum(1) <= run.rule.st1_max_wrong)
    st1, st2 = np.zeros(len(act), bool), np.zeros(len(act), bool)
    if len(alive):
        err_all, correct_all = err[alive], correct[alive]
        if data["lengths"].shape[1] > ST_PROBE:
            err_rest, correct_rest = scores(alive, slice(ST_PROBE, None))
            err_all = np.concatenate([err_all, err_rest], axis=1)
            correct_all = np.concatenate([correct_all, correct_rest], axis=1)
        st1[alive] = (~correct_all).sum(1) <= run.rule.st1_max_wrong
        st2[alive] = st1[alive] & (err_all.mean(1) < run.rule.st2_mae)
    for k, hit in zip(act, st1):
        if hit and run.results[k].st1_at is None:
            run.results[k].st1_at = run.seen
    return st2


# ----------------------------------------------------------------------------- the registry

@dataclass(frozen=True)
class RuleKind:
    """What the trial loop does for one kind of stopping rule."""

    score: Callable[[StopRule, Array, dict], tuple[Array, Array]]      # one training sequence per trial
    stop_now: Callable[[StopRule, Array, Array, Array, bool], Array]    # after each training sequence
    sets: Callable[[TrialRun], Sets] = no_sets                          # drawn when the run starts
    frozen_test: Callable[[TrialRun, Array, dict], Array] | None = None  # every eval_every sequences
    streak: bool = False            # ABS: success is a streak of `window` correct training sequences
    final_test: bool = True         # the post-training test on test_size fresh sequences

    def tests_between_blocks(self, rule: StopRule) -> bool:
        """True when frozen weights are tested every ``eval_every`` sequences (ABS: only with abs_frozen)."""
        return self.frozen_test is not None and (not self.streak or rule.abs_frozen)

    def confirms(self, rule: StopRule) -> bool:
        """True when a streak counts only if the post-training test then finds no wrong sequence (A9)."""
        return self.streak and not rule.abs_frozen and rule.test_size > 0

    def streak_in_count(self, rule: StopRule) -> int:
        """Sequences of the winning streak that "success after" leaves out (ABS as a running count)."""
        return rule.window if self.streak and not rule.abs_frozen else 0


STOP_RULES: dict[str, RuleKind] = {
    "reber": RuleKind(score_by_legal, never, sets=reber_train_test_sets, frozen_test=reber_all_sets,
                      final_test=False),
    "abs": RuleKind(score_by_rule, abs_met, frozen_test=abs_on_fresh, streak=True),
    "st12": RuleKind(score_by_rule, never, sets=st_test_set, frozen_test=st2_on_set),
    "st3": RuleKind(score_by_rule, st3_met),
    "nseq": RuleKind(score_by_rule, nseq_met),
    "none": RuleKind(score_by_rule, never),
}
assert set(STOP_RULES) == set(STOP_KINDS), "every StopRule kind has its entry"
