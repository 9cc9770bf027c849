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
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from lstm_core.experiments import criteria
from lstm_core.experiments.learner import finite_trials, learner, take_trials
from lstm_core.experiments.preset import Construction, Preset
from lstm_core.nets.kernels_score import EVENT_DIVERGED, EVENT_STOP, ring_counts
from lstm_core.tasks import TASKS
from lstm_core.tasks.batch import one_hot
from lstm_core.tasks.reber import reber_sets

Array = np.ndarray
CHUNK = 64          # sequences generated per trial at a time (vectorised generators), at most
DATA_BUDGET = 512e6  # bytes of generated sequences held at once (training chunk, or one test batch)
CURVE_EVERY = 100   # learning-curve point every this many sequences


@dataclass
class Progress:
    """A snapshot of a run, cheap to copy and show."""

    sequences: int            # training sequences shown to each still-active trial
    trials: int
    solved: int
    failed: int               # diverged
    active: int
    elapsed: float            # seconds of training
    rate: float               # training sequences per second, summed over trials
    max_sequences: int
    done: bool
    recent_error: Array       # (K,) mean |error| at the sequence end over the last CURVE_EVERY sequences
    recent_correct: Array     # (K,) fraction processed correctly over the last CURVE_EVERY sequences
    message: str = ""

    @property
    def eta(self) -> float:
        """Seconds until the sequence cap at the current rate (an upper bound)."""
        per_trial = self.rate / max(self.active, 1)
        return (self.max_sequences - self.sequences) / per_trial if per_trial > 0 and not self.done else 0.0


@dataclass
class TrialResult:
    solved: bool = False
    sequences: int = 0                  # at success (ABS: before the winning streak), or when the trial stopped
    presented: int = 0                  # training sequences shown in all, streak included
    st1_at: int | None = None           # Exp 3: sequences until ST1
    grown_at: int | None = None         # sequential construction: sequences before the cell was added
    diverged: bool = False
    test: dict = field(default_factory=dict)


class TrialRun:
    """K trials of ``preset`` in lockstep. See the module docstring."""

    def __init__(self, preset: Preset, trials: int | None = None, seed: int = 0,
                 max_sequences: int | None = None, checkpoint_trial: int = 0,
                 trial_ids: list[int] | None = None):
        self.preset = preset
        self.rule = preset.stop
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
        self.construction: Construction | None = preset.construction
        if self.construction is not None:
            self._init_construction()
        self.active = np.arange(self.K)                    # indices of trials still training
        self.results = [TrialResult() for _ in range(self.K)]
        self.seen = 0
        self.elapsed = 0.0
        self._chunk: dict[str, Array] | None = None       # pre-drawn sequences of the active trials
        self._work = self.params                           # weights of the active trials (K_active, ...)
        self._err_hist = np.zeros((self.K, self.rule.window))
        self._ok_hist = np.zeros((self.K, self.rule.window), bool)
        self._streak = np.zeros(self.K, int)
        self.curve_seq: list[int] = []
        self.curve_err: list[Array] = []
        self.curve_ok: list[Array] = []
        self.checkpoint_trial = checkpoint_trial
        self.checkpoints: list[tuple[int, dict[str, Array]]] = [(0, take_trials(self.params, [checkpoint_trial]))]
        self._next_ckpt = 100
        self.message = ""
        self.seq_bytes = sequence_bytes(preset)            # as both engines hold them (see below)
        # big inputs (Exp 2c, q = 1000: 8 MB a sequence) draw fewer sequences per chunk, to stay in DATA_BUDGET
        # Sized from the preset alone (its paper trial count, dense rows), never from K or the engine: a task's
        # generator draws other sequences for another batch size, and trial i must see the same data whether
        # it runs alone, with K others, on the kernels or on NumPy (sweeps split rows into single trials).
        self.chunk_size = self._within_budget(preset.trials, CHUNK)
        self._train_sets = self._test_sets = None
        if self.rule.kind == "reber":                      # Exp 1: a training and a test set per trial (A7)
            sets = [reber_sets(r, preset.train_set_size or 256, self.rule.st_test_size,
                               embedded=preset.task == "embedded_reber", **preset.task_options)
                    for r in self.test_rngs]
            self._train_sets = [s[0] for s in sets]
            self._eval_sets = [criteria.stack([s[i] for s in sets], dense=False) for i in (0, 1)]
        elif self.rule.kind == "st12":                     # Exp 3: one fixed stopping test set (A14)
            self._eval_sets = [criteria.stack([self._draw(r, self.rule.st_test_size) for r in self.test_rngs],
                                             dense=False)]

    # ------------------------------------------------------------------ sequential construction (A8)
    def _init_construction(self) -> None:
        """Start every trial as the direct net: the cell's weights kept aside and held at 0 until its plateau."""
        from lstm_core.nets.lstm import layout, masks
        L = layout(self.preset.net)
        self._cell_rows = L.out_cells                              # W_k rows of the cell->output weights
        M_h, M_k = masks(self.preset.net)
        pre_k = M_k.copy()
        pre_k[L.out_cells] = 0.0
        post_k = M_k.copy()
        if self.construction.freeze:                           # the trained direct weights held from then on
            if L.out_x is not None:
                post_k[L.out_x] = 0.0
            post_k[L.out_bias] = 0.0
        self._masks_pre = (np.zeros_like(M_h), pre_k)
        self._masks_post = (M_h, post_k)
        self._cell_init = {"W_h": self.params["W_h"].copy(), "W_k": self.params["W_k"][:, L.out_cells].copy()}
        self.params["W_h"][:] = 0.0
        self.params["W_k"][:, L.out_cells] = 0.0
        self._grown = np.zeros(self.K, bool)
        self._plateau_best = np.full(self.K, np.inf)
        self._plateau_since = np.zeros(self.K, int)

    def _masks_of(self, rows: Array) -> list[tuple[Array, tuple[Array, Array] | None]]:
        """The active rows ``rows`` grouped by the weight masks they train with (None: the config's)."""
        if self.construction is None:
            return [(rows, None)]
        grown = self._grown[self.active[rows]]
        return [(r, m) for r, m in ((rows[~grown], self._masks_pre), (rows[grown], self._masks_post)) if len(r)]

    def _check_plateau(self) -> None:
        """Every ``construction.window`` sequences: a trial whose error has stopped decreasing gets its cell."""
        c = self.construction
        idx = np.arange(self.seen - c.window, self.seen) % self.rule.window
        for i, k in enumerate(self.active):
            if self._grown[k]:
                continue
            value = float(self._err_hist[k, idx].mean())
            self._plateau_best[k], self._plateau_since[k], plateau = c.step(
                float(self._plateau_best[k]), int(self._plateau_since[k]), value)
            if plateau:
                self._grown[k] = True
                self.results[k].grown_at = self.seen
                if c.init == "drawn":
                    self._work["W_h"][i] = self._cell_init["W_h"][k]
                    self._work["W_k"][i, self._cell_rows] = self._cell_init["W_k"][k]

    # ------------------------------------------------------------------ data
    def _draw(self, rng: np.random.Generator, n: int):
        return TASKS[self.preset.task](rng, n, **self.preset.task_options)

    def _within_budget(self, trials: int, most: int) -> int:
        """How many sequences per trial (1 to ``most``) ``trials`` trials may hold within DATA_BUDGET."""
        return int(np.clip(DATA_BUDGET // (self.seq_bytes * trials), 1, most))

    def _refill(self) -> None:
        """Draw the next ``chunk_size`` training sequences of every active trial (vectorised generators).

        ``_chunk`` holds (K_active, chunk_size, T, ·) arrays as :func:`criteria.stack` makes them, plus
        ``lengths`` (K_active, chunk_size) and, for one-hot tasks, ``sym`` (K_active, chunk_size, T):
        the kernels read the symbol index instead of the one-hot row.
        """
        n = self.chunk_size
        if self._train_sets is not None:                   # "t1": random exemplars of the training set
            picks = [t.subset(self.data_rngs[k].integers(t.B, size=n))
                     for k, t in ((k, self._train_sets[k]) for k in self.active)]
        else:
            picks = [self._draw(self.data_rngs[k], n) for k in self.active]
        self._chunk = criteria.stack(picks, dense=False)
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
        every = [CURVE_EVERY] + ([self.rule.eval_every] if self._tests_between_blocks() else [])
        every += [self.construction.window] if self.construction is not None else []
        nxt = [(self.seen // e + 1) * e for e in every] + [self._next_ckpt]
        return min(nxt)

    def _tests_between_blocks(self) -> bool:
        """True when the rule tests frozen weights every ``eval_every`` sequences (Exps 1, 3; ABS with abs_frozen)."""
        return self.rule.kind in ("reber", "st12") or (self.rule.kind == "abs" and self.rule.abs_frozen)

    def _train_block(self, n: int) -> None:
        """Train the active trials on their next ``n`` pre-drawn sequences (fewer for a trial that stops).

        A trial whose rule is met (ABS: and confirmed on its test set) or that diverges stops at that
        sequence; the others go on. Then the bookkeeping due at the block's end: curve, checkpoint,
        the Exp 1 / Exp 3 test-set rules.
        """
        if self._chunk is None or self._chunk_pos >= self.chunk_size:
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
                        self._streak[k] = 0
                        continue
                    if self.rule.kind == "abs" and self.rule.test_size and not self._confirm(i, k):
                        self._streak[k] = 0                       # A9: the streak did not hold on the test set
                        continue
                    finished[k] = ("solved", count)
        self._chunk_pos = i0 + n
        self.seen += n
        if self.seen % CURVE_EVERY == 0:
            self._log_curve()
        if self.seen >= self._next_ckpt:
            self._sync()
            self.checkpoints.append((self.seen, take_trials(self.params, [self.checkpoint_trial])))
            self._next_ckpt = int(self._next_ckpt * 2)
        if self._tests_between_blocks() and self.seen % self.rule.eval_every == 0:
            left = np.array([k for k in self.active if int(k) not in finished], int)
            if len(left):
                for k in left[self._evaluate(left)]:
                    finished[int(k)] = ("solved", self.seen)
        if finished:
            self._freeze(finished)
        if self.construction is not None and self.seen % self.construction.window == 0:
            self._check_plateau()

    def _block_data(self, idx: Array, b: int | None = None) -> dict[str, Array]:
        """The pre-drawn arrays of active-trial rows ``idx`` (all positions, or position ``b``)."""
        sel = (idx,) if b is None else (idx, b)
        return {key: (v[sel] if v is not None else None) for key, v in self._chunk.items()}

    def _train_span(self, todo: Array, pos: Array, stop: int) -> Array:
        """Train active rows ``todo`` from ``pos[i]`` until ``stop``, each until its rule or divergence.

        ``pos`` is advanced in place (past the sequence of an event); returns the EVENT_* of each row.
        The compiled kernel does it in one call per group of rows with the same weight masks (one
        group but with the sequential construction); else the readable loop, sequence by sequence.
        """
        events = np.zeros(len(todo), int)
        for rows, wm in self._masks_of(todo):
            events[np.searchsorted(todo, rows)] = self._train_rows(rows, pos, stop, wm)
        return events

    def _train_rows(self, todo: Array, pos: Array, stop: int, wm) -> Array:
        """:meth:`_train_span` of rows ``todo`` (sorted) that all train with the weight masks ``wm``."""
        lr = self.preset.effective_lr
        if self.learner.has_kernel():
            act = self.active[todo]
            work = take_trials(self._work, todo)
            err_h, ok_h = self._err_hist[act], self._ok_hist[act]
            counts = ring_counts(self._streak[act], ok_h)
            p = pos[todo].copy()
            extra = {} if wm is None else {"weight_masks": wm}
            events = self.learner.train_span(work, self._block_data(todo), lr, self.rule,
                                             self.seen - self._chunk_pos, p, stop, err_h, ok_h, counts, **extra)
            pos[todo] = p
            for name in work:
                self._work[name][todo] = work[name]
            self._err_hist[act], self._ok_hist[act], self._streak[act] = err_h, ok_h, counts[:, 0]
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
            err, correct = self._scores(y_out, d)
            seen = self.seen - self._chunk_pos + b + 1
            stop_now = self._record(self.active[rows], err, correct, seen)
            pos[rows] += 1
            where = np.searchsorted(todo, rows)
            events[where[~ok_params]] = EVENT_DIVERGED
            events[where[ok_params & stop_now]] = EVENT_STOP
            running[where[~ok_params | stop_now]] = False
        return events

    def _scores(self, y_out: Array, d: dict[str, Array]) -> tuple[Array, Array]:
        """Per trial: the error the rule averages and whether the sequence was correct (NumPy twin of the kernel's)."""
        y_out, y, ht = y_out[:, None], d["y_ref"][:, None], d["has_target"][:, None]
        if self.rule.kind == "reber":
            ok = criteria.reber_all_correct(y_out, d["legal"][:, None], ht)
            return criteria.end_abs_error(y_out, y, ht).mean(-1)[:, 0], ok
        err, correct = criteria.sequence_scores(self.rule, y_out, y, ht)
        return err[:, 0], correct[:, 0]

    def _record(self, trials: Array, err: Array, correct: Array, seen: int) -> Array:
        """Ring bookkeeping of sequence number ``seen`` and the in-loop stop test (twin of ``record_and_check``)."""
        rule = self.rule
        slot = (seen - 1) % rule.window
        self._err_hist[trials, slot] = err
        self._ok_hist[trials, slot] = correct
        self._streak[trials] = np.where(correct, self._streak[trials] + 1, 0)
        full = seen >= rule.window
        if rule.kind == "st3":
            return full & self._ok_hist[trials].all(1) & (self._err_hist[trials].mean(1) < rule.beta)
        if rule.kind == "nseq":
            return full & ((~self._ok_hist[trials]).sum(1) < rule.n_seq)
        if rule.kind == "abs":
            return self._streak[trials] >= rule.window
        return np.zeros(len(trials), bool)

    def _evaluate(self, act: Array) -> Array:
        """Exp 1 / Exp 3 test-set criteria, ABS on frozen weights, for the active trials (every eval_every)."""
        self._sync()
        params = take_trials(self.params, act)
        if self.rule.kind == "reber":
            ok = np.ones(len(act), bool)
            for data in self._eval_sets:                    # training set first, then the test set
                sub = {k: (v[act][ok] if v is not None else None) for k, v in data.items()}
                if not ok.any():
                    break
                y_out = self.learner.predict(take_trials(params, np.flatnonzero(ok)), sub["x"], sub.get("sym"),
                                             sub["lengths"])
                ok[ok] = criteria.reber_all_correct(y_out, sub["legal"], sub["has_target"])
            return ok
        if self.rule.kind == "abs":                         # abs_frozen: fresh sequences, frozen weights (A9)
            data = criteria.stack([self._draw(self.test_rngs[k], self.rule.st_test_size) for k in act],
                                  dense=False)
            y_out = self.learner.predict(params, data["x"], data.get("sym"), data["lengths"])
            return criteria.sequence_scores(self.rule, y_out, data["y_ref"], data["has_target"])[1].all(1)
        data = {k: (v[act] if v is not None else None) for k, v in self._eval_sets[0].items()}
        y_out = self.learner.predict(params, data["x"], data.get("sym"), data["lengths"])
        err, correct = criteria.sequence_scores(self.rule, y_out, data["y_ref"], data["has_target"])
        st1 = (~correct).sum(1) <= self.rule.st1_max_wrong
        for k, hit in zip(act, st1):
            if hit and self.results[k].st1_at is None:
                self.results[k].st1_at = self.seen
        return st1 & (err.mean(1) < self.rule.st2_mae)

    def _sync(self) -> None:
        """Copy the working weights of the active trials back into ``params`` (all K trials)."""
        for name, v in self._work.items():
            if v is not self.params[name]:
                self.params[name][self.active] = v

    def _test(self, trials: list[int]) -> list[dict]:
        """The post-training test on ``test_size`` fresh sequences per trial (frozen weights).

        Drawn and judged in batches that fit DATA_BUDGET (10,000 Exp 2c sequences at q = 1000
        would be 80 GB at once); counts add up, mean errors are weighted by batch size.
        """
        self._sync()
        n = self.rule.test_size
        if not n or not trials or self.rule.kind == "reber":
            return [{} for _ in trials]
        batch = self._within_budget(1, n)                 # per trial, so a trial's test set never depends on K
        group = self._within_budget(batch, len(trials))   # trials judged together within the budget
        out = []
        for g0 in range(0, len(trials), group):
            ks = trials[g0:g0 + group]
            params = take_trials(self.params, ks)
            total: dict[str, Array] = {}
            for start in range(0, n, batch):
                m = min(batch, n - start)
                data = criteria.stack([self._draw(self.test_rngs[k], m) for k in ks], dense=False)
                y_out = self.learner.predict(params, data["x"], data.get("sym"), data["lengths"])
                for key, v in criteria.test_report(self.rule, y_out, data).items():
                    total[key] = total.get(key, 0) + (v * m if key in ("mse", "mae") else v)
            for key in ("mse", "mae"):
                total[key] = total[key] / n
            out += [{key: float(v[i]) for key, v in total.items()} for i in range(len(ks))]
        return out

    def _confirm(self, row: int, k: int) -> bool:
        """ABS rules: trial k's (active row ``row``) streak of correct sequences, confirmed on a frozen test set."""
        test = self._test([k])[0]                         # (_test copies the working weights back first)
        self.results[k].test = test
        return test.get("wrong", 0) == 0

    def _freeze(self, finished: dict[int, tuple[str, int]]) -> None:
        """Record and drop the finished trials: trial -> (why, sequences it had seen)."""
        self._sync()
        to_test = [k for k, (why, _) in finished.items() if why == "solved" and not self.results[k].test]
        for k, t in zip(to_test, self._test(to_test)):
            self.results[k].test = t
        for k, (why, count) in finished.items():
            r = self.results[k]
            r.solved = why == "solved"
            r.presented = count
            streak = r.solved and self.rule.kind == "abs" and not self.rule.abs_frozen
            r.sequences = count - (self.rule.window if streak else 0)
            r.diverged = why == "diverged"
        if any(why == "diverged" for why, _ in finished.values()):
            bad = sorted(k for k, (w, _) in finished.items() if w == "diverged")
            self.message = f"Training diverged (NaN/inf) in trial(s) {bad} — stopped, last good weights kept."

        self._sync()
        keep = np.array([int(k) not in finished for k in self.active], bool)
        self.active = self.active[keep]
        self._work = take_trials(self.params, self.active)
        if self._chunk is not None:                       # drop the frozen trials' pre-drawn data
            self._chunk = {k: (v[keep] if v is not None else None) for k, v in self._chunk.items()}

    def _log_curve(self) -> None:
        w = min(CURVE_EVERY, self.rule.window)
        idx = (np.arange(self.seen - w, self.seen)) % self.rule.window
        err = np.full(self.K, np.nan)
        ok = np.full(self.K, np.nan)
        err[self.active] = self._err_hist[self.active][:, idx].mean(1)
        ok[self.active] = self._ok_hist[self.active][:, idx].mean(1)
        self.curve_seq.append(self.seen)
        self.curve_err.append(err)
        self.curve_ok.append(ok)

    # ------------------------------------------------------------------ resumable state
    _STATE = ("seen", "elapsed", "message")                # scalars of the state; the arrays are named below

    def state(self) -> dict:
        """What a resumed run needs beyond (preset, trials, seed, cap): a dict of copies, numbers and arrays.

        ``params`` (K, ...) of every trial, ``active``, the stop rule's windows, the checkpoint schedule,
        each trial's result and where its data / test generators stand. No task data (the next chunk
        is drawn afresh) and no histories (curves, checkpoints: the caller keeps those it was sent).
        """
        self._sync()
        out = {k: getattr(self, k) for k in self._STATE}
        out.update(params={k: v.copy() for k, v in self.params.items()}, active=self.active.copy(),
                   err_hist=self._err_hist.copy(), ok_hist=self._ok_hist.copy(), streak=self._streak.copy(),
                   next_ckpt=self._next_ckpt, results=[vars(r).copy() for r in self.results],
                   data_rngs=[g.bit_generator.state for g in self.data_rngs],
                   test_rngs=[g.bit_generator.state for g in self.test_rngs])
        if self.construction is not None:
            out.update(grown=self._grown.copy(), plateau_best=self._plateau_best.copy(),
                       plateau_since=self._plateau_since.copy())
        return out

    def restore(self, state: dict) -> None:
        """Continue from ``state`` (:meth:`state` of a run of the same preset, trials and seed).

        The histories start empty (the caller holds the earlier ones); the training sequences are
        drawn afresh from where the generators stand, so a resumed run sees other (equally random)
        sequences than an uninterrupted one would.
        """
        for k in self._STATE:
            setattr(self, k, state[k])
        self.params = {k: np.array(v, dtype=float) for k, v in state["params"].items()}
        self.active = np.asarray(state["active"], dtype=int)
        self._err_hist, self._ok_hist = np.array(state["err_hist"]), np.array(state["ok_hist"])
        self._streak, self._next_ckpt = np.array(state["streak"]), int(state["next_ckpt"])
        self.results = [TrialResult(**r) for r in state["results"]]
        for gens, key in ((self.data_rngs, "data_rngs"), (self.test_rngs, "test_rngs")):
            for g, s in zip(gens, state[key]):
                g.bit_generator.state = s
        if self.construction is not None:
            self._grown, self._plateau_best = np.array(state["grown"]), np.array(state["plateau_best"])
            self._plateau_since = np.array(state["plateau_since"])
        self._work = take_trials(self.params, self.active)
        self._chunk = None
        self.curve_seq, self.curve_err, self.curve_ok, self.checkpoints = [], [], [], []

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
        self._sync()
        for k in self.active:
            self.results[k].sequences = self.results[k].presented = self.seen
        solved = [r.sequences for r in self.results if r.solved]
        summary = {
            "preset": self.preset.name, "trials": self.K, "seed": self.seed,
            "successes": len(solved), "success_rate": len(solved) / self.K,
            "sequences_to_success": [r.sequences if r.solved else None for r in self.results],
            "mean_sequences": float(np.mean(solved)) if solved else None,
            "min_sequences": min(solved) if solved else None,
            "max_sequences": max(solved) if solved else None,
            "sequences_presented": [r.presented for r in self.results],
            "sequences_seen": self.seen, "max_sequences_cap": self.max_sequences,
            "diverged": [k for k, r in enumerate(self.results) if r.diverged],
            "st1_at": [r.st1_at for r in self.results],
            **({"grown_at": [r.grown_at for r in self.results]} if self.construction is not None else {}),
            "seconds": self.elapsed,
            "test": _summarise_tests([r.test for r in self.results if r.solved and r.test]),
        }
        return summary


def sequence_bytes(preset: Preset) -> float:
    """Bytes the trial loop holds per generated sequence of ``preset`` (arrays, and their stacked copy).

    Estimated from 8 sequences drawn with a throwaway generator, with a margin of 2 for
    sequences longer than those (Exp 2c lengths have a geometric tail).
    """
    b = TASKS[preset.task](np.random.default_rng(0), 8, **preset.task_options)
    x = b.symbols if b.by_symbol else b.x                 # one-hot tasks are held as symbol indices (both engines)
    one = sum(a.nbytes for a in (x, b.y, b.has_target, b.legal, b.y_clean) if a is not None) / 8
    return 2 * 2 * one


def _summarise_tests(tests: list[dict]) -> dict:
    """Mean / max over solved trials of the post-training test figures."""
    if not tests:
        return {}
    out = {"trials_tested": len(tests), "test_size": int(tests[0].get("n", 0))}
    for key in ("wrong", "mse", "mae"):
        vals = [t[key] for t in tests if key in t]
        if vals:
            out[f"{key}_mean"] = float(np.mean(vals))
            out[f"{key}_max"] = float(np.max(vals))
    return out
