"""What the trial loop reports: a progress snapshot, each trial's outcome, the paper-style summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


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
    """The outcome of one trial."""

    solved: bool = False
    sequences: int = 0                  # at success (ABS: before the winning streak), or when the trial stopped
    presented: int = 0                  # training sequences shown in all, streak included
    st1_at: int | None = None           # Exp 3: sequences until ST1
    grown_at: int | None = None         # sequential construction: sequences before the cell was added
    diverged: bool = False
    test: dict = field(default_factory=dict)


def summarise_tests(tests: list[dict]) -> dict:
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


def summary(results: list[TrialResult], **run: object) -> dict:
    """The paper-style summary of a run's trials (trials still active count as unsolved).

    ``run`` gives the run's own fields: preset, trials, seed, sequences_seen, max_sequences_cap,
    seconds and, with the sequential construction, grown (True to report ``grown_at``).
    """
    solved = [r.sequences for r in results if r.solved]
    grown = run.pop("grown", False)
    seconds = run.pop("seconds")
    return {
        "preset": run["preset"], "trials": run["trials"], "seed": run["seed"],
        "successes": len(solved), "success_rate": len(solved) / len(results),
        "sequences_to_success": [r.sequences if r.solved else None for r in results],
        "mean_sequences": float(np.mean(solved)) if solved else None,
        "min_sequences": min(solved) if solved else None,
        "max_sequences": max(solved) if solved else None,
        "sequences_presented": [r.presented for r in results],
        "sequences_seen": run["sequences_seen"], "max_sequences_cap": run["max_sequences_cap"],
        "diverged": [k for k, r in enumerate(results) if r.diverged],
        "st1_at": [r.st1_at for r in results],
        **({"grown_at": [r.grown_at for r in results]} if grown else {}),
        "seconds": seconds,
        "test": summarise_tests([r.test for r in results if r.solved and r.test]),
    }
