"""The server's job queue: a cap on jobs training at once, a FIFO queue beyond it, limits per client.

::

    manager = JobManager(capacity=2, max_queue=60, per_client=2)   # one per server
    manager.submit(job, client=token)      # starts now, or queued with its position, or refused (says why)
    manager.cancel(job)                    # = job.stop(): a queued job leaves the queue
    manager.shutdown(5)

A small lock-protected list and deque rather than ``concurrent.futures``: a pool's queue has no
positions to show, cannot withdraw one client's job, and cannot stop a running task (a pool
whose worker is killed is broken); here each job owns its child and stops it itself
(:mod:`lab.jobs`), and the manager only decides who may start.
"""

from __future__ import annotations

import os
import threading
from collections import deque

from lab.jobs import Job, JobSnapshot

__all__ = ["JobManager"]


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
            job.manager = self
            if client:
                job.client = client
            if job in self._running or job in self._queue:
                return job.snapshot()
            mine = [j for j in (*self._running, *self._queue) if job.client and j.client == job.client
                    and not j.stop_asked]
            if self.per_client is not None and len(mine) >= self.per_client:
                job.refused(f"Not started: this browser session already has {len(mine)} run(s) training or "
                            f"waiting (at most {self.per_client}). Stop one first.")
            elif (self.max_queue is not None and len(self._running) >= self.capacity
                  and len(self._queue) >= self.max_queue):
                job.refused(f"Not started: the server is full ({len(self._running)} training, {len(self._queue)} "
                            f"waiting). Try Resume in a minute.")
            elif len(self._running) < self.capacity:
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
            job.queued(None)
        for job in running:
            job.stop()
        for job in running:
            job.join(timeout)

    def dequeue(self, job: Job) -> None:
        """Take ``job`` out of the queue ("stopped"); nothing if it is not queued."""
        with self._lock:
            if job not in self._queue:
                return
            self._queue.remove(job)
            self._renumber()
        job.queued(None)

    def release(self, job: Job) -> None:
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
            j.queued(pos)
