"""The trial loop: K independent networks of one preset, trained in lockstep until the paper's rule says stop.

::

    run = TrialRun(get_preset("exp4_adding_T100"), trials=10, seed=0)
    for progress in run.advance_iter(chunk=200):   # yields records; never prints or draws
        ...
    result = run.result()

Each trial k has its own generators (``SeedSequence(seed).spawn``): one for its initial
weights, one for its training data, one for its test sets, so trial k of a K-trial run
equals a 1-trial run of the same seed and index. A trial that meets its stopping rule
(or diverges) is frozen — its sequence count, weights and test results recorded — and
leaves the lockstep set; "success after" counts the training sequences it was shown —
for the ABS rules of Exp 2 those before its final streak of ``window`` correct sequences,
which plays the paper's "10,000 successive sequences after training" (its Exp 2a LSTM mean
of 5,040 is below 10,000, so its count cannot include them); ``sequences_presented`` keeps
the total.

With a preset's ``construction`` (Exps 2a/2b, spec A8) each trial starts as the direct
input->output net — the cell's, the gates' and the cell->output weights held at 0 by the weight
masks the learners take — and gets its cell when its error stops decreasing
(:class:`~lstm_core.experiments.preset.Construction`); ``grown_at`` in the summary says when.

The loop's other concerns live beside it: :mod:`~lstm_core.experiments.stop_rules` (what each kind
of stopping rule scores, tests and draws), :mod:`~lstm_core.experiments.budget` (how many sequences
are drawn at a time), :mod:`~lstm_core.experiments.final_test` (the post-training test),
:mod:`~lstm_core.experiments.growth` (the sequential construction),
:mod:`~lstm_core.experiments.rings` (the stopping rule's last ``window`` sequences),
:mod:`~lstm_core.experiments.resume` (the state a run continues from) and
:mod:`~lstm_core.experiments.results` (progress records and the summary). What stays here (~340
lines) is one concern: the lockstep loop and the freezing of trials, on either engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from lstm_core.experiments import budget, criteria
from lstm_core.experiments.final_test import final_test
from lstm_core.experiments.growth import Growth
from lstm_core.experiments.learner import finite_trials, learner, take_trials
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.results import Progress, TrialResult, summary
from lstm_core.experiments.resume import Resumable
from lstm_core.experiments.rings import Rings
from lstm_core.experiments.stop_rules import STOP_RULES
from lstm_core.nets.kernels_score import EVENT_DIVERGED, EVENT_STOP
from lstm_core.tasks.batch import one_hot

__all__ = ["TrialRun", "Progress", "TrialResult", "CURVE_EVERY"]

Array = np.ndarray
CURVE_EVERY = 100   # learning-curve point every this many sequences


class TrialRun(Resumable):
    """K trials of ``preset`` in lockstep. See the module docstring.

    Public state: ``params`` (K, ...) the weights of all trials (those of the active ones are
    current after :meth:`synced_params`), ``active`` the trials still training, ``results``
    (:class:`TrialResult` per trial), ``seen``, the learning curve (``curve_seq``, ``curve_err``,
    ``curve_ok``), ``checkpoints`` [(sequences, params of ``checkpoint_trial``)], ``chunk`` the
    pre-drawn training sequences of the active trials, ``train_sets`` / ``eval_sets`` the sets
    the stopping rule drew (:mod:`lstm_core.experiments.stop_rules`), ``growth`` the sequential
    construction's state (None without one).
    """

    def __init__(self, preset: Preset, trials: int | None = None, seed: int = 0,
                 max_sequences: int | None = None, checkpoint_trial: int = 0,
                 trial_ids: list[int] | None = None):
        self.preset = preset
        self.rule = preset.stop
        self.kind = STOP_RULES[self.rule.kind]
        # trial_ids: which trials of the seed's run these are (default 0..K-1); trial i always
        # draws from SeedSequence(seed, spawn_key=(i,)), the i-th child of SeedSequence(seed).spawn,
        # so a row's trials may be split over processes or machines and give the same numbers.
        self.trial_ids = [int(i) for i in trial_ids] if trial_ids is not None else None
        self.K = len(self.trial_ids) if self.trial_ids is not None else int(trials or preset.trials)
        if self.K < 1:
            raise ValueError("trials must be >= 1")
        if self.trial_ids is not None and (min(self.trial_ids) < 0 or len(set(self.trial_ids)) != self.K):
            raise ValueError("trial_ids must be distinct non-negative integers")
        self.seed = int(seed)
        self.max_sequences = int(max_sequences or self.rule.max_sequences)
        self.learner = learner(preset)
        ids = self.trial_ids if self.trial_ids is not None else range(self.K)
        seqs = [np.random.SeedSequence(self.seed, spawn_key=(i,)) for i in ids]
        streams = [s.spawn(3) for s in seqs]
        self.data_rngs = [np.random.default_rng(s[1]) for s in streams]
        self.test_rngs = [np.random.default_rng(s[2]) for s in streams]
        self.params = self.learner.init([np.random.default_rng(s[0]) for s in streams])   # (K, ...) all trials
        self.growth = (Growth(preset.construction, preset.net, self.params)
                       if preset.construction is not None else None)
        self.active = np.arange(self.K)                    # indices of trials still training
        self.results = [TrialResult() for _ in range(self.K)]
        self.seen = 0
        self.elapsed = 0.0
        self.chunk: dict[str, Array] | None = None         # pre-drawn sequences of the active trials
        self._chunk_pos = 0
        self._work = self.params                           # weights of the active trials (K_active, ...)
        self.rings = Rings(self.K, self.rule.window)        # the stopping rule's last `window` sequences
        self.curve_seq: list[int] = []
        self.curve_err: list[Array] = []
        self.curve_ok: list[Array] = []
        self.checkpoint_trial = checkpoint_trial
        self.checkpoints: list[tuple[int, dict[str, Array]]] = [(0, take_trials(self.params, [checkpoint_trial]))]
        self._next_ckpt = 100
        self.message = ""
        self.chunk_size = budget.chunk_size(preset)        # big inputs (Exp 2c, q = 1000) draw fewer at a time
        self.train_sets, self.eval_sets = self.kind.sets(self)

    # ------------------------------------------------------------------ data
    def _refill(self) -> None:
        """Draw the next ``chunk_size`` training sequences of every active trial (vectorised generators).

        ``chunk`` holds (K_active, chunk_size, T, ·) arrays as :func:`criteria.stack` makes them, plus
        ``lengths`` (K_active, chunk_size) and, for one-hot tasks, ``sym`` (K_active, chunk_size, T):
        the kernels read the symbol index instead of the one-hot row.
        """
        n = self.chunk_size
        if self.train_sets is not None:                    # "t1": random exemplars of the training set
            picks = [self.train_sets[k].subset(self.data_rngs[k].integers(self.train_sets[k].B, size=n))
                     for k in self.active]
        else:
            picks = [budget.draw(self.preset, self.data_rngs[k], n) for k in self.active]
        self.chunk = criteria.stack(picks, dense=False)
        self._chunk_pos = 0

    # ------------------------------------------------------------------ training
    def done(self) -> bool:
        return len(self.active) == 0 or self.seen >= self.max_sequences

    def advance(self, n: int) -> Progress:
        """Train every active trial on up to ``n`` more sequences; returns the new :class:`Progress`."""
        t0 = time.perf_counter()
        end = min(self.seen + int(n), self.max_sequences)
        while self.seen < end and len(self.active):
            self._train_block(min(end, self._next_boundary()) - self.seen)
        self.elapsed += time.perf_counter() - t0
        return self.progress()

    def advance_iter(self, chunk: int = 100) -> Iterator[Progress]:
        """Yield a :class:`Progress` every ``chunk`` sequences until the run is done."""
        while not self.done():
            yield self.advance(chunk)

    def _next_boundary(self) -> int:
        """The next sequence count at which the loop must look between blocks (curve, checkpoint, test)."""
        every = [CURVE_EVERY] + ([self.rule.eval_every] if self.kind.tests_between_blocks(self.rule) else [])
        every += [self.growth.rule.window] if self.growth is not None else []
        nxt = [(self.seen // e + 1) * e for e in every] + [self._next_ckpt]
        return min(nxt)

    def _train_block(self, n: int) -> None:
        """Train the active trials on their next ``n`` pre-drawn sequences (fewer for a trial that stops).

        A trial whose rule is met (ABS: and confirmed on its test set) or that diverges stops at that
        sequence; the others go on. Then the bookkeeping due at the block's end: curve, checkpoint,
        the Exp 1 / Exp 3 test-set rules.
        """
        if self.chunk is None or self._chunk_pos >= self.chunk_size:
            self._refill()
        i0 = self._chunk_pos
        n = min(n, self.chunk_size - i0)
        K = len(self.active)
        pos = np.full(K, i0, np.int64)
        finished: dict[int, tuple[str, int]] = {}                 # trial -> (why, sequences seen)
        while True:
            todo = np.array([i for i in range(K) if self.active[i] not in finished and pos[i] < i0 + n], int)
            if not len(todo):
                break
            events = self._train_span(todo, pos, i0 + n)
            for i, ev in zip(todo, events):
                k, count = int(self.active[i]), self.seen + int(pos[i]) - i0
                if ev == EVENT_DIVERGED:
                    finished[k] = ("diverged", count)
                elif ev == EVENT_STOP:
                    if self.rule.abs_frozen:                      # A9 "after training": the streak is not the test
                        self.rings.streak[k] = 0
                        continue
                    if self.kind.confirms(self.rule) and not self._confirm(k):
                        self.rings.streak[k] = 0                  # A9: the streak did not hold on the test set
                        continue
                    finished[k] = ("solved", count)
        self._chunk_pos = i0 + n
        self.seen += n
        if self.seen % CURVE_EVERY == 0:
            self._log_curve()
        if self.seen >= self._next_ckpt:
            self.checkpoints.append((self.seen, take_trials(self.synced_params(), [self.checkpoint_trial])))
            self._next_ckpt = int(self._next_ckpt * 2)
        if self.kind.tests_between_blocks(self.rule) and self.seen % self.rule.eval_every == 0:
            left = np.array([k for k in self.active if int(k) not in finished], int)
            if len(left):
                solved = self.kind.frozen_test(self, left, take_trials(self.synced_params(), left))
                for k in left[solved]:
                    finished[int(k)] = ("solved", self.seen)
        if finished:
            self._freeze(finished)
        if self.growth is not None and self.seen % self.growth.rule.window == 0:
            err = self.rings.recent(self.active, self.seen, self.growth.rule.window)[0]
            for k in self.growth.check(self.active, err, self._work):
                self.results[k].grown_at = self.seen

    def _block_data(self, idx: Array, b: int | None = None) -> dict[str, Array]:
        """The pre-drawn arrays of active-trial rows ``idx`` (all positions, or position ``b``)."""
        sel = (idx,) if b is None else (idx, b)
        return {key: (v[sel] if v is not None else None) for key, v in self.chunk.items()}

    def _train_span(self, todo: Array, pos: Array, stop: int) -> Array:
        """Train active rows ``todo`` from ``pos[i]`` until ``stop``, each until its rule or divergence.

        ``pos`` is advanced in place (past the sequence of an event); returns the EVENT_* of each row.
        The compiled kernel does it in one call per group of rows with the same weight masks (one
        group but with the sequential construction); else the readable loop, sequence by sequence.
        """
        if self.growth is None:
            return self._train_rows(todo, pos, stop, None)
        events = np.zeros(len(todo), int)
        for rows, wm in self.growth.groups(todo, self.active[todo]):
            events[np.searchsorted(todo, rows)] = self._train_rows(rows, pos, stop, wm)
        return events

    def _train_rows(self, todo: Array, pos: Array, stop: int, wm) -> Array:
        """:meth:`_train_span` of rows ``todo`` (sorted) that all train with the weight masks ``wm``."""
        lr = self.preset.effective_lr
        if self.learner.has_kernel():
            act = self.active[todo]
            whole = len(todo) == len(self.active)          # every active trial: their arrays as they are, no copies
            work = self._work if whole else take_trials(self._work, todo)
            p = pos if whole else pos[todo]
            rings = self.rings.rows(act)
            extra = {} if wm is None else {"weight_masks": wm}
            events = self.learner.train_span(work, self.chunk if whole else self._block_data(todo), lr, self.rule,
                                             self.seen - self._chunk_pos, p, stop, *rings, **extra)
            self.rings.put(act, *rings)
            if not whole:
                pos[todo] = p
                for name in work:
                    self._work[name][todo] = work[name]
            return events
        events = np.zeros(len(todo), int)
        running = np.ones(len(todo), bool)
        for b in range(int(pos[todo].min()), stop):
            rows = todo[running & (pos[todo] == b)]
            if not len(rows):
                continue
            d = self._block_data(rows, b)
            T = int(d["lengths"].max())
            d = {key: (v[:, :T] if v is not None and v.ndim > 1 else v) for key, v in d.items()}
            work = take_trials(self._work, rows)
            x = d["x"] if d["x"] is not None else one_hot(d["sym"], self.preset.net.n_in)   # one-hot rows, now
            new, y_out = self.learner.train(work, x, d["y"], d["has_target"], lr,
                                            **({} if wm is None else {"weight_masks": wm}))
            ok_params = finite_trials(new) & np.isfinite(y_out).reshape(len(rows), -1).all(1)
            for name in new:                              # a diverged trial keeps its last good weights
                self._work[name][rows[ok_params]] = new[name][ok_params]
            err, correct = self.kind.score(self.rule, y_out, d)
            seen = self.seen - self._chunk_pos + b + 1
            stop_now = self._record(self.active[rows], err, correct, seen)
            pos[rows] += 1
            where = np.searchsorted(todo, rows)
            events[where[~ok_params]] = EVENT_DIVERGED
            events[where[ok_params & stop_now]] = EVENT_STOP
            running[where[~ok_params | stop_now]] = False
        return events

    def _record(self, trials: Array, err: Array, correct: Array, seen: int) -> Array:
        """Ring bookkeeping of sequence number ``seen`` and the in-loop stop test (twin of ``record_and_check``)."""
        r = self.rings
        r.record(trials, err, correct, seen)
        return self.kind.stop_now(self.rule, r.err[trials], r.ok[trials], r.streak[trials], seen >= self.rule.window)

    def synced_params(self) -> dict[str, Array]:
        """``params`` (K, ...) of all trials, the active ones' working weights copied back first."""
        for name, v in self._work.items():
            if v is not self.params[name]:
                self.params[name][self.active] = v
        return self.params

    def _confirm(self, k: int) -> bool:
        """ABS rules: trial k's streak of correct sequences, confirmed on a frozen test set."""
        test = final_test(self, [k])[0]
        self.results[k].test = test
        return test.get("wrong", 0) == 0

    def _freeze(self, finished: dict[int, tuple[str, int]]) -> None:
        """Record and drop the finished trials: trial -> (why, sequences it had seen)."""
        to_test = [k for k, (why, _) in finished.items() if why == "solved" and not self.results[k].test]
        for k, t in zip(to_test, final_test(self, to_test)):
            self.results[k].test = t
        for k, (why, count) in finished.items():
            r = self.results[k]
            r.solved = why == "solved"
            r.presented = count
            r.sequences = count - (self.kind.streak_in_count(self.rule) if r.solved else 0)
            r.diverged = why == "diverged"
        if any(why == "diverged" for why, _ in finished.values()):
            bad = sorted(k for k, (w, _) in finished.items() if w == "diverged")
            self.message = f"Training diverged (NaN/inf) in trial(s) {bad} — stopped, last good weights kept."

        self.synced_params()
        keep = np.array([int(k) not in finished for k in self.active], bool)
        self.active = self.active[keep]
        self._work = take_trials(self.params, self.active)
        if self.chunk is not None:                        # drop the frozen trials' pre-drawn data
            self.chunk = {k: (v[keep] if v is not None else None) for k, v in self.chunk.items()}

    def _log_curve(self) -> None:
        err = np.full(self.K, np.nan)
        ok = np.full(self.K, np.nan)
        w = min(CURVE_EVERY, self.rule.window)
        err[self.active], ok[self.active] = self.rings.recent(self.active, self.seen, w)
        self.curve_seq.append(self.seen)
        self.curve_err.append(err)
        self.curve_ok.append(ok)

    # ------------------------------------------------------------------ reporting
    def progress(self) -> Progress:
        n_solved = sum(r.solved for r in self.results)
        n_failed = sum(r.diverged for r in self.results)
        last_err = self.curve_err[-1] if self.curve_err else np.full(self.K, np.nan)
        last_ok = self.curve_ok[-1] if self.curve_ok else np.full(self.K, np.nan)
        rate = self.seen * self.K / self.elapsed if self.elapsed > 0 else 0.0
        return Progress(self.seen, self.K, n_solved, n_failed, len(self.active), self.elapsed, rate,
                        self.max_sequences, self.done(), last_err, last_ok, self.message)

    def result(self) -> dict:
        """Per-trial outcome and the paper-style summary (trials still active count as unsolved)."""
        self.synced_params()
        for k in self.active:
            self.results[k].sequences = self.results[k].presented = self.seen
        return summary(self.results, preset=self.preset.name, trials=self.K, seed=self.seed,
                       sequences_seen=self.seen, max_sequences_cap=self.max_sequences,
                       grown=self.growth is not None, seconds=self.elapsed)

