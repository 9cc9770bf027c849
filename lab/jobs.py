"""Background training jobs: a TrialRun in a daemon thread, a stop event, a lock-protected snapshot.

::

    manager = JobManager(capacity=2)            # one per server (the app: st.cache_resource)
    job = Job(get_preset("classroom_exp4_adding_T20"), trials=1, seed=0)
    manager.submit(job)                          # runs now, or waits in a FIFO queue
    snap = job.snapshot()                        # any thread, any time: a consistent copy
    snap.status, snap.queue_position, snap.progress.sequences, snap.curves["err"]
    job.stop(); job.join(5)                      # finishes its current chunk, then exits
    job.resume()                                 # the same TrialRun goes on (through the queue)

``Job(..., worker="process")`` trains in a child process instead (:mod:`lab.job_worker`),
which the job's thread only watches: it waits in a pipe read, publishes each update the child
sends, and when the child ends takes the trained run back into ``job.run`` (the same object).
Everything below holds for both workers.

The worker thread only calls :meth:`TrialRun.advance` and publishes copies; it never
touches a user interface (DESIGN decision 5). Everything a reader sees goes through
:meth:`Job.snapshot`, built by the worker after each chunk under the job's lock, so the
run's own arrays are never read while they change. A run that diverges freezes its trial
and says so in ``snapshot().message``; an exception in the worker ends the job as
``"failed"`` with the error text, and its slot is released like any other.

``synchronous=True`` runs the work in the caller's thread instead (tests, Streamlit's
AppTest): :meth:`Job.start` trains until the run is done, :meth:`Job.step` one chunk at a time.
"""

from __future__ import annotations

import itertools
import os
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from lab.job_worker import Spec, as_arrays, first_weights, restore_run
from lab.runs import save_run
from lstm_core.experiments.learner import take_trials
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import Progress, TrialRun

__all__ = ["Job", "JobSnapshot", "JobManager", "STATUSES", "WORKERS"]

Array = np.ndarray
STATUSES = ("new", "queued", "running", "stopped", "done", "failed")
WORKERS = ("thread", "process")
_ids = itertools.count(1)


@dataclass(frozen=True)
class JobSnapshot:
    """What a job looked like after its last chunk (copies: safe to keep and read)."""

    status: str                        # one of STATUSES ("new": created, not yet started or submitted)
    queue_position: int | None         # 1 = next to start; None unless queued
    progress: Progress
    curves: dict[str, Array]           # "seq" (P,), "err" (P, K), "ok" (P, K)
    params: dict[str, Array]           # latest weights of the checkpoint trial (1, ...)
    checkpoints: list[tuple[int, dict[str, Array]]]
    message: str                       # the run's message (e.g. divergence), "" if none
    error: str = ""                    # "ExcType: text" if the worker raised
    summary: dict = field(default_factory=dict)   # TrialRun.result() at the last chunk
    job_id: int = 0

    @property
    def finished(self) -> bool:
        """True once the job will not change any more unless resumed."""
        return self.status in ("stopped", "done", "failed")


class Job:
    """One training run in the background (see the module docstring).

    Parameters
    ----------
    preset : what to train; trials, seed, max_sequences : passed to :class:`TrialRun`
    chunk : training sequences between two snapshots (and between two looks at the stop event)
    synchronous : run in the caller's thread (no worker thread at all)
    worker : "thread" trains in the worker thread; "process" in a child process
        (:mod:`lab.job_worker`, lower CPU priority) that the worker thread only watches:
        the training holds no lock of the caller's interpreter. Same API, same guarantees.
    """

    def __init__(self, preset: Preset, trials: int = 1, seed: int = 0, max_sequences: int | None = None,
                 chunk: int = 100, synchronous: bool = False, worker: str = "thread", budget_s: float | None = None,
                 hook: str = ""):
        if chunk < 1:
            raise ValueError("chunk must be >= 1")
        if worker not in WORKERS:
            raise ValueError(f"worker must be one of {WORKERS}, not {worker!r}")
        if budget_s is not None and not budget_s > 0:
            raise ValueError("budget_s must be > 0 (or None: no budget)")
        self.worker = "thread" if synchronous else worker
        self._proc = None                   # the WorkerProcess while one runs (worker="process")
        self.id = next(_ids)
        self.preset = preset
        self.chunk = int(chunk)
        self.synchronous = synchronous
        self.budget_s = budget_s            # seconds one start (or resume) may train before the job stops itself
        self.spec = Spec(preset, trials=trials, seed=seed, max_sequences=max_sequences)
        self.hook = hook                    # worker="process": "module:function" applied to the run in the child
        self.client = ""                    # who submitted it (JobManager's per-client limit)
        self._stop_asked = False
        if self.worker == "thread":
            self._run: TrialRun | None = TrialRun(preset, trials=trials, seed=seed, max_sequences=max_sequences)
        else:                               # the run lives in the child; the server keeps what came back
            self._run = None
            self._state: bytes | None = None
            self._hist: tuple[list, list, list] = ([], [], [])
            self._ckpts: list = [(0, first_weights(self.spec))]   # the child sends the later ones
            self._done = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._manager: JobManager | None = None
        self._status = "new"
        self._queue_position: int | None = None
        self._error = ""
        self._detail = ""                   # the worker's traceback, if it raised
        self._snap = _replace(self._build_snapshot() if self._run is not None else self._first_snapshot(),
                              status="new")

    @property
    def run(self) -> TrialRun:
        """The run. worker="process": rebuilt on each access from the spec and the last state the child sent
        (for saving or inspection; the server holds no run while the child trains)."""
        if self._run is not None:
            return self._run
        with self._lock:
            state, hist, ckpts = self._state, tuple(list(c) for c in self._hist), list(self._ckpts)
        return restore_run(self.spec, state, hist, ckpts if state is not None else None)

    def done(self) -> bool:
        """True once the run has reached its end (every trial finished, or the sequence cap)."""
        if self._run is not None:
            return self._run.done()
        with self._lock:
            return self._done

    def _first_snapshot(self) -> JobSnapshot:
        """The snapshot of a process job before its child has sent anything (no run built in this process)."""
        p = self.spec.preset
        K = int(self.spec.trials or p.trials)
        cap = int(self.spec.max_sequences or p.stop.max_sequences)
        nan = np.full(K, np.nan)
        progress = Progress(0, K, 0, 0, K, 0.0, 0.0, cap, False, nan, nan.copy())
        return JobSnapshot(status="", queue_position=None, progress=progress, curves=as_arrays([], [], [], K),
                           params=self._ckpts[0][1], checkpoints=list(self._ckpts), message="", job_id=self.id)

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        """Start training (a worker thread; synchronous: train to the end in this thread).

        Does nothing if the job is already running or its run is done.
        """
        with self._lock:
            if self._status == "running":
                return
            run_done = self._run.done() if self._run is not None else self._done
            finished = self._status == "failed" or run_done
            if finished and self._status != "failed":
                self._set_status("done")
            if not finished:
                self._stop.clear()
                self._stop_asked = False
                self._set_status("running")
        if finished:                      # nothing to do: give a manager's slot back at once
            self._finished()
            return
        if self.synchronous:
            self._work()
        else:
            target = self._work if self.worker == "thread" else self._work_in_process
            thread = threading.Thread(target=target, name=f"lstm-job-{self.id}", daemon=True)
            with self._lock:                # join() and alive never see a thread that has not started
                self._thread = thread
                thread.start()

    def stop(self) -> None:
        """Ask the job to stop after its current chunk (returns at once; see :meth:`join`).

        A queued job leaves its queue and becomes "stopped" without having run.
        """
        self._stop.set()
        with self._lock:
            self._stop_asked = True
            proc = self._proc
        if proc is not None:
            proc.stop()
        if self._manager is not None:
            self._manager._dequeue(self)

    def resume(self) -> None:
        """Continue the same run after a stop: through the manager's queue if submitted to one.

        If the worker is still finishing its last chunk after :meth:`stop`, waits for it first.
        """
        t = self._worker_thread()
        if t is not None and t.is_alive() and threading.current_thread() is not t:
            t.join()
        if self._manager is not None:
            self._manager.submit(self)
        else:
            self.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread to end; True if it has (or there is none)."""
        t = self._worker_thread()
        if t is not None and t is not threading.current_thread():
            t.join(timeout)
        return not self.alive

    @property
    def alive(self) -> bool:
        """True while a worker thread of this job is running."""
        t = self._worker_thread()
        return t is not None and t.is_alive()

    def _worker_thread(self) -> threading.Thread | None:
        """The current worker thread, read under the lock that :meth:`start` assigns and starts it under."""
        with self._lock:
            return self._thread

    @property
    def error_detail(self) -> str:
        """The worker's traceback if it raised (for a log or an expander), else ""."""
        with self._lock:
            return self._detail

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    def snapshot(self) -> JobSnapshot:
        """The latest published :class:`JobSnapshot` (cheap: no copying at read time)."""
        with self._lock:
            return self._snap

    def step(self, n_chunks: int = 1) -> JobSnapshot:
        """Train ``n_chunks`` chunks in the caller's thread (synchronous use, or a stopped job)."""
        if self.alive:
            raise RuntimeError("step() while a worker thread runs this job; stop() and join() it first")
        if self._run is None:
            raise RuntimeError("step() trains in this thread: not for a worker=\"process\" job")
        for _ in range(int(n_chunks)):
            if self.run.done():
                break
            self._advance()
        with self._lock:
            if self.run.done() and self._status != "failed":
                self._set_status("done")
        return self.snapshot()

    def save(self, out_dir):
        """Save the run (:func:`lab.runs.save_run`); only while no worker thread runs it."""
        if self.alive:
            raise RuntimeError("save() while the job is training; stop() and join() it first")
        return save_run(self.run, out_dir)

    # ------------------------------------------------------------------ worker
    def _work(self) -> None:
        try:
            while not self._stop.is_set() and not self.run.done():
                self._advance()
            with self._lock:
                self._set_status("done" if self.run.done() else "stopped")
        except Exception as exc:          # anything: the job fails visibly, the server goes on
            with self._lock:
                self._error = f"{type(exc).__name__}: {exc}"
                self._detail = traceback.format_exc()
                self._set_status("failed")
        finally:
            self._finished()

    def _work_in_process(self) -> None:
        """Watch a worker process train the run; publish its updates; keep its latest state.

        The child builds the run from ``self.spec`` (and the last state, to resume). If it ends without
        saying how (killed on Stop, or it died), the job keeps the last state it sent: "stopped", and
        Resume continues from there; "failed" only if nothing ever came back.
        """
        from lab.job_worker import Start, WorkerProcess

        K = int(self.spec.trials or self.spec.preset.trials)
        proc = timer = None
        self._budget_hit = False
        try:
            with self._lock:
                state = self._state
                stop_now = self._stop_asked
            proc = WorkerProcess(Start(self.spec, self.chunk, state=state, hook=self.hook))
            with self._lock:
                self._proc = proc
            if stop_now or self._stop.is_set():
                proc.stop()
            if self.budget_s is not None:       # the server's per-job budget: stop like the Stop button
                timer = threading.Timer(self.budget_s, self._over_budget)
                timer.daemon = True
                timer.start()
            for up in proc.updates():            # blocked in a pipe read in between: no interpreter lock held
                with self._lock:
                    seq, err, ok = self._hist
                    seq += up.curve_seq
                    err += up.curve_err
                    ok += up.curve_ok
                    self._ckpts += up.checkpoints
                    if up.state is not None:
                        self._state = up.state
                    self._done = bool(up.progress.done)
                    curves = as_arrays(seq, err, ok, K)
                    ckpts = list(self._ckpts)
                snap = JobSnapshot(status="", queue_position=None, progress=up.progress, curves=curves,
                                   params=up.params, checkpoints=ckpts, message=up.message, summary=up.summary,
                                   job_id=self.id)
                with self._lock:
                    self._snap = _replace(snap, status=self._status, queue_position=self._queue_position,
                                          error=self._error)
            end = proc.end
            with self._lock:
                if end.status == "failed":
                    self._error, self._detail = end.error, end.detail
                    self._set_status("failed")
                elif end.status == "killed" and self._state is None and not self._stop_asked:
                    self._error = end.error
                    self._set_status("failed")
                else:
                    note = ""
                    if self._budget_hit:
                        note = (f"Stopped by the server after {self.budget_s / 60:.0f} min of training (its budget "
                                f"per run, so that everybody gets a turn); Resume continues.")
                    elif end.status == "killed" and not self._stop_asked:
                        note = (f"The training process ended unexpectedly ({end.error.split('(')[-1].rstrip(')')}); "
                                f"Resume continues from the last weights received.")
                    status = end.status if end.status in ("done", "stopped") else "stopped"
                    if status == "stopped" and self._done:
                        status = "done"
                    self._set_status(status)
                    if note:
                        self._snap = _replace(self._snap, message=(self._snap.message + " " + note).strip())
        except Exception as exc:          # the process could not be started or read: fail visibly
            with self._lock:
                self._error = f"{type(exc).__name__}: {exc}"
                self._detail = traceback.format_exc()
                self._set_status("failed")
        finally:
            if timer is not None:
                timer.cancel()
            with self._lock:
                self._proc = None
            self._finished()

    def _over_budget(self) -> None:
        if not self._stop.is_set():
            self._budget_hit = True
            self.stop()

    def _advance(self) -> None:
        self.run.advance(self.chunk)
        snap = self._build_snapshot()                      # outside the lock: readers never wait on copying
        with self._lock:
            self._snap = _replace(snap, status=self._status, queue_position=self._queue_position, error=self._error)

    def _build_snapshot(self) -> JobSnapshot:
        run = self.run
        summary = run.result()                             # also syncs run.params with the working weights
        K = run.K
        curves = {"seq": np.asarray(run.curve_seq, dtype=np.int64).reshape(-1),
                  "err": np.asarray(run.curve_err, dtype=float).reshape(-1, K),
                  "ok": np.asarray(run.curve_ok, dtype=float).reshape(-1, K)}
        return JobSnapshot(status="", queue_position=None, progress=run.progress(),
                           curves=curves, params=take_trials(run.params, [run.checkpoint_trial]),
                           checkpoints=list(run.checkpoints), message=run.message, summary=summary, job_id=self.id)

    def _set_status(self, status: str, queue_position: int | None = None) -> None:
        """Change status (call with the lock held); the snapshot follows at once."""
        self._status = status
        self._queue_position = queue_position
        message = self._run.message if self._run is not None else self._snap.message
        self._snap = _replace(self._snap, status=status, queue_position=queue_position, error=self._error,
                              message=message)

    def _finished(self) -> None:
        if self._manager is not None:
            self._manager._release(self)

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.preset.name!r}, {self._status})"


def _replace(snap: JobSnapshot, **changes) -> JobSnapshot:
    return JobSnapshot(**{**snap.__dict__, **changes})


class JobManager:
    """A server-wide cap on concurrently running jobs, with a FIFO queue beyond it.

    Thread-safe. A job that is done, stopped or failed releases its slot and the next
    queued job starts. Holds no module-level state: make one per server.
    """

    def __init__(self, capacity: int | None = None, max_queue: int | None = None, per_client: int | None = None):
        self.capacity = max(1, int(capacity or os.cpu_count() or 1))
        self.max_queue = None if max_queue is None else max(0, int(max_queue))     # None: no cap
        self.per_client = None if per_client is None else max(1, int(per_client))  # running + queued, per client
        self._lock = threading.RLock()
        self._running: list[Job] = []
        self._queue: deque[Job] = deque()

    def submit(self, job: Job, client: str = "") -> JobSnapshot:
        """Start ``job`` if a slot is free, else queue it; returns its snapshot.

        Refused (the job ends "stopped" at once, its message says why; Resume may try again) when the
        queue holds ``max_queue`` jobs already, or ``client`` (e.g. a browser session's token) has
        ``per_client`` jobs running or queued that were not asked to stop.
        """
        start = False
        with self._lock:
            job._manager = self
            if client:
                job.client = client
            if job in self._running or job in self._queue:
                return job.snapshot()
            why = ""
            mine = [j for j in (*self._running, *self._queue) if job.client and j.client == job.client
                    and not j._stop.is_set()]
            if self.per_client is not None and len(mine) >= self.per_client:
                why = (f"Not started: this browser session already has {len(mine)} run(s) training or waiting "
                       f"(at most {self.per_client}). Stop one first.")
            elif (self.max_queue is not None and len(self._running) >= self.capacity
                  and len(self._queue) >= self.max_queue):
                why = (f"Not started: the server is full ({len(self._running)} training, {len(self._queue)} "
                       f"waiting). Try Resume in a minute.")
            if why:
                with job._lock:
                    job._set_status("stopped")
                    job._snap = _replace(job._snap, message=why)
                return job.snapshot()
            if len(self._running) < self.capacity:
                self._running.append(job)
                start = True
            else:
                self._queue.append(job)
                self._renumber()
        if start:
            job.start()
        return job.snapshot()

    def cancel(self, job: Job) -> None:
        """Stop a running job, or take a queued one out of the queue."""
        job.stop()

    def running(self) -> list[Job]:
        with self._lock:
            return list(self._running)

    def queued(self) -> list[Job]:
        with self._lock:
            return list(self._queue)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Empty the queue, stop every running job and wait up to ``timeout`` s for each."""
        with self._lock:
            queued, self._queue = list(self._queue), deque()
            running = list(self._running)
        for job in queued:
            with job._lock:
                job._set_status("stopped")
        for job in running:
            job.stop()
        for job in running:
            job.join(timeout)

    # ------------------------------------------------------------------ internals
    def _dequeue(self, job: Job) -> None:
        with self._lock:
            if job not in self._queue:
                return
            self._queue.remove(job)
            self._renumber()
        with job._lock:
            job._set_status("stopped")

    def _release(self, job: Job) -> None:
        """A job ended (done, stopped or failed): free its slot, start the next queued job."""
        nxt = None
        with self._lock:
            if job in self._running:
                self._running.remove(job)
            if self._queue and len(self._running) < self.capacity:
                nxt = self._queue.popleft()
                self._running.append(nxt)
                self._renumber()
        if nxt is not None:
            nxt.start()

    def _renumber(self) -> None:
        """Publish every queued job's position (1 = next); call with the manager lock held."""
        for pos, j in enumerate(self._queue, start=1):
            with j._lock:
                j._set_status("queued", pos)
