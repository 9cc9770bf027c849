"""A training job's worker process: the run is built, trained and kept in a child, outside the server.

::

    proc = WorkerProcess(Start(Spec(preset, trials=30, seed=0), chunk=100))   # python -c "... job_worker.main()"
    for update in proc.updates():                 # blocks in a pipe read (no lock held) between updates
        ...                                       # Update(progress, new curve rows, params, new checkpoints, state)
    proc.stop()                                   # any thread: stop now; SIGTERM, then SIGKILL, if it does not
    proc.end                                      # End("done" | "stopped" | "failed", error, detail)

Why a process: Streamlit runs every session's script in a thread of one Python process. A
training job in a thread of that process holds the interpreter lock for most of its work, so
each job slows every page of every student. The worker is a fresh interpreter (no Streamlit,
no Plotly: ``python -c`` importing this module, not ``multiprocessing``, which would import the
server's main module again), with a lower CPU priority (``os.nice(10)``, set before it imports
NumPy) so page runs win the CPU when the machine is busy.

Bounded server memory: the parent sends only a :class:`Spec` (preset, trials, seed, cap) and,
to resume, the opaque ``state`` bytes of an earlier :class:`Update`; the child builds the
:class:`~lstm_core.experiments.train.TrialRun` itself (training sets, test sets, pre-drawn sequences stay in
the child). What comes back is small: progress, new curve points, the checkpoint trial's weights
and, at most every ``state_every`` seconds, the run's state without any task data
(:func:`run_state`, a few kB to about 1 MB). The parent keeps the latest state, so a worker that
is killed or dies loses at most the training since it.

Stop within a second: the child trains in steps sized to take about ``every`` seconds (one
sequence at least) and looks at its stdin between steps; :meth:`WorkerProcess.stop` closes the
child's stdin and, if the child has not ended ``STOP_GRACE`` s later (a single sequence can take
longer: Exp 2a at p = 1000 with 30 trials), sends SIGTERM, and SIGKILL ``KILL_GRACE`` s after that.

Protocol: pickles over the child's stdin / stdout (its own prints go to stderr). The parent
sends one :class:`Start`; closing stdin means stop, so a worker whose server has died stops too.
The worker sends an :class:`Update` at most every ``every`` seconds (and after the last step),
then one :class:`End`, and exits. A worker that ends without an :class:`End` shows up as
``end.status == "killed"``.
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_core.experiments.learner import learner, take_trials
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import Progress, TrialRun
from lstm_core.nets import engine

__all__ = ["Spec", "Start", "Update", "End", "WorkerProcess", "NICE", "STOP_GRACE", "KILL_GRACE",
           "build_run", "run_state", "restore_run"]

NICE = 10          # added to the worker's niceness: page runs of the server come first
STOP_GRACE = 0.4   # seconds between "stop" and SIGTERM
KILL_GRACE = 0.3   # seconds between SIGTERM and SIGKILL
PREPARE_NOTICE = float(os.environ.get("LAB_PREPARE_NOTICE_S", 1.0))   # a first step still running then is compiling
#                                                                        the kernels: say so
PREPARING = "Preparing the fast engine (compiling the training kernels: the first run on this machine only)…"

# TrialRun attributes that are not part of the state sent back: settings (rebuilt from the Spec),
# task data (rebuilt from the seed, or re-drawn), and the growing histories (sent as increments)
_NOT_STATE = frozenset({"preset", "rule", "kind", "learner", "trial_ids", "K", "seed", "max_sequences",
                        "chunk_size", "train_sets", "eval_sets", "chunk", "_chunk_pos", "curve_seq", "curve_err",
                        "curve_ok", "checkpoints"})


@dataclass(frozen=True)
class Spec:
    """What a run is made from: everything else is drawn from the seed in the worker."""

    preset: Preset
    trials: int | None = None
    seed: int = 0
    max_sequences: int | None = None
    checkpoint_trial: int = 0


@dataclass(frozen=True)
class Start:
    """What the parent sends: the run to build (and the state to continue from) and how to step it."""

    spec: Spec
    chunk: int = 100           # at most this many sequences between two looks at stdin
    every: float = 0.25        # seconds between two updates (at least one sequence each)
    state: bytes | None = None  # the state of an earlier Update: continue from there
    hook: str = ""             # "module:function" called with the built run (tests: inject a fault)
    state_every: float = 1.0   # seconds between two states sent back


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
    state: bytes | None = None    # run_state() of the run at this update (None: unchanged since the last one)


@dataclass(frozen=True)
class End:
    """The last message: how the run ended (or the error)."""

    status: str                   # "done", "stopped" or "failed"; the parent's "killed": no End came
    error: str = ""
    detail: str = ""


# ----------------------------------------------------------------------------- the run's state


def build_run(spec: Spec) -> TrialRun:
    """A fresh run of ``spec`` (the same one in any process: everything is drawn from the seed)."""
    return TrialRun(spec.preset, trials=spec.trials, seed=spec.seed, max_sequences=spec.max_sequences,
                    checkpoint_trial=spec.checkpoint_trial)


def first_weights(spec: Spec) -> dict:
    """The initial weights of the run's checkpoint trial (1, ...), as the run's first checkpoint holds them.

    Drawn as :class:`~lstm_core.experiments.train.TrialRun` draws them (trial i's weights from the first of three
    children of ``SeedSequence(seed, spawn_key=(i,))``), without building a run: no task data is drawn,
    so the server's memory does not depend on the task (a test checks the numbers are the run's).
    """
    s = np.random.SeedSequence(int(spec.seed), spawn_key=(int(spec.checkpoint_trial),)).spawn(3)[0]
    return learner(spec.preset).init([np.random.default_rng(s)])


def run_state(run: TrialRun) -> bytes:
    """The run's trained state without its task data or histories: weights, counters, generators, results."""
    run.result()                                            # syncs run.params with the working weights
    return pickle.dumps({k: v for k, v in run.__dict__.items() if k not in _NOT_STATE and not callable(v)},
                        protocol=pickle.HIGHEST_PROTOCOL)


def restore_run(spec: Spec, state: bytes | None, curves: tuple[list, list, list] = ([], [], []),
                checkpoints: list | None = None) -> TrialRun:
    """The run of ``spec`` at ``state`` (from :func:`run_state`), with the given histories.

    The pre-drawn training sequences are not part of the state: the run draws fresh ones from
    where its generators stand, so a resumed run sees other (equally random) sequences than an
    uninterrupted one would.
    """
    run = build_run(spec)
    if state is not None:
        run.__dict__.update(pickle.loads(state))
        run.chunk = None                                   # re-drawn on the next step
    run.curve_seq, run.curve_err, run.curve_ok = (list(c) for c in curves)
    if checkpoints is not None:
        run.checkpoints = list(checkpoints)
    return run


# ----------------------------------------------------------------------------- the child


def _update(run: TrialRun, sent: dict, with_state: bool) -> Update:
    summary = run.result()                                  # also syncs run.params with the working weights
    n_curve, n_ckpt = sent["curve"], sent["ckpt"]
    sent["curve"], sent["ckpt"] = len(run.curve_seq), len(run.checkpoints)
    return Update(progress=run.progress(), curve_seq=list(run.curve_seq[n_curve:]),
                  curve_err=list(run.curve_err[n_curve:]), curve_ok=list(run.curve_ok[n_curve:]),
                  params=take_trials(run.params, [run.checkpoint_trial]),
                  checkpoints=list(run.checkpoints[n_ckpt:]), message=run.message, summary=summary,
                  state=run_state(run) if with_state else None)


class _PrepareNotice:
    """Sends ``update`` once if Numba compiles and the first step has run for PREPARE_NOTICE seconds."""

    def __init__(self, out, update: Update):
        from lstm_core.nets.warm import CompileWatch

        self._out, self._update, self._done = out, update, threading.Event()
        self._watch = CompileWatch().__enter__()
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        if self._done.wait(PREPARE_NOTICE):
            return
        while not self._done.wait(0.1):
            if self._watch.compiled:
                _send(self._out, self._update)
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        self._watch.__exit__(None, None, None)


def _replace_message(up: Update, message: str) -> Update:
    return dataclasses.replace(up, message=message)


def _stop_asked(fd: int) -> bool:
    """True if the parent sent anything or closed our stdin (checked between steps, never blocks)."""
    return bool(select.select([fd], [], [], 0)[0])


def _send(out, msg) -> None:
    pickle.dump(msg, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def serve(inp, out) -> int:
    """The worker's loop on binary streams ``inp`` / ``out``. Returns the exit code."""
    fd = inp.fileno()
    notice = None
    try:
        start: Start = pickle.load(inp)
        # the parent holds the histories and the first checkpoint (first_weights): send only what is new
        if start.state is None:
            run = build_run(start.spec)
            sent = {"curve": 0, "ckpt": len(run.checkpoints)}
        else:
            run = restore_run(start.spec, start.state)
            run.checkpoints = []
            sent = {"curve": 0, "ckpt": 0}
        if start.hook:
            module, _, name = start.hook.partition(":")
            getattr(importlib.import_module(module), name)(run)
        last, last_state = 0.0, time.monotonic()      # the first update at once, the first state after a while
        step, per_seq = 1, None
        # The first step may compile the kernels (a fresh install: 10-20 s) or load them from the disk cache (well
        # under a second): if it compiles and is still running after PREPARE_NOTICE seconds, say so (an update
        # made before the step, so no half state; sent from a helper thread, joined before our next send).
        notice = _PrepareNotice(out, _replace_message(_update(run, dict(sent), False), PREPARING)) \
            if engine.use_kernels() else None
        while not run.done() and not _stop_asked(fd):
            t0 = time.monotonic()
            seen = run.seen
            run.advance(step)
            if notice is not None:                          # (a notice already sent is replaced by the next update)
                notice.close()
                notice = None
            took = time.monotonic() - t0
            if run.seen > seen:                             # size the next step to about `every` seconds
                per_seq = took / (run.seen - seen)
                step = int(min(start.chunk, max(1, start.every / max(per_seq, 1e-6))))
            now = time.monotonic()
            if now - last >= start.every or run.done():
                with_state = now - last_state >= start.state_every
                _send(out, _update(run, sent, with_state))
                last = now
                if with_state:
                    last_state = now
        _send(out, _update(run, sent, True))
        end = End("done" if run.done() else "stopped")
    except Exception as exc:              # anything: the job fails visibly, the server goes on
        end = End("failed", error=f"{type(exc).__name__}: {exc}", detail=traceback.format_exc())
    if notice is not None:                # (a first step that raised: no notice may follow the End)
        notice.close()
    _send(out, end)
    return 0


# the child's command: lower its priority before it imports anything (NumPy, the engine), then serve
_BOOT = (f"import os\ntry:\n    os.nice({NICE})\nexcept OSError:\n    pass\n"
         "from lab.job_worker import main\nraise SystemExit(main())")


def main() -> int:
    """The worker process's entry (see ``_BOOT``): serve one run on stdin / stdout."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C in the server's terminal: the server stops us
    out = os.fdopen(os.dup(1), "wb")      # the channel; our own prints go to stderr from here on
    os.dup2(2, 1)
    try:
        return serve(sys.stdin.buffer, out)
    except (BrokenPipeError, EOFError):   # the server went away
        return 0


# ----------------------------------------------------------------------------- the parent


class WorkerProcess:
    """One worker process training ``start.spec`` (see the module docstring). Iterate :meth:`updates` in one
    thread; :meth:`stop` from any thread."""

    def __init__(self, start: Start):
        self._lock = threading.Lock()
        self._stopped = False
        self.stop_asked_at: float | None = None
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

    def stop(self, grace: float = STOP_GRACE, kill_grace: float = KILL_GRACE) -> None:
        """Ask the worker to stop now (any thread; returns at once). If it has not ended ``grace`` s later
        (it is inside a long step), SIGTERM; ``kill_grace`` s after that, SIGKILL."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self.stop_asked_at = time.monotonic()
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

    def updates(self):
        """Yield each :class:`Update` until the worker ends; then :attr:`end` is set and the process reaped."""
        try:
            while True:
                try:
                    msg = pickle.load(self.proc.stdout)
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


def as_arrays(seq: list, err: list, ok: list, K: int) -> dict[str, np.ndarray]:
    """Curve lists as the arrays of a :class:`~lab.jobs.JobSnapshot` ("seq" (P,), "err", "ok" (P, K))."""
    return {"seq": np.asarray(seq, dtype=np.int64).reshape(-1), "err": np.asarray(err, dtype=float).reshape(-1, K),
            "ok": np.asarray(ok, dtype=float).reshape(-1, K)}
