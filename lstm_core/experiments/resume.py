"""What a :class:`~lstm_core.experiments.train.TrialRun` continues from: its state as a dict, and back.

A job's worker sends :meth:`Resumable.state` with its records (:mod:`lab.job_worker`), and a stopped
or saved run resumes by :meth:`Resumable.restore` on a fresh ``TrialRun`` of the same preset, trials
and seed. The state holds the weights, counters, the stopping rule's rings, each trial's result and
where its generators stand; no task data and no histories (curves, checkpoints: the caller keeps
those it was sent).

A state taken at a draw boundary (:meth:`Resumable.at_draw_boundary`: no pre-drawn training sequence
left; :meth:`Resumable.to_draw_boundary` trains on to the next one) is exact: the restored run draws the
very sequences the uninterrupted one would, and ends with the same weights bit for bit (a sweep's
trial snapshots, :mod:`lab.snapshot`). Elsewhere the pre-drawn rest of the chunk is lost and the
resumed run sees other (equally random) sequences.
"""

from __future__ import annotations

import numpy as np

from lstm_core.experiments.learner import take_trials
from lstm_core.experiments.results import TrialResult


class Resumable:
    """The resumable-state half of :class:`~lstm_core.experiments.train.TrialRun` (a base class of it)."""

    _STATE = ("seen", "elapsed", "message")                # scalars of the state; the arrays are named below

    def at_draw_boundary(self) -> bool:
        """No pre-drawn training sequence is left: a :meth:`state` taken now is exact (module docstring)."""
        return self.chunk is None or self._chunk_pos >= self.chunk_size

    def to_draw_boundary(self) -> None:
        """Train on the rest of the pre-drawn chunk (fewer than ``chunk_size`` sequences; less if the run
        ends first), so that :meth:`state` is exact."""
        if not self.done() and not self.at_draw_boundary():
            self.advance(self.chunk_size - self._chunk_pos)

    def state(self) -> dict:
        """What a resumed run needs beyond (preset, trials, seed, cap): a dict of copies, numbers and arrays.

        ``params`` (K, ...) of every trial, ``active``, the stop rule's windows, the checkpoint schedule,
        each trial's result and where its data / test generators stand. No task data (the next chunk
        is drawn afresh) and no histories (curves, checkpoints: the caller keeps those it was sent).
        ``exact``: taken at a draw boundary (:meth:`at_draw_boundary`).
        """
        self.synced_params()
        out = {k: getattr(self, k) for k in self._STATE}
        out["exact"] = self.at_draw_boundary()
        out.update(params={k: v.copy() for k, v in self.params.items()}, active=self.active.copy(),
                   **self.rings.state(), next_ckpt=self._next_ckpt, results=[vars(r).copy() for r in self.results],
                   data_rngs=[g.bit_generator.state for g in self.data_rngs],
                   test_rngs=[g.bit_generator.state for g in self.test_rngs],
                   **(self.growth.state() if self.growth is not None else {}))
        return out

    def restore(self, state: dict) -> None:
        """Continue from ``state`` (:meth:`state` of a run of the same preset, trials and seed).

        The histories start empty (the caller holds the earlier ones); the training sequences are
        drawn afresh from where the generators stand, so a resumed run sees the sequences an
        uninterrupted one would if the state is ``exact``, other (equally random) ones if not.
        """
        for k in self._STATE:
            setattr(self, k, state[k])
        self.params = {k: np.array(v, dtype=float) for k, v in state["params"].items()}
        self.active = np.asarray(state["active"], dtype=int)
        self.rings.restore(state)
        self._next_ckpt = int(state["next_ckpt"])
        self.results = [TrialResult(**r) for r in state["results"]]
        for gens, key in ((self.data_rngs, "data_rngs"), (self.test_rngs, "test_rngs")):
            for g, s in zip(gens, state[key]):
                g.bit_generator.state = s
        if self.growth is not None:
            self.growth.restore(state)
        self._work = take_trials(self.params, self.active)
        self.chunk = None
        self.curve_seq, self.curve_err, self.curve_ok, self.checkpoints = [], [], [], []
