"""The per-browser-session training jobs of the Experiments page.

Each browser session holds at most one live job per slot ("lstm", and "rnn" for the
baseline), in a holder kept in a server-wide :class:`Registry` under the session's token
(a random id in ``st.session_state``). A dropped connection does not end the run: Streamlit
keeps the session (and its token) for the reconnect, and the registry releases a holder, and
stops its jobs, only after ``LAB_SESSION_TTL_S`` seconds (default 300) in which no script run
of that session looked at it. (``st.cache_resource(scope="session")`` would be released on
every websocket disconnect, taking the student's run with it.)

A job trains in a child process of the server (:mod:`lab.job_worker`), watched by one thread;
the child builds the run itself, so the server holds only what it shows. Every job is
submitted to one server-wide :class:`~lab.job_queue.JobManager` (a global
``st.cache_resource``) whose capacity is the number of CPUs, so a class of 30 queues instead
of starving the machine; a queued job reports its place in the queue. The queue has a cap
(``LAB_MAX_QUEUE``, default 60) and a session at most one job per slot; each start may train
for ``LAB_JOB_BUDGET_S`` seconds (default 1800) before the server stops it (Resume goes on).

The worker threads never call ``st.*`` (DESIGN decision 5): the page reads
:meth:`Handle.poll` from a ``@st.fragment(run_every=...)``.

``LAB_SYNC_JOBS=1`` in the environment (tests, Streamlit's AppTest) makes the jobs the
synchronous test double: nothing runs in the background, and each :meth:`Handle.poll` of a
running job trains one chunk in the caller's thread, so a test sees progress after every rerun.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field

import streamlit as st

from lab.job_queue import JobManager
from lab.jobs import Job, JobSnapshot
from lstm_core.experiments.preset import Preset

SLOTS = ("lstm", "rnn")
CHUNK = 100  # training sequences between two snapshots
_TOKEN_KEY = "_session_job_token"


def synchronous() -> bool:
    """True when jobs must run in the caller's thread (``LAB_SYNC_JOBS=1``)."""
    return os.environ.get("LAB_SYNC_JOBS", "") == "1"


def _env_int(name: str, default: int, lo: int, hi: int) -> int:
    raw = os.environ.get(name, "").strip()
    if raw.isascii() and raw.isdigit() and lo <= int(raw) <= hi:
        return int(raw)
    return default


def job_capacity() -> int:
    """How many jobs may train at once: ``LAB_MAX_JOBS`` if set to a whole number >= 1, else the CPU count."""
    return _env_int("LAB_MAX_JOBS", os.cpu_count() or 1, 1, 256)


def max_queue() -> int:
    """How many jobs may wait for a worker (``LAB_MAX_QUEUE``, default 60); beyond it a start is refused."""
    return _env_int("LAB_MAX_QUEUE", 60, 0, 10_000)


def job_budget() -> float:
    """Seconds one start (or resume) of a job may train before the server stops it (``LAB_JOB_BUDGET_S``)."""
    return float(_env_int("LAB_JOB_BUDGET_S", 1800, 1, 7 * 24 * 3600))


def session_ttl() -> float:
    """Seconds without a look from its session after which a session's jobs are stopped and forgotten."""
    return float(_env_int("LAB_SESSION_TTL_S", 300, 1, 24 * 3600))


@st.cache_resource(show_spinner=False)
def job_manager() -> JobManager:
    """The server-wide manager: at most :func:`job_capacity` jobs train at once, the rest queue (up to
    :func:`max_queue`); a session has at most one job per slot running or queued."""
    return JobManager(capacity=job_capacity(), max_queue=max_queue(), per_client=len(SLOTS))


@dataclass
class Handle:
    """One live job of this session, with what it was started from (its status lives in the job)."""

    job: Job
    label: str            # "LSTM" (or "RNN" for a plain-RNN preset) or "RNN baseline"
    preset: Preset
    seed: int
    trials: int

    def poll(self, train: bool = True) -> JobSnapshot:
        """The job's snapshot (the synchronous double, ``train``: one more chunk first if it is running)."""
        if train and self.job.synchronous:
            self.job.step(1)
        return self.job.snapshot()

    def stop(self) -> None:
        self.job.stop()           # a queued job leaves the queue; a running one's child stops within a second

    def resume(self) -> None:
        self.job.resume()


@dataclass
class SessionJobs:
    """The jobs of one browser session, by slot."""

    handles: dict[str, Handle] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stop_all(self) -> None:
        with self.lock:
            handles = list(self.handles.values())
        for h in handles:
            h.stop()


class Registry:
    """Every session's :class:`SessionJobs`, by token, server-wide; thread-safe.

    :meth:`holder` is each script run's look (it refreshes the session's clock). A holder
    unlooked-at for ``ttl`` seconds is released (its jobs stopped) by :meth:`sweep`, which a
    daemon thread runs every ``ttl / 4`` seconds (at most every 30 s) and every look runs too.
    """

    def __init__(self, ttl: float = 300.0, clock=time.monotonic):
        self.ttl = float(ttl)
        self._clock = clock
        self._lock = threading.Lock()
        self._holders: dict[str, SessionJobs] = {}
        self._seen: dict[str, float] = {}
        self._reaper: threading.Thread | None = None
        self._closed = threading.Event()

    def holder(self, token: str) -> SessionJobs:
        now = self._clock()
        with self._lock:
            h = self._holders.get(token)
            if h is None:
                h = self._holders[token] = SessionJobs()
            self._seen[token] = now
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap, name="lstm-session-reaper", daemon=True)
                self._reaper.start()
        self.sweep(now)
        return h

    def sweep(self, now: float | None = None) -> list[str]:
        """Release every holder not looked at for ``ttl`` seconds; returns their tokens."""
        now = self._clock() if now is None else now
        with self._lock:
            gone = [t for t, seen in self._seen.items() if now - seen > self.ttl]
            released = [self._holders.pop(t) for t in gone]
            for t in gone:
                del self._seen[t]
        for h in released:
            h.stop_all()                          # the session has ended: its jobs stop
        return gone

    def __len__(self) -> int:
        with self._lock:
            return len(self._holders)

    def close(self) -> None:
        self._closed.set()

    def _reap(self) -> None:
        while not self._closed.wait(min(30.0, max(0.05, self.ttl / 4))):
            try:
                self.sweep()
            except Exception:                     # never let the reaper die
                logging.getLogger(__name__).exception("session reaper")


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    """The server-wide registry of the sessions' jobs (see :class:`Registry`)."""
    return Registry(session_ttl())


def session_token() -> str:
    """This session's token (the key of its jobs; it keeps sessions apart even where session ids repeat)."""
    return st.session_state.setdefault(_TOKEN_KEY, uuid.uuid4().hex)


def session_jobs() -> SessionJobs:
    """This session's holder (and a look that keeps its jobs alive)."""
    return registry().holder(session_token())


def get(slot: str) -> Handle | None:
    """The job in ``slot`` of this session, or None."""
    return session_jobs().handles.get(slot)


def start(slot: str, preset: Preset, *, label: str, seed: int, trials: int,
          max_sequences: int | None = None) -> Handle:
    """Start a fresh job in ``slot`` (stopping the one there); it runs now or waits in the queue."""
    if slot not in SLOTS:
        raise ValueError(f"unknown slot {slot!r}; choose from {SLOTS}")
    holder = session_jobs()
    old = holder.handles.get(slot)
    if old is not None:
        old.stop()
    sync = synchronous()
    job = Job(preset, trials=trials, seed=seed, max_sequences=max_sequences, chunk=CHUNK, synchronous=sync,
              budget_s=None if sync else job_budget())
    handle = Handle(job, label, preset, seed, trials)
    with holder.lock:
        holder.handles[slot] = handle
    if sync:
        job.start()
    else:
        job_manager().submit(job, client=session_token())
    return handle


def discard(slot: str) -> None:
    """Stop and forget the job in ``slot``."""
    holder = session_jobs()
    with holder.lock:
        handle = holder.handles.pop(slot, None)
    if handle is not None:
        handle.stop()


def active() -> bool:
    """True if a job of this session is running or queued (the live panel then refreshes itself)."""
    return any(h.job.status in ("running", "queued") for h in list(session_jobs().handles.values()))


def describe(snap: JobSnapshot) -> str:
    """One line on where a job stands, e.g. "Waiting for a free worker: position 2 in the queue"."""
    p = snap.progress
    if snap.status == "queued":
        return f"Waiting for a free worker: position {snap.queue_position} in the queue."
    if snap.status == "failed":
        return f"Training failed: {snap.error}"
    solved = f"{p.solved} of {p.trials} trials solved"
    if snap.status == "running":
        return f"Training… {p.sequences:,} sequences per trial, {solved}."
    if snap.status == "stopped":
        return f"Stopped after {p.sequences:,} sequences per trial; {solved}. Resume to go on."
    if snap.status == "done":
        why = "every trial has finished" if p.active == 0 else f"the cap of {p.max_sequences:,} sequences was reached"
        return f"Done: {why} after {p.sequences:,} sequences per trial; {solved}."
    return "Not started."
