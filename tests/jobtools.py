"""Helpers shared by the tests of background jobs (tests/test_jobs*.py, tests/test_faults.py)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from lstm_core.experiments import PRESETS

GUARD = 60.0     # seconds: only a guard against hanging, never a measurement

_C4 = PRESETS["classroom_exp4_adding_T20"]
ENDLESS = replace(_C4, name="tiny_endless", task_options={"T": 10}, lr=1e-9,   # learns nothing: trains until stopped
                  stop=replace(_C4.stop, max_sequences=10_000_000, test_size=16))
SHORT = replace(ENDLESS, name="tiny_short", stop=replace(ENDLESS.stop, max_sequences=60))


def wait_for(cond, what: str) -> None:
    """Poll ``cond()`` until it holds; fail (never hang) after GUARD seconds."""
    deadline = time.monotonic() + GUARD
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}")
        time.sleep(0.01)


def job_threads() -> list[threading.Thread]:
    """The threads of lab.jobs that watch a child, alive or not, that exist right now."""
    return [t for t in threading.enumerate() if t.name.startswith("lstm-job-")]


def job_processes() -> list[int]:
    """Pids of this process's children that run a training job (lab.job_worker), alive right now."""
    kids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            kids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:                      # the thread ended meanwhile
            continue
    found = []
    for pid in kids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"job_worker" in cmd:
            found.append(pid)
    return found


# ----------------------------------------------------------------------------- faults injected in a worker child
# (Job(..., hook="tests.jobtools:<name>") calls these with the run the child has built)

def _after(run, n: int, fault) -> None:
    """From ``n`` sequences on, ``fault()`` happens inside ``run.advance`` (the engine's internals untouched)."""
    real = run.advance

    def advance(k):
        if run.seen >= n:
            fault()
        return real(min(k, max(1, n - run.seen)) if run.seen < n else k)
    run.advance = advance


def _explode():
    raise FloatingPointError("the sky fell")


def explode_after_15(run) -> None:
    _after(run, 15, _explode)


def _hang() -> None:
    flag = os.environ.get("LAB_TEST_HANG_FLAG")
    if flag:
        Path(flag).touch()                   # the test waits for this: the child is inside its endless step
    time.sleep(3600)


def hang_after_30(run) -> None:
    """Once the child has taken the run's state at 30 sequences or more (so the server holds weights of at least
    30 sequences), a step never ends (as one sequence of Exp 2a at p = 1000 with 30 trials takes minutes): the
    child can only be stopped by a signal. Touches the file ``$LAB_TEST_HANG_FLAG`` when it starts hanging."""
    real_advance, real_state = run.advance, run.state
    taken: list[int] = []

    def state():
        if run.seen >= 30:
            taken.append(run.seen)
        return real_state()

    def advance(k):
        if taken:
            _hang()
        return real_advance(k)
    run.state, run.advance = state, advance


def die_at_once(run) -> None:
    """The child dies before it sends anything (as if the machine killed it)."""
    os.kill(os.getpid(), 9)


def ignore_sigterm_and_hang(run) -> None:
    """A child that ignores SIGTERM and then hangs in a sequence: only SIGKILL ends it."""
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    hang_after_30(run)


class _PoisonAfter:
    """Wraps a learner; from the ``after``-th sequence on, the update comes back as NaN."""

    def __init__(self, inner, after: int):
        self.inner, self.after, self.calls, self.last_good = inner, after, 0, None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def train(self, params, x, y, ht, lr, **kw):
        new, out = self.inner.train(params, x, y, ht, lr, **kw)
        self.calls += 1
        if self.calls >= self.after:
            if self.last_good is None:
                self.last_good = {k: v.copy() for k, v in params.items()}
            new = {k: v.copy() for k, v in new.items()}
            new["W_h"][:, 0, 0] = np.nan
        return new, out


POISONED: list[_PoisonAfter] = []     # the poisons the hook below made (a synchronous job's run is in this process)


def poison_after_25(run) -> None:
    """From the 25th sequence on the learner's update is NaN (the readable learner: ``LAB_ENGINE=numpy``)."""
    run.learner = _PoisonAfter(run.learner, after=25)
    POISONED.append(run.learner)
