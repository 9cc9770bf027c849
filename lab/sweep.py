"""A paper row's trials spread over worker processes or a Dask cluster, and put back together.

A row is K independent trials. ``TrialRun(preset, seed=seed, trial_ids=[i])`` trains trial ``i`` alone
with exactly the generators trial ``i`` gets in the K-trial run (its generators are fixed by
``(seed, i)`` before it is scheduled), so the row may run as K separate tasks anywhere and
:func:`combine` turns their single-trial results into the summary a serial K-trial run gives
(same keys, same numbers; only ``seconds`` differs: here it is the row's wall-clock time).

::

    rows = [Row(get_preset("exp4_adding_T100"), trials=10, seed=0, max_sequences=300_000)]
    with LocalPool(workers=2) as pool:                    # or DaskBackend("scheduler:8786"), or None: serially
        for outcome in run_rows(rows, pool):
            print(outcome.summary["success_rate"])

Backends run :class:`TrialTask` objects: :class:`LocalPool` (``concurrent.futures`` worker processes,
forkserver or spawn, never fork) and :class:`DaskBackend` (a ``dask.distributed`` scheduler and its
workers). With no backend, :func:`run_rows` trains each row in this process as one K-trial lockstep run
(the serial reference). Stopping is cooperative: :class:`Stop` is a flag a signal handler may set; the
driver passes it on to the workers (a ``multiprocessing`` event, a Dask ``Event``), each running trial
returns what it reached, and trials not yet started return at once.
"""

from __future__ import annotations

import collections
import hashlib
import os
import queue
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from lstm_core.experiments.preset import Preset
from lstm_core.experiments.results import summarise_tests
from lstm_core.experiments.train import TrialRun

STEP = 10                 # sequences trained between two looks at the stop flag
POLL = 0.05               # seconds between two looks of the driver at its tasks
DASK_STOP_EVERY = 0.5     # seconds between two asks of the Dask stop event (a round trip to the scheduler)
CKPT_FIRST = 100          # TrialRun's checkpoint schedule: at 100, 200, 400, ... sequences (see MergedRun)


class SweepError(RuntimeError):
    """The sweep cannot go on (a worker runs different code, a trial raised, the cluster is gone)."""


# ----------------------------------------------------------------------------- what is run

@dataclass(frozen=True)
class Row:
    """One row of the results table: ``trials`` trials of ``preset``, each up to ``max_sequences``."""

    preset: Preset
    trials: int
    seed: int
    max_sequences: int


@dataclass(frozen=True)
class TrialTask:
    """Trial ``trial`` of a row, as a picklable task (the preset travels with it, registered or not)."""

    preset: Preset
    seed: int
    trial: int
    max_sequences: int
    chunk: int = 500      # sequences between two progress reports
    row: int = 0          # index of the row in the sweep


class Stop:
    """A stop request: a counter a signal handler may bump (nothing else happens in the handler)."""

    def __init__(self) -> None:
        self.count = 0
        self.reason = ""

    def request(self, reason: str = "stop") -> None:
        self.count += 1
        self.reason = self.reason or reason

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def abort(self) -> bool:
        """Asked twice: give up at once, without waiting for the running trials' partial results."""
        return self.count >= 2


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the engine's and lab's source files: Dask workers must run the code the client runs."""
    import lstm_core

    h = hashlib.sha256()
    for pkg in (Path(lstm_core.__file__).parent, Path(__file__).parent):
        for f in sorted(pkg.rglob("*.py")):
            h.update(str(f.relative_to(pkg.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- one trial (worker side)

def _report(task: TrialTask, run: TrialRun, final: bool = False) -> dict:
    r = run.results[0]
    return {"row": task.row, "trial": task.trial, "seen": int(run.seen), "solved": bool(r.solved),
            "diverged": bool(r.diverged), "done": bool(final or run.done()), "elapsed": float(run.elapsed)}


def run_trial(task: TrialTask, should_stop: Callable[[], bool] = lambda: False,
              report: Callable[[dict], None] | None = None) -> dict:
    """Train one trial to its end (or until ``should_stop()``); returns its payload (see :func:`trial_payload`).

    A task that finds the stop flag already set returns ``{"started": False, ...}`` without building a net.
    """
    if should_stop():
        return {"row": task.row, "trial": task.trial, "started": False}
    run = TrialRun(task.preset, seed=task.seed, trial_ids=[task.trial], max_sequences=task.max_sequences)
    interrupted = False
    next_report = task.chunk
    if report is not None:
        report(_report(task, run))                 # started: the row's clock starts
    while not run.done():
        if should_stop():
            interrupted = True
            break
        run.advance(min(STEP, next_report - run.seen))
        if run.seen >= next_report and report is not None and not run.done():
            report(_report(task, run))
        while next_report <= run.seen:
            next_report += task.chunk
    if report is not None:
        report(_report(task, run, final=True))
    return trial_payload(run, task, interrupted)


def trial_payload(run: TrialRun, task: TrialTask, interrupted: bool) -> dict:
    """What a finished (or stopped) single-trial run sends back: its summary, test figures, weights, curves."""
    summary = run.result()
    return {
        "row": task.row, "trial": task.trial, "started": True, "interrupted": bool(interrupted),
        "summary": summary, "test": dict(run.results[0].test),
        "params": {k: np.array(v) for k, v in run.params.items()},
        "curve_seq": np.asarray(run.curve_seq, dtype=np.int64).reshape(-1),
        "curve_err": np.asarray(run.curve_err, dtype=float).reshape(-1),
        "curve_ok": np.asarray(run.curve_ok, dtype=float).reshape(-1),
        "checkpoints": [(int(s), {k: np.array(v) for k, v in p.items()}) for s, p in run.checkpoints],
        "message": run.message, "seconds": float(run.elapsed), "code": code_fingerprint(),
    }


def untrained_payload(task: TrialTask) -> dict:
    """The payload of a trial that never trained (stopped before it started): its initial weights, no result."""
    return trial_payload(TrialRun(task.preset, seed=task.seed, trial_ids=[task.trial],
                                  max_sequences=task.max_sequences), task, interrupted=True)


# ----------------------------------------------------------------------------- putting trials together

def combine(payloads: Sequence[dict], seconds: float | None = None) -> dict:
    """The K-trial summary (the keys and numbers of ``TrialRun.result()``) from K single-trial payloads.

    ``payloads`` are trials 0..K-1 of one row, in any order. ``seconds`` (default: the longest trial's
    training time) is the row's time.
    """
    ps = sorted(payloads, key=lambda p: p["trial"])
    if [p["trial"] for p in ps] != list(range(len(ps))) or not ps:
        raise ValueError(f"combine needs trials 0..K-1 once each, got {[p['trial'] for p in ps]}")
    s = [p["summary"] for p in ps]
    if len({(x["preset"], x["seed"], x["max_sequences_cap"]) for x in s}) != 1:
        raise ValueError("combine: the trials come from different presets, seeds or caps")
    K = len(ps)
    to_success = [x["sequences_to_success"][0] for x in s]
    solved = [n for n in to_success if n is not None]
    presented = [x["sequences_presented"][0] for x in s]
    return {
        "preset": s[0]["preset"], "trials": K, "seed": s[0]["seed"],
        "successes": len(solved), "success_rate": len(solved) / K,
        "sequences_to_success": to_success,
        "mean_sequences": float(np.mean(solved)) if solved else None,
        "min_sequences": min(solved) if solved else None,
        "max_sequences": max(solved) if solved else None,
        "sequences_presented": presented,
        "sequences_seen": max(presented), "max_sequences_cap": s[0]["max_sequences_cap"],
        "diverged": [p["trial"] for p, x in zip(ps, s) if x["diverged"]],
        "st1_at": [x["st1_at"][0] for x in s],
        "seconds": float(max(x["seconds"] for x in s) if seconds is None else seconds),
        "test": summarise_tests([p["test"] for p, n in zip(ps, to_success) if n is not None and p["test"]]),
    }


class MergedRun:
    """K single-trial payloads side by side, shaped like a finished ``TrialRun`` for ``lab.runs.save_run``.

    Weights are stacked in trial order; learning curves run to the last trial's end with NaN after a trial
    stopped; the checkpoint trial (0) keeps its final weights at the checkpoints the lockstep run would
    still have taken while other trials trained - what a serial K-trial run saves.
    """

    checkpoint_trial = 0

    def __init__(self, preset: Preset, payloads: Sequence[dict], summary: dict):
        ps = sorted(payloads, key=lambda p: p["trial"])
        self.preset, self.K, self.seed = preset, len(ps), summary["seed"]
        self._summary = summary
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
        while nxt <= max(last_seq, ps[0]["summary"]["sequences_seen"]):
            nxt *= 2
        while nxt <= summary["sequences_seen"]:
            self.checkpoints.append((nxt, last))
            nxt *= 2
        diverged = summary["diverged"]
        self.message = (f"Training diverged (NaN/inf) in trial(s) {diverged} — stopped, last good weights kept."
                        if diverged else "")

    def result(self) -> dict:
        return dict(self._summary)


# ----------------------------------------------------------------------------- backends

class LocalPool:
    """Worker processes on this machine (``concurrent.futures.ProcessPoolExecutor``, forkserver or spawn).

    The workers ignore SIGINT and SIGHUP (a terminal's Ctrl-C reaches the whole process group; the parent
    decides) and stop by themselves if the parent goes away.
    """

    name = "processes"

    def __init__(self, workers: int):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["lab.sweep"])     # the server imports numpy and the engine once
        self.workers = int(workers)
        self._stop = ctx.Event()
        self._reports = ctx.Queue()
        self._ex = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_local_init,
                                       initargs=(self._stop, self._reports))

    def submit(self, task: TrialTask):
        return self._ex.submit(_local_run, task)

    def request_stop(self) -> None:
        self._stop.set()

    def reports(self) -> list[dict]:
        out = []
        while True:
            try:
                out.append(self._reports.get_nowait())
            except (queue.Empty, OSError, ValueError):
                return out

    def describe(self) -> str:
        return f"{self.workers} worker processes"

    def close(self, abort: bool = False) -> None:
        if abort:
            self._stop.set()
        self._ex.shutdown(wait=True, cancel_futures=abort)
        self.reports()
        self._reports.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close(abort=exc[0] is not None)


_LOCAL: dict = {}


def _local_init(stop, reports) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    reports.cancel_join_thread()              # never block this worker's exit on unread progress reports
    _LOCAL.update(stop=stop, reports=reports, ppid=os.getppid())


def _local_should_stop() -> bool:
    return _LOCAL["stop"].is_set() or os.getppid() != _LOCAL["ppid"]


def _local_report(msg: dict) -> None:
    try:
        _LOCAL["reports"].put_nowait(msg)
    except (OSError, ValueError):
        pass


def _local_run(task: TrialTask) -> dict:
    return run_trial(task, _local_should_stop, _local_report)


class DaskBackend:
    """A ``dask.distributed`` cluster: a scheduler address (``HOST:PORT``) or a ``Client`` already connected.

    Every worker must import this repository's ``lstm_core`` and ``lab`` (start ``dask worker`` with the
    checkout on ``PYTHONPATH``); :meth:`check_workers` compares their code with ours before any work.
    Progress comes back as Dask events (``Worker.log_event`` -> ``Client.subscribe_topic``), the stop
    request goes out as a ``distributed.Event``.
    """

    name = "dask"

    def __init__(self, address: str | None = None, client=None, timeout: float = 10.0):
        from distributed import Client

        self._own = client is None
        self.client = client if client is not None else Client(address, timeout=timeout, set_as_default=False)
        uid = uuid.uuid4().hex[:12]
        self.stop_name, self.topic = f"lab-sweep-stop-{uid}", f"lab-sweep-{uid}"
        self._inbox: collections.deque = collections.deque()
        self.client.subscribe_topic(self.topic, self._inbox.append)
        self._futures: list = []

    def workers(self) -> dict[str, int]:
        """Worker address -> threads."""
        return dict(self.client.nthreads())

    def check_workers(self, stop: Stop | None = None, wait: float = 120.0) -> None:
        """Wait (up to ``wait`` s, or until ``stop``) for a worker; every worker must run our code."""
        deadline = time.monotonic() + wait
        while not self.workers():
            if stop or time.monotonic() > deadline:
                raise SweepError(f"the Dask scheduler at {self.client.scheduler.address} has no workers"
                                 " (start some with `dask worker HOST:PORT`)")
            time.sleep(0.2)
        try:                                         # the scheduler unpickles every task: it needs our modules too
            self.client.run_on_scheduler(code_fingerprint)
        except Exception as exc:
            raise SweepError(f"the Dask scheduler cannot load the sweep's tasks ({type(exc).__name__}: {exc}); start"
                             " `dask scheduler` with PYTHONPATH set to a checkout of this repository") from None
        try:
            theirs = self.client.run(code_fingerprint)
        except Exception as exc:                     # e.g. ModuleNotFoundError on a worker
            raise SweepError(f"a Dask worker cannot run the sweep ({type(exc).__name__}: {exc}); start the workers"
                             " from a checkout of this repository with PYTHONPATH set to it") from None
        ours = code_fingerprint()
        bad = sorted(w for w, fp in theirs.items() if fp != ours)
        if bad:
            raise SweepError(f"Dask worker(s) {', '.join(bad)} run different lstm_core/lab code than this"
                             " client; results would not be reproducible - update their checkout")

    def submit(self, task: TrialTask):
        fut = self.client.submit(_dask_run, task, self.stop_name, self.topic, pure=False,
                                 key=f"lab-trial-{self.topic}-{task.row}-{task.trial}")
        self._futures.append(fut)
        return fut

    def request_stop(self) -> None:
        from distributed import Event

        Event(self.stop_name, client=self.client).set()

    def reports(self) -> list[dict]:
        out = []
        while self._inbox:
            event = self._inbox.popleft()
            msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
            if isinstance(msg, dict):
                out.append(msg)
        return out

    def describe(self) -> str:
        w = self.workers()
        return f"Dask scheduler {self.client.scheduler.address} ({len(w)} workers, {sum(w.values())} threads)"

    def close(self, abort: bool = False) -> None:
        try:
            if abort:
                self.request_stop()
                self.client.cancel(self._futures)
            self.client.unsubscribe_topic(self.topic)
        finally:
            if self._own:
                self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close(abort=exc[0] is not None)


def _dask_run(task: TrialTask, stop_name: str, topic: str) -> dict:
    from distributed import Event, get_worker

    worker = get_worker()
    event = Event(stop_name)
    state = {"at": -1e9, "set": False}

    def should_stop() -> bool:
        now = time.monotonic()
        if not state["set"] and now - state["at"] >= DASK_STOP_EVERY:
            state["at"], state["set"] = now, bool(event.is_set())
        return state["set"]

    def report(msg: dict) -> None:
        worker.log_event(topic, msg)

    return run_trial(task, should_stop, report)


# ----------------------------------------------------------------------------- the driver

@dataclass
class RowProgress:
    """Where a row stands; shaped like ``lstm_core.experiments.train.Progress`` where the command line reads it."""

    index: int
    row: Row
    seen: list[int]
    solved: int = 0
    failed: int = 0
    finished: int = 0
    rate: float = 0.0          # training sequences per second, summed over the running trials
    elapsed: float = 0.0       # wall-clock seconds since the row started
    trial_done: list[bool] = field(default_factory=list, repr=False)

    @property
    def trials(self) -> int:
        return self.row.trials

    @property
    def sequences(self) -> int:
        """Training sequences per trial (the mean over the row's trials)."""
        return int(round(sum(self.seen) / max(len(self.seen), 1)))

    @property
    def eta(self) -> float:
        """Seconds until every running trial reaches the cap at the current rate (an upper bound)."""
        left = sum(max(self.row.max_sequences - s, 0) for s, d in zip(self.seen, self.trial_done) if not d)
        return left / self.rate if self.rate > 0 else 0.0


@dataclass
class RowOutcome:
    """A row that ended: its summary (None for a row stopped before any trial trained) and the run to save."""

    index: int
    row: Row
    summary: dict | None
    run: object | None          # TrialRun (serial) or MergedRun: what lab.runs.save_run takes
    interrupted: bool
    seconds: float


def run_rows(rows: Sequence[Row], backend=None, *, chunk: int = 500, stop: Stop | None = None,
             on_progress: Callable[[RowProgress], None] | None = None,
             finish_interrupted: bool = True) -> Iterator[RowOutcome]:
    """Run ``rows``; yield each :class:`RowOutcome` as its row ends (rows may end out of order on a backend).

    ``backend`` None trains each row in this process as one K-trial lockstep ``TrialRun``. On ``stop`` the
    running trials stop and report what they reached, the rows not finished end ``interrupted`` (their summary
    only if ``finish_interrupted``; untrained trials count as not solved) and nothing new starts. A second
    stop request raises ``KeyboardInterrupt`` at once (the caller saves nothing more).
    """
    stop = stop if stop is not None else Stop()
    if backend is None:
        yield from _rows_here(rows, chunk, stop, on_progress)
    else:
        yield from _rows_on(rows, backend, chunk, stop, on_progress, finish_interrupted)


def _rows_here(rows, chunk, stop, on_progress) -> Iterator[RowOutcome]:
    for index, row in enumerate(rows):
        if stop:
            yield RowOutcome(index, row, None, None, True, 0.0)
            continue
        t0 = time.monotonic()
        run = TrialRun(row.preset, trials=row.trials, seed=row.seed, max_sequences=row.max_sequences)
        interrupted = False
        next_report = chunk
        while not run.done():
            if stop:
                interrupted = True
                break
            run.advance(min(STEP, next_report - run.seen))
            if (run.seen >= next_report or run.done()) and on_progress is not None:
                p = run.progress()
                done = [r.solved or r.diverged for r in run.results]
                on_progress(RowProgress(index, row, [run.seen] * row.trials, p.solved, p.failed, sum(done),
                                        p.rate, time.monotonic() - t0, done))
            while next_report <= run.seen:
                next_report += chunk
        if stop.abort:
            raise KeyboardInterrupt
        yield RowOutcome(index, row, run.result(), run, interrupted, time.monotonic() - t0)


class _RowState:
    def __init__(self, index: int, row: Row):
        self.index, self.row = index, row
        self.payloads: dict[int, dict | None] = {}
        self.seen = [0] * row.trials
        self.done = [False] * row.trials
        self.solved: set[int] = set()
        self.failed: set[int] = set()
        self.speed: dict[int, float] = {}
        self.t0: float | None = None

    def update(self, msg: dict) -> None:
        if self.t0 is None:
            self.t0 = time.monotonic()
        k = int(msg["trial"])
        self.seen[k] = max(self.seen[k], int(msg["seen"]))
        self.done[k] = self.done[k] or bool(msg["done"])
        if msg.get("solved"):
            self.solved.add(k)
        if msg.get("diverged"):
            self.failed.add(k)
        if msg["done"]:
            self.speed.pop(k, None)
        elif msg.get("elapsed"):
            self.speed[k] = msg["seen"] / msg["elapsed"]

    def progress(self) -> RowProgress:
        return RowProgress(self.index, self.row, list(self.seen), len(self.solved), len(self.failed),
                           sum(self.done), sum(self.speed.values()),
                           time.monotonic() - self.t0 if self.t0 else 0.0, list(self.done))


def _rows_on(rows, backend, chunk, stop, on_progress, finish_interrupted) -> Iterator[RowOutcome]:
    states = [_RowState(i, row) for i, row in enumerate(rows)]
    futures = {}
    for st in states:
        for k in range(st.row.trials):
            task = TrialTask(st.row.preset, st.row.seed, k, st.row.max_sequences, chunk, st.index)
            futures[backend.submit(task)] = task
    check_code = getattr(backend, "name", "") == "dask"
    ours = code_fingerprint() if check_code else None
    stop_sent = False
    open_rows = {st.index for st in states}
    while open_rows:
        if stop.abort:
            raise KeyboardInterrupt
        if stop and not stop_sent:
            backend.request_stop()
            stop_sent = True
        changed = set()
        for msg in backend.reports():
            st = states[int(msg["row"])]
            if st.index in open_rows:
                st.update(msg)
                changed.add(st.index)
        finished = [f for f in futures if f.done()]
        for f in finished:
            task = futures.pop(f)
            st = states[task.row]
            if f.cancelled():
                payload = None
            else:
                try:
                    payload = f.result()
                except Exception as exc:
                    raise SweepError(f"trial {task.trial} of {task.preset.name} failed: "
                                     f"{type(exc).__name__}: {exc}") from exc
            if payload is not None and not payload.get("started", True):
                payload = None
            if payload is not None:
                if ours is not None and payload.get("code") != ours:
                    raise SweepError(f"a Dask worker ran different lstm_core/lab code for {task.preset.name}")
                x = payload["summary"]
                st.update({"trial": task.trial, "seen": x["sequences_presented"][0], "done": True,
                           "solved": x["successes"] > 0, "diverged": bool(x["diverged"])})
            st.payloads[task.trial] = payload
            changed.add(st.index)
        if on_progress is not None:
            for i in sorted(changed & open_rows):
                on_progress(states[i].progress())
        for st in states:
            if st.index in open_rows and len(st.payloads) == st.row.trials:
                open_rows.discard(st.index)
                yield _finish_row(st, finish_interrupted)
        if open_rows and not finished:
            time.sleep(POLL)


def _finish_row(st: _RowState, finish_interrupted: bool) -> RowOutcome:
    seconds = time.monotonic() - st.t0 if st.t0 else 0.0
    got = st.payloads
    interrupted = any(p is None or p["interrupted"] for p in got.values())
    if interrupted and not finish_interrupted:
        return RowOutcome(st.index, st.row, None, None, True, seconds)
    payloads = [p if p is not None else untrained_payload(
        TrialTask(st.row.preset, st.row.seed, k, st.row.max_sequences, row=st.index)) for k, p in got.items()]
    summary = combine(payloads, seconds=seconds)
    return RowOutcome(st.index, st.row, summary, MergedRun(st.row.preset, payloads, summary), interrupted, seconds)
