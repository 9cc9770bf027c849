"""The stopping rule's memory: each trial's last ``window`` training sequences (spec §4, A17).

Sequence number ``seen`` (1-based) of trial k goes to slot ``(seen − 1) % window`` of its two rings:
``err`` (the mean |error| at the sequence end) and ``ok`` (whether it was processed correctly).
Beside them ``counts`` (K, 2): the length of the current run of correct sequences (the ABS streak) and
the number of wrong sequences in the ring, kept as the compiled kernels keep them
(:func:`lstm_core.nets.kernels_score.record_and_check`, which the kernels call after each sequence;
:meth:`Rings.record` is its readable twin for the NumPy engine). The learning curve and the
sequential construction read the rings' recent means.
"""

from __future__ import annotations

import numpy as np

from lstm_core.nets.kernels_score import ring_counts

Array = np.ndarray


class Rings:
    """The rings of K trials: ``err`` (K, window), ``ok`` (K, window) bool, ``counts`` (K, 2) int64."""

    def __init__(self, K: int, window: int):
        self.window = int(window)
        self.err = np.zeros((K, self.window))
        self.ok = np.zeros((K, self.window), bool)
        self.counts = ring_counts(np.zeros(K, np.int64), self.ok)   # [streak of correct ones, wrong ones in the ring]

    @property
    def streak(self) -> Array:
        """(K,) successive correct sequences of each trial (a view)."""
        return self.counts[:, 0]

    def record(self, trials: Array, err: Array, correct: Array, seen: int) -> None:
        """Write sequence number ``seen`` of ``trials`` (its ``err`` and ``correct``, one per trial)."""
        slot = (seen - 1) % self.window
        self.counts[trials, 1] += self.ok[trials, slot].astype(np.int64) - np.asarray(correct, np.int64)
        self.err[trials, slot] = err
        self.ok[trials, slot] = correct
        self.counts[trials, 0] = np.where(correct, self.counts[trials, 0] + 1, 0)

    def rows(self, trials: Array) -> tuple[Array, Array, Array]:
        """``(err, ok, counts)`` of ``trials`` (sorted) for a kernel to change in place; give them back by :meth:`put`.

        When ``trials`` is every trial these are the rings themselves, not copies.
        """
        if len(trials) == len(self.err):
            return self.err, self.ok, self.counts
        return self.err[trials], self.ok[trials], self.counts[trials]

    def put(self, trials: Array, err: Array, ok: Array, counts: Array) -> None:
        """Store what :meth:`rows` gave out, after the kernel changed it."""
        if err is not self.err:
            self.err[trials], self.ok[trials], self.counts[trials] = err, ok, counts

    def recent(self, trials: Array, seen: int, w: int) -> tuple[Array, Array]:
        """Mean error and fraction correct of ``trials`` over their last ``w`` (≤ window) sequences up to ``seen``."""
        idx = np.arange(seen - w, seen) % self.window
        return self.err[trials][:, idx].mean(1), self.ok[trials][:, idx].mean(1)

    def state(self) -> dict[str, Array]:
        """Copies of the rings (``err_hist``, ``ok_hist``) and the streaks, for a resumable state."""
        return {"err_hist": self.err.copy(), "ok_hist": self.ok.copy(), "streak": self.streak.copy()}

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state` (the wrong-sequence counts are recounted from the rings)."""
        self.err, self.ok = np.array(state["err_hist"], float), np.array(state["ok_hist"], bool)
        self.window = self.err.shape[1]
        self.counts = ring_counts(np.asarray(state["streak"]), self.ok)
