"""Background training jobs: a run trained in a child process, watched by one thread, read through snapshots.

::

    manager = JobManager(capacity=2)            # lab.job_queue: one per server (the app: st.cache_resource)
    job = Job(get_preset("classroom_exp4_adding_T20"), trials=1, seed=0)
    manager.submit(job)                          # runs now, or waits in a FIFO queue
    snap = job.snapshot()                        # any thread, any time: a consistent copy
    snap.status, snap.queue_position, snap.progress.sequences, snap.curves["err"]
    job.stop(); job.join(5)                      # the child stops within a second (signals if it must)
    job.resume()                                 # a new child goes on from the state the last one sent

The child (:mod:`lab.job_worker`) sends progress records; the job's thread waits in a pipe read and
applies each one to the job (:meth:`Job._apply`). The job is the one place its status lives; a
reader gets :meth:`Job.snapshot`, built from it under the job's lock. The job keeps the latest
trained state the child sent (:meth:`trained`): Resume hands it to the next child, :meth:`save`
writes it. A child that fails ends the job as "failed" with its error; one that is killed or dies
leaves the job "stopped" on the last state received (Resume continues), or "failed" if it sent none.

``synchronous=True`` is the test double (Streamlit's AppTest, unit tests): no thread and no child;
the same record stream (:func:`lab.job_worker.records`) runs in the caller's thread, one step of
``chunk`` sequences per :meth:`Job.step`, and :meth:`Job.join` trains the rest.

One concern at ~350 lines: a job's life (start, watch, stop, resume, save) under one lock; the
queue is :mod:`lab.job_queue`, the child :mod:`lab.job_worker`.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from dataclasses import dataclass, field

import numpy as np

from lab.job_worker import End, Spec, Start, Update, WorkerProcess, first_weights, records
from lab.runs import save_run
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import Progress

__all__ = ["Job", "JobSnapshot", "TrainedRun", "STATUSES"]

Array = np.ndarray
STATUSES = ("new", "queued", "running", "stopped", "done", "failed")
_ids = itertools.count(1)


@dataclass(frozen=True)
class JobSnapshot:
    """What a job looked like when read (its arrays are never changed afterwards: safe to keep)."""

    status: str                        # one of STATUSES ("new": created, not yet started or submitted)
    queue_position: int | None         # 1 = next to start; None unless queued
    progress: Progress
    curves: dict[str, Array]           # "seq" (P,), "err" (P, K), "ok" (P, K)
    params: dict[str, Array]           # latest weights of the checkpoint trial (1, ...)
    checkpoints: list[tuple[int, dict[str, Array]]]
    message: str                       # the run's message (e.g. divergence) and the job's notes, "" if none
    error: str = ""                    # "ExcType: text" if the worker raised
    summary: dict = field(default_factory=dict)   # TrialRun.result() at the last record
    job_id: int = 0

    @property
    def finished(self) -> bool:
        """True once the job will not change any more unless resumed."""
        return self.status in ("stopped", "done", "failed")


@dataclass(frozen=True)
class TrainedRun:
    """The trained state a job keeps (the last the child sent), shaped as :func:`lab.runs.save_run` reads a run."""

    preset: Preset
    K: int
    seed: int
    checkpoint_trial: int
    state: dict                        # TrialRun.state(): params (K, ...), seen, results, generators, ...
    summary: dict                      # TrialRun.result() at that state
    curve_seq: Array                   # (P,) up to the state
    curve_err: Array                   # (P, K)
    curve_ok: Array                    # (P, K)
    checkpoints: list
    message: str

    @property
    def params(self) -> dict[str, Array]:
        return self.state["params"]

    @property
    def seen(self) -> int:
        return int(self.state["seen"])

    def result(self) -> dict:
        return dict(self.summary)


class Job:
    """One training run in the background (see the module docstring).

    Parameters
    ----------
    preset : what to train; trials, seed, max_sequences : of the run (``TrialRun``)
    chunk : most training sequences between two looks at Stop (synchronous: one :meth:`step`)
    synchronous : the test double: train in the caller's thread, no child
    budget_s : seconds one start (or resume) may train before the job stops itself; None: no budget
    hook : "module:function" applied to the run once built (tests inject faults with it)
    """

    def __init__(self, preset: Preset, trials: int = 1, seed: int = 0, max_sequences: int | None = None,
                 chunk: int = 100, synchronous: bool = False, budget_s: float | None = None, hook: str = ""):
        if chunk < 1:
            raise ValueError("chunk must be >= 1")
        if budget_s is not None and not budget_s > 0:
            raise ValueError("budget_s must be > 0 (or None: no budget)")
        self.id = next(_ids)
        self.preset, self.chunk, self.synchronous, self.budget_s, self.hook = preset, int(chunk), synchronous, \
            budget_s, hook
        self.spec = Spec(preset, trials=trials, seed=seed, max_sequences=max_sequences)
        self.client = ""                    # who submitted it (the manager's per-client limit)
        self.manager = None                 # the lab.job_queue.JobManager it was submitted to, if any
        self._lock = threading.Lock()
        self._status, self._queue_position, self._error, self._detail, self._note = "new", None, "", "", ""
        self._stop_asked = self._budget_hit = False
        self._thread: threading.Thread | None = None
        self.worker: WorkerProcess | None = None    # the latest child (kept once it ended: its exit code)
        self._records = None                # synchronous: the record stream, trained in the caller's thread
        K = self.spec.K
        nan = np.full(K, np.nan)
        cap = int(max_sequences or preset.stop.max_sequences)
        self._progress = Progress(0, K, 0, 0, K, 0.0, 0.0, cap, False, nan, nan.copy())
        self._params = first_weights(self.spec)
        self._checkpoints = [(0, self._params)]
        self._curves = {"seq": np.zeros(0, np.int64), "err": np.zeros((0, K)), "ok": np.zeros((0, K))}
        self._message, self._summary = "", {}
        self._trained: TrainedRun | None = None

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> JobSnapshot:
        """The job now: its status and the latest record, as one consistent :class:`JobSnapshot`."""
        with self._lock:
            return JobSnapshot(self._status, self._queue_position, self._progress, self._curves, self._params,
                               list(self._checkpoints), " ".join(m for m in (self._message, self._note) if m),
                               self._error, self._summary, self.id)

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def stop_asked(self) -> bool:
        """True once Stop was pressed (until the next start)."""
        with self._lock:
            return self._stop_asked

    @property
    def error_detail(self) -> str:
        """The worker's traceback if it raised (for a log or an expander), else ""."""
        with self._lock:
            return self._detail

    @property
    def alive(self) -> bool:
        """True while this job's watching thread (and so its child) runs."""
        with self._lock:
            t = self._thread
        return t is not None and t.is_alive()

    def trained(self) -> TrainedRun | None:
        """The last trained state the child sent (None before the first), with the histories up to it."""
        with self._lock:
            return self._trained

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        """Start training: a child and its watching thread (synchronous: only marks the job running).

        Does nothing if the job is running; a failed job or a finished run ends at once (a manager's
        slot is given back).
        """
        with self._lock:
            if self._status == "running":
                return
            finished = self._status == "failed" or self._progress.done
            if finished:
                self._status = "failed" if self._status == "failed" else "done"
            else:
                self._status, self._queue_position, self._note = "running", None, ""
                self._stop_asked = self._budget_hit = False
                if not self.synchronous:
                    self._thread = threading.Thread(target=self._watch, name=f"lstm-job-{self.id}", daemon=True)
                    self._thread.start()        # under the lock: join() never sees a thread not yet started
        if finished:
            self._release()

    def stop(self) -> None:
        """Ask the job to stop (returns at once; see :meth:`join`). A queued job leaves its queue, "stopped"."""
        with self._lock:
            self._stop_asked = True
            proc = self.worker
            if self.synchronous and self._status == "running":
                self._status = "stopped"
        if proc is not None:
            proc.stop()
        if self.manager is not None:
            self.manager.dequeue(self)

    def resume(self) -> None:
        """Continue after a stop, from the kept state: through the manager's queue if submitted to one."""
        self.join()
        if self.manager is not None:
            self.manager.submit(self)
        else:
            self.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the watching thread to end; True if it has (synchronous: train the rest here)."""
        if self.synchronous:
            while self.status == "running":
                self.step()
            return True
        with self._lock:
            t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        return not self.alive

    def step(self, n_chunks: int = 1) -> JobSnapshot:
        """Synchronous double: train ``n_chunks`` steps of ``chunk`` sequences in the caller's thread."""
        if not self.synchronous:
            raise RuntimeError("step() is the synchronous double's; this job trains in a child process")
        if self.status == "new":
            self.start()
        if self._records is None:
            self._records = records(Start(self.spec, self.chunk, every=0.0, state_every=0.0, hook=self.hook))
        for _ in range(int(n_chunks)):
            if self.status != "running":
                break
            try:
                up = next(self._records, None)
            except Exception as exc:           # as a child would: the job fails visibly
                self._failed(exc)
                break
            if up is not None:
                self._apply(up)
            if up is None or up.progress.done:
                self._ended(End("done"))
        return self.snapshot()

    def save(self, out_dir):
        """Save the kept trained state (:func:`lab.runs.save_run`); only while no child trains it."""
        if self.alive or (self.synchronous and self.status == "running"):
            raise RuntimeError("save() while the job is training; stop() and join() it first")
        trained = self.trained()
        if trained is None:
            raise RuntimeError("save(): nothing trained yet")
        return save_run(trained, out_dir)

    # ------------------------------------------------------------------ for the manager (lab.job_queue)
    def queued(self, position: int | None) -> None:
        """Waiting in a queue at ``position`` (1 = next); None: taken out of it, "stopped"."""
        with self._lock:
            self._status, self._queue_position = ("queued", position) if position else ("stopped", None)

    def refused(self, why: str) -> None:
        """Not started (the server is full, or the client has enough jobs): "stopped", saying why."""
        with self._lock:
            self._status, self._queue_position, self._note = "stopped", None, why

    # ------------------------------------------------------------------ the watching thread
    def _watch(self) -> None:
        timer = None
        try:
            with self._lock:                     # (re)start from the kept state: the histories go back to it
                trained = self._trained
                self._trim(trained.seen if trained is not None else 0)
            proc = WorkerProcess(Start(self.spec, self.chunk, state=trained and trained.state, hook=self.hook))
            with self._lock:
                self.worker = proc
                stop_now = self._stop_asked
            if stop_now:
                proc.stop()
            if self.budget_s is not None:         # the server's per-job budget: stop like the Stop button
                timer = threading.Timer(self.budget_s, self._over_budget)
                timer.daemon = True
                timer.start()
            for up in proc.updates():             # blocked in a pipe read in between: no interpreter lock held
                self._apply(up)
            self._ended(proc.end)
        except Exception as exc:                  # the process could not be started or read: fail visibly
            self._failed(exc)
        finally:
            if timer is not None:
                timer.cancel()
            self._release()

    def _apply(self, up: Update) -> None:
        """One record from the child: new curve rows and checkpoints appended, the rest replaced."""
        K = self.spec.K
        with self._lock:
            if up.curve_seq:
                c = self._curves
                self._curves = {"seq": np.concatenate([c["seq"], np.asarray(up.curve_seq, np.int64)]),
                                "err": np.concatenate([c["err"], np.asarray(up.curve_err, float).reshape(-1, K)]),
                                "ok": np.concatenate([c["ok"], np.asarray(up.curve_ok, float).reshape(-1, K)])}
            self._checkpoints = self._checkpoints + list(up.checkpoints)
            self._progress, self._params, self._message, self._summary = up.progress, up.params, up.message, \
                up.summary
            if up.state is not None:
                c = self._curves
                self._trained = TrainedRun(self.preset, K, self.spec.seed, self.spec.checkpoint_trial, up.state,
                                           up.summary, c["seq"], c["err"], c["ok"], list(self._checkpoints),
                                           up.message)

    def _trim(self, seen: int) -> None:
        """Cut the histories back to ``seen`` sequences (a killed child may have sent records after its state)."""
        keep = self._curves["seq"] <= seen
        self._curves = {k: v[keep] for k, v in self._curves.items()}
        self._checkpoints = [c for c in self._checkpoints if c[0] <= seen]

    def _ended(self, end: End) -> None:
        with self._lock:
            if end.status == "failed" or (end.status == "killed" and self._trained is None and not self._stop_asked):
                self._status, self._error, self._detail = "failed", end.error, end.detail
                return
            if self._budget_hit:
                self._note = (f"Stopped by the server after {self.budget_s / 60:.0f} min of training (its budget "
                              f"per run, so that everybody gets a turn); Resume continues.")
            elif end.status == "killed" and not self._stop_asked:
                self._note = (f"The training process ended unexpectedly ({end.error.split('(')[-1].rstrip(')')}); "
                              f"Resume continues from the last weights received.")
            self._status = "done" if self._progress.done else "stopped"

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._status, self._error, self._detail = "failed", f"{type(exc).__name__}: {exc}", traceback.format_exc()

    def _over_budget(self) -> None:
        with self._lock:
            if self._stop_asked:
                return
            self._budget_hit = True
        self.stop()

    def _release(self) -> None:
        if self.manager is not None:
            self.manager.release(self)

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.preset.name!r}, {self.status})"
