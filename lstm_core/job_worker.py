"""A training job's worker process: the run trains outside the server's interpreter lock.

::

    proc = WorkerProcess(run, chunk=100)          # starts a child: python -c "... job_worker.main()"
    for update in proc.updates():                 # blocks in a pipe read (no lock held) between updates
        ...                                       # Update(progress, new curve rows, params, new checkpoints, ...)
    proc.stop()                                   # any thread: finish the current chunk, then end
    proc.end                                      # ("done" | "stopped", trained TrialRun) or ("failed", text, tb)

Why a process: Streamlit runs every session's script in a thread of one Python process. A
training job in a thread of that process holds the interpreter lock for most of its work, so
each job slows every page of every student. The worker is a fresh interpreter (no Streamlit,
no Plotly: ``python -c`` importing this module, not ``multiprocessing``, which would import the
server's main module again), with a lower CPU priority (``os.nice(10)``, set before it imports
NumPy) so page runs win the CPU when the machine is busy.

Protocol: pickles over the child's stdin / stdout (its own prints go to stderr). The parent
sends one :class:`Start` and then, at most, ``"stop"``; closing stdin means stop too, so a
worker whose server has died stops at its next chunk. The worker sends an :class:`Update` at
most every ``every`` seconds (and after the last chunk), then one :class:`End` holding the
trained :class:`~lstm_core.train.TrialRun`, and exits. A worker that dies without an
:class:`End` shows up as ``end = ("failed", ...)``.
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .models import take_trials
from .train import Progress, TrialRun

__all__ = ["Start", "Update", "End", "WorkerProcess", "NICE"]

NICE = 10   # added to the worker's niceness: page runs of the server come first


@dataclass(frozen=True)
class Start:
    """What the parent sends first: the run to continue and how to chunk it."""

    run: TrialRun
    chunk: int
    every: float = 0.25      # seconds between two updates (at least one chunk each)


@dataclass(frozen=True)
class Update:
    """Progress since the previous update: only what is new of the growing lists."""

    progress: Progress
    curve_seq: list               # new curve points: sequences (P_new,)
    curve_err: list               # (P_new, K)
    curve_ok: list                # (P_new, K)
    params: dict                  # latest weights of the checkpoint trial (1, ...)
    checkpoints: list             # new (sequences, params) checkpoints
    message: str
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class End:
    """The last message: how the run ended, and the run itself (or the error)."""

    status: str                   # "done", "stopped" or "failed"
    run: TrialRun | None = None
    error: str = ""
    detail: str = ""


# ----------------------------------------------------------------------------- the child


def _update(run: TrialRun, sent: dict[str, int]) -> Update:
    summary = run.result()                                  # also syncs run.params with the working weights
    n_curve, n_ckpt = sent["curve"], sent["ckpt"]
    sent["curve"], sent["ckpt"] = len(run.curve_seq), len(run.checkpoints)
    return Update(progress=run.progress(), curve_seq=list(run.curve_seq[n_curve:]),
                  curve_err=list(run.curve_err[n_curve:]), curve_ok=list(run.curve_ok[n_curve:]),
                  params=take_trials(run.params, [run.checkpoint_trial]),
                  checkpoints=list(run.checkpoints[n_ckpt:]), message=run.message, summary=summary)


def _stop_asked(fd: int) -> bool:
    """True if the parent sent "stop" or closed our stdin (checked between chunks, never blocks)."""
    if not select.select([fd], [], [], 0)[0]:
        return False
    return True      # anything on stdin after Start is a stop request; EOF (parent gone) too


def serve(inp, out) -> int:
    """The worker's loop on binary streams ``inp`` / ``out``. Returns the exit code."""
    fd = inp.fileno()
    try:
        start: Start = pickle.load(inp)
        run, sent, last = start.run, {"curve": 0, "ckpt": 0}, 0.0
        while not run.done() and not _stop_asked(fd):
            run.advance(start.chunk)
            if time.monotonic() - last >= start.every or run.done():
                pickle.dump(_update(run, sent), out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
                last = time.monotonic()
        pickle.dump(_update(run, sent), out, protocol=pickle.HIGHEST_PROTOCOL)
        end = End("done" if run.done() else "stopped", run=run)
    except Exception as exc:              # anything: the job fails visibly, the server goes on
        end = End("failed", error=f"{type(exc).__name__}: {exc}", detail=traceback.format_exc())
    pickle.dump(end, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    return 0


# the child's command: lower its priority before it imports anything (NumPy, the engine), then serve
_BOOT = (f"import os\ntry:\n    os.nice({NICE})\nexcept OSError:\n    pass\n"
         "from lstm_core.job_worker import main\nraise SystemExit(main())")


def main() -> int:
    """The worker process's entry (see ``_BOOT``): serve one run on stdin / stdout."""
    out = os.fdopen(os.dup(1), "wb")      # the channel; our own prints go to stderr from here on
    os.dup2(2, 1)
    try:
        return serve(sys.stdin.buffer, out)
    except (BrokenPipeError, EOFError):   # the server went away
        return 0


# ----------------------------------------------------------------------------- the parent


class WorkerProcess:
    """One worker process training ``run`` (see the module docstring). Iterate :meth:`updates` in one thread."""

    def __init__(self, run: TrialRun, chunk: int, every: float = 0.25):
        self._lock = threading.Lock()
        self._stopped = False
        self.end: End | None = None
        root = str(Path(__file__).resolve().parent.parent)          # where lstm_core can be imported from
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
        try:
            pickle.dump(Start(run, chunk, every), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass                            # the child died at once: updates() reports it

    def stop(self) -> None:
        """Ask the worker to stop after its current chunk (any thread; returns at once)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            try:
                self.proc.stdin.close()     # EOF on its stdin: the worker's stop signal
            except OSError:
                pass

    def updates(self):
        """Yield each :class:`Update` until the worker ends; then :attr:`end` is set and the process reaped."""
        try:
            while True:
                try:
                    msg = pickle.load(self.proc.stdout)
                except (EOFError, pickle.UnpicklingError, OSError):
                    code = self.proc.wait()
                    self.end = End("failed", error=f"RuntimeError: the training process ended unexpectedly "
                                                   f"(exit code {code})")
                    return
                if isinstance(msg, End):
                    self.end = msg
                    return
                yield msg
        finally:
            self.stop()
            self.proc.stdout.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def as_arrays(seq: list, err: list, ok: list, K: int) -> dict[str, np.ndarray]:
    """Curve lists as the arrays of a :class:`~lstm_core.jobs.JobSnapshot` ("seq" (P,), "err", "ok" (P, K))."""
    return {"seq": np.asarray(seq, dtype=np.int64).reshape(-1), "err": np.asarray(err, dtype=float).reshape(-1, K),
            "ok": np.asarray(ok, dtype=float).reshape(-1, K)}


