"""A row's single-trial payloads (:mod:`lab.trials`) put back together: the summary and the run a serial
K-trial ``TrialRun`` gives (same keys, same numbers; only ``seconds`` differs: here it is the row's
wall-clock time)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lstm_core.experiments.preset import Preset
from lstm_core.experiments.results import summary

CKPT_FIRST = 100          # TrialRun's checkpoint schedule: at 100, 200, 400, ... sequences (see MergedRun)


def _in_trial_order(payloads: Sequence[dict]) -> list[dict]:
    ps = sorted(payloads, key=lambda p: p["trial"])
    if not ps or [p["trial"] for p in ps] != list(range(len(ps))):
        raise ValueError(f"combine needs trials 0..K-1 once each, got {[p['trial'] for p in payloads]}")
    return ps


def combine(preset: Preset, payloads: Sequence[dict], seconds: float | None = None) -> dict:
    """The K-trial summary (``TrialRun.result()``: the same keys and numbers) from K single-trial payloads.

    ``payloads`` are trials 0..K-1 of one row of ``preset``, in any order. ``seconds`` (default: the longest
    trial's training time) is the row's time.
    """
    ps = _in_trial_order(payloads)
    rows = {(p["preset"], p["seed"], p["max_sequences"]) for p in ps}
    if len(rows) != 1 or next(iter(rows))[0] != preset.name:
        raise ValueError(f"combine: the trials come from different presets, seeds or caps: {sorted(rows)}")
    return summary([p["result"] for p in ps], preset=preset.name, trials=len(ps), seed=ps[0]["seed"],
                   sequences_seen=max(p["seen"] for p in ps), max_sequences_cap=ps[0]["max_sequences"],
                   grown=preset.construction is not None,
                   seconds=float(max(p["seconds"] for p in ps) if seconds is None else seconds))


class MergedRun:
    """K single-trial payloads side by side, shaped like a finished ``TrialRun`` for ``lab.runs.save_run``.

    Weights are stacked in trial order; learning curves run to the last trial's end with NaN after a trial
    stopped; the checkpoint trial (0) keeps its final weights at the checkpoints the lockstep run would
    still have taken while other trials trained - what a serial K-trial run saves.
    """

    checkpoint_trial = 0

    def __init__(self, preset: Preset, payloads: Sequence[dict], summary: dict):
        ps = _in_trial_order(payloads)
        self.preset, self.K, self.seed = preset, len(ps), summary["seed"]
        self.summary = summary
        self.params = {k: np.concatenate([p["params"][k] for p in ps]) for k in ps[0]["params"]}
        longest = max(ps, key=lambda p: len(p["curve_seq"]))
        self.curve_seq = [int(x) for x in longest["curve_seq"]]
        err = np.full((len(self.curve_seq), self.K), np.nan)
        ok = np.full_like(err, np.nan)
        for k, p in enumerate(ps):
            n = len(p["curve_seq"])
            err[:n, k], ok[:n, k] = p["curve_err"], p["curve_ok"]
        self.curve_err, self.curve_ok = list(err), list(ok)
        self.checkpoints = list(ps[0]["checkpoints"])
        last_seq, last = self.checkpoints[-1][0], ps[0]["params"]
        nxt = CKPT_FIRST
        while nxt <= max(last_seq, ps[0]["seen"]):
            nxt *= 2
        while nxt <= summary["sequences_seen"]:
            self.checkpoints.append((nxt, last))
            nxt *= 2
        diverged = summary["diverged"]
        self.message = (f"Training diverged (NaN/inf) in trial(s) {diverged} — stopped, last good weights kept."
                        if diverged else "")

    def result(self) -> dict:
        return dict(self.summary)
