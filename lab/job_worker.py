"""A training job's worker: the run lives in a child process and sends progress records back.

::

    proc = WorkerProcess(Start(Spec(preset, trials=30, seed=0), chunk=100))   # python -c "... job_worker.main()"
    for up in proc.updates():           # blocks in a pipe read (no lock held) between records
        ...                             # Update(progress, new curve rows, params, new checkpoints, state)
    proc.stop()                         # any thread: stop now; SIGTERM, then SIGKILL, if it does not
    proc.end                            # End("done" | "stopped" | "failed" | "killed", error, detail)

Why a process: Streamlit runs every session's script in a thread of one Python process; training
there would hold the interpreter lock and slow every page. The worker is a fresh interpreter
(``python -c`` importing this module: no Streamlit, no Plotly, and not ``multiprocessing``, whose
"spawn" imports the server's main module again and whose "forkserver" freezes the environment
and the imported engine at the first job), niced (``os.nice(10)`` before NumPy is imported) so
that page runs win the CPU.

What travels: the parent sends one :class:`Start` (preset, trials, seed, cap and, to resume, the
``state`` of an earlier record); the child builds the :class:`~lstm_core.experiments.train.TrialRun`
itself, so task data never leaves it. It sends :class:`Update` records: progress, new curve rows,
the checkpoint trial's weights, new checkpoints and, at most every ``state_every`` seconds and
always at the end, :meth:`TrialRun.state` (weights, counters, generator positions: enough to resume
or save). The parent keeps the latest, so a child that is killed loses at most the training since.

Stop within a second: the child trains in steps sized to about ``every`` seconds and looks at its
stdin between steps; :meth:`WorkerProcess.stop` closes that stdin and, if the child has not ended
``STOP_GRACE`` s later (inside one long sequence), sends SIGTERM, and SIGKILL ``KILL_GRACE`` s later.

The channel is pickles over the child's own stdin / stdout pipes (its prints go to stderr); a closed
stdin means stop, so a child whose server died stops too. :func:`records` is the child's loop without
the pipes: the synchronous test double (:class:`lab.jobs.Job` with ``synchronous=True``) runs it.

One concern at ~320 lines: the channel, both of its ends (the child's loop and the parent's
handle on it) beside the records they exchange.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_core.experiments.learner import learner, take_trials
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import Progress, TrialRun
from lstm_core.nets import engine

__all__ = ["Spec", "Start", "Update", "End", "WorkerProcess", "records", "first_weights", "NICE", "STOP_GRACE",
           "KILL_GRACE", "PREPARING"]

NICE = 10          # added to the worker's niceness: page runs of the server come first
STOP_GRACE = 0.4   # seconds between "stop" and SIGTERM
KILL_GRACE = 0.3   # seconds between SIGTERM and SIGKILL
PREPARE_NOTICE = float(os.environ.get("LAB_PREPARE_NOTICE_S", 1.0))   # a first step still running then is compiling
PREPARING = "Preparing the fast engine (compiling the training kernels: the first run on this machine only)…"


@dataclass(frozen=True)
class Spec:
    """What a run is made from: everything else is drawn from the seed in the worker."""

    preset: Preset
    trials: int | None = None
    seed: int = 0
    max_sequences: int | None = None
    checkpoint_trial: int = 0

    @property
    def K(self) -> int:
        return int(self.trials or self.preset.trials)


@dataclass(frozen=True)
class Start:
    """What the parent sends: the run to build (and the state to continue from) and how to step it."""

    spec: Spec
    chunk: int = 100            # at most this many sequences between two looks at stdin
    every: float = 0.25         # seconds between two records (0: a step of `chunk` sequences and a record after each)
    state: dict | None = None   # the state of an earlier Update: continue from there
    hook: str = ""              # "module:function" called with the built run (tests: inject a fault)
    state_every: float = 1.0    # seconds between two states sent back


@dataclass(frozen=True)
class Update:
    """A progress record: what changed since the previous one."""

    progress: Progress
    curve_seq: list               # new curve points: sequences (P_new,)
    curve_err: list               # (P_new, K)
    curve_ok: list                # (P_new, K)
    params: dict                  # latest weights of the checkpoint trial (1, ...)
    checkpoints: list             # new (sequences, params) checkpoints
    message: str
    summary: dict = field(default_factory=dict)
    state: dict | None = None     # TrialRun.state() now (None: not sent with this record)


@dataclass(frozen=True)
class End:
    """The last message: how the run ended (or the error)."""

    status: str                   # "done", "stopped" or "failed"; the parent's "killed": no End came
    error: str = ""
    detail: str = ""


def first_weights(spec: Spec) -> dict:
    """The initial weights of the run's checkpoint trial (1, ...), as the run's first checkpoint holds them.

    Drawn as :class:`~lstm_core.experiments.train.TrialRun` draws them (trial i's weights from the first of three
    children of ``SeedSequence(seed, spawn_key=(i,))``), without building a run: no task data is drawn,
    so the server's memory does not depend on the task (a test checks the numbers are the run's).
    """
    s = np.random.SeedSequence(int(spec.seed), spawn_key=(int(spec.checkpoint_trial),)).spawn(3)[0]
    return learner(spec.preset).init([np.random.default_rng(s)])


# ----------------------------------------------------------------------------- the child's loop


def _record(run: TrialRun, sent: dict, with_state: bool) -> Update:
    summary = run.result()                                  # also syncs run.params with the working weights
    n_curve, n_ckpt = sent["curve"], sent["ckpt"]
    sent["curve"], sent["ckpt"] = len(run.curve_seq), len(run.checkpoints)
    return Update(progress=run.progress(), curve_seq=list(run.curve_seq[n_curve:]),
                  curve_err=list(run.curve_err[n_curve:]), curve_ok=list(run.curve_ok[n_curve:]),
                  params=take_trials(run.params, [run.checkpoint_trial]),
                  checkpoints=list(run.checkpoints[n_ckpt:]), message=run.message, summary=summary,
                  state=run.state() if with_state else None)


def records(start: Start, stop_asked: Callable[[], bool] = lambda: False,
            notice: Callable[[Update], None] | None = None) -> Iterator[Update]:
    """Build (or restore) the run of ``start``, train it, and yield a record every ``start.every`` seconds.

    Ends when the run is done or ``stop_asked()`` (looked at between steps); the last record carries
    the state. ``notice(update)``: the kernels are being compiled and the first step is slow (see
    :class:`_PrepareNotice`). Exceptions of the training propagate.
    """
    run = TrialRun(start.spec.preset, trials=start.spec.trials, seed=start.spec.seed,
                   max_sequences=start.spec.max_sequences, checkpoint_trial=start.spec.checkpoint_trial)
    if start.state is not None:
        run.restore(start.state)
    # the parent holds the first checkpoint (first_weights) and the histories: send only what is new
    sent = {"curve": 0, "ckpt": len(run.checkpoints)}
    if start.hook:
        module, _, name = start.hook.partition(":")
        getattr(importlib.import_module(module), name)(run)
    watch = _PrepareNotice(notice, dataclasses.replace(_record(run, dict(sent), False), message=PREPARING)) \
        if notice is not None and engine.use_kernels() else None
    last, last_state = 0.0, time.monotonic()      # the first record at once, the first state after a while
    step = start.chunk
    try:
        while not run.done() and not stop_asked():
            t0, seen = time.monotonic(), run.seen
            run.advance(step)
            if watch is not None:                    # (a notice already sent is replaced by the next record)
                watch.close()
                watch = None
            if start.every > 0 and run.seen > seen:  # size the next step to about `every` seconds
                per_seq = (time.monotonic() - t0) / (run.seen - seen)
                step = int(min(start.chunk, max(1, start.every / max(per_seq, 1e-6))))
            now = time.monotonic()
            if run.done():
                break
            if now - last >= start.every:
                with_state = now - last_state >= start.state_every
                yield _record(run, sent, with_state)
                last, last_state = now, (now if with_state else last_state)
        yield _record(run, sent, True)
    finally:
        if watch is not None:                        # (a first step that raised: no notice may follow)
            watch.close()


class _PrepareNotice:
    """Calls ``send(update)`` once if Numba compiles and the first step has run for PREPARE_NOTICE seconds."""

    def __init__(self, send: Callable[[Update], None], update: Update):
        from lstm_core.nets.warm import CompileWatch

        self._send, self._update, self._done = send, update, threading.Event()
        self._watch = CompileWatch().__enter__()
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        if self._done.wait(PREPARE_NOTICE):
            return
        while not self._done.wait(0.1):
            if self._watch.compiled:
                self._send(self._update)
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        self._watch.__exit__(None, None, None)


# ----------------------------------------------------------------------------- the child process


def _send(out, msg) -> None:
    pickle.dump(msg, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def serve(inp, out) -> int:
    """The worker's loop on binary streams ``inp`` / ``out``. Returns the exit code."""
    fd = inp.fileno()
    try:
        start: Start = pickle.load(inp)           # the one message the server sends on our stdin
        for up in records(start, stop_asked=lambda: bool(select.select([fd], [], [], 0)[0]),
                          notice=lambda up: _send(out, up)):
            _send(out, up)
        end = End("done" if up.progress.done else "stopped")
    except Exception as exc:              # anything: the job fails visibly, the server goes on
        end = End("failed", error=f"{type(exc).__name__}: {exc}", detail=traceback.format_exc())
    _send(out, end)
    return 0


# the child's command: lower its priority before it imports anything (NumPy, the engine), then serve
_BOOT = (f"import os\ntry:\n    os.nice({NICE})\nexcept OSError:\n    pass\n"
         "from lab.job_worker import main\nraise SystemExit(main())")


def main() -> int:
    """The worker process's entry (see ``_BOOT``): serve one run on stdin / stdout.

    Sets its signal dispositions whatever it inherited: SIGTERM ends it (the server's second stop
    step), SIGINT is ignored (Ctrl-C in the server's terminal: the server stops its children).
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")      # the channel; our own prints go to stderr from here on
    os.dup2(2, 1)
    try:
        return serve(sys.stdin.buffer, out)
    except (BrokenPipeError, EOFError):   # the server went away
        return 0


# ----------------------------------------------------------------------------- the parent


class WorkerProcess:
    """One worker process training ``start.spec``. Iterate :meth:`updates` in one thread; :meth:`stop` from any."""

    def __init__(self, start: Start):
        self._lock = threading.Lock()
        self._stopped = False
        self.end: End | None = None
        root = str(Path(__file__).resolve().parent.parent)          # where lstm_core can be imported from
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
        try:
            pickle.dump(start, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass                            # the child died at once: updates() reports it

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = STOP_GRACE, kill_grace: float = KILL_GRACE) -> None:
        """Ask the worker to stop now (any thread; returns at once). If it has not ended ``grace`` s later
        (it is inside a long step), SIGTERM; ``kill_grace`` s after that, SIGKILL."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            try:
                self.proc.stdin.close()     # EOF on its stdin: the worker's stop signal
            except OSError:
                pass
        threading.Thread(target=self._reap, args=(grace, kill_grace), name="lstm-job-reaper", daemon=True).start()

    def _reap(self, grace: float, kill_grace: float) -> None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, kill_grace)):
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                try:
                    self.proc.send_signal(sig)
                except OSError:            # ended meanwhile
                    return
        self.proc.wait()

    def updates(self) -> Iterator[Update]:
        """Yield each :class:`Update` until the worker ends; then :attr:`end` is set and the process reaped."""
        try:
            while True:
                try:
                    msg = pickle.load(self.proc.stdout)   # only from the pipe of the child we started
                except Exception:           # EOF, a message cut off by a kill, a broken pipe
                    code = self.proc.wait()
                    self.end = End("killed", error=f"RuntimeError: the training process ended unexpectedly "
                                                   f"(exit code {code})")
                    return
                if isinstance(msg, End):
                    self.end = msg
                    return
                yield msg
        finally:
            self.stop()
            self.proc.stdout.close()
            self.proc.wait()               # the reaper thread kills it within STOP_GRACE + KILL_GRACE
