"""The backends that run a sweep's :class:`~lab.trials.TrialTask` objects: worker processes on this machine,
or a Dask cluster.

Both offer ``submit(task) -> future``, ``reports() -> [progress record]``, ``request_stop()``,
``describe() -> str`` and ``close(abort)`` (and are context managers); :func:`lab.sweep.run_rows` drives
them. Stopping is cooperative: the stop request reaches the workers as a ``multiprocessing`` event or a
Dask ``Event``; each running trial returns what it reached, and trials not yet started return at once.
"""

from __future__ import annotations

import collections
import os
import queue
import signal
import time
import uuid

from lab.stop import Stop
from lab.trials import SweepError, TrialTask, code_fingerprint, run_trial

DASK_STOP_EVERY = 0.5     # seconds between two asks of the Dask stop event (a round trip to the scheduler)


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
            ctx.set_forkserver_preload(["lab.backends"])     # the server imports numpy and the engine once
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
