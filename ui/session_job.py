"""The per-browser-session training jobs of the Experiments page.

Each browser session holds at most one live job per slot ("lstm", and "rnn" for the
baseline), in a holder cached by ``st.cache_resource(scope="session", on_release=...)``:
when the session ends (tab closed, connection lost) Streamlit releases the holder and
its jobs are stopped. A job trains in a child process of the server (:func:`job_worker`), watched
by one thread. Every job is submitted to one server-wide
:class:`~lstm_core.jobs.JobManager` (a global ``st.cache_resource``) whose capacity is
the number of CPUs, so a class of 30 queues instead of starving the machine; a queued
job reports its place in the queue.

The worker threads never call ``st.*`` (DESIGN decision 5): the page reads
:meth:`Handle.poll` from a ``@st.fragment(run_every=...)``.

``LAB_SYNC_JOBS=1`` in the environment (tests, Streamlit's AppTest) makes the jobs
synchronous: nothing runs in the background, and each :meth:`Handle.poll` trains one
chunk in the caller's thread, so a test sees progress after every rerun.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass, field, replace

import streamlit as st

from lstm_core.jobs import Job, JobManager, JobSnapshot
from lstm_core.preset import Preset

SLOTS = ("lstm", "rnn")
CHUNK = 100  # training sequences between two snapshots
_TOKEN_KEY = "_session_job_token"


def synchronous() -> bool:
    """True when jobs must run in the caller's thread (``LAB_SYNC_JOBS=1``)."""
    return os.environ.get("LAB_SYNC_JOBS", "") == "1"


def job_worker() -> str:
    """Where a job trains: ``LAB_JOB_WORKER=thread`` in a thread of the server, else (default) in a child process.

    A child process (:mod:`lstm_core.job_worker`) keeps the training off the interpreter lock that
    every session's page runs share, and runs at a lower CPU priority.
    """
    return "thread" if os.environ.get("LAB_JOB_WORKER", "").strip() == "thread" else "process"


def job_capacity() -> int:
    """How many jobs may train at once: ``LAB_MAX_JOBS`` if set to a whole number >= 1, else the CPU count."""
    raw = os.environ.get("LAB_MAX_JOBS", "").strip()
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 256:
        return int(raw)
    return os.cpu_count() or 1


@st.cache_resource(show_spinner=False)
def job_manager() -> JobManager:
    """The server-wide manager: at most :func:`job_capacity` jobs train at once, the rest queue."""
    return JobManager(capacity=job_capacity())


@dataclass
class Handle:
    """One live job of this session, with what it was started from."""

    job: Job
    label: str            # "LSTM" or "RNN baseline"
    preset: Preset
    seed: int
    trials: int
    sync: bool = False
    paused: bool = False  # synchronous mode: stopped by the user

    def poll(self, train: bool = True) -> JobSnapshot:
        """The job's latest snapshot (synchronous mode, ``train``: one more chunk first, unless stopped)."""
        if train and self.sync and not self.paused and not self.job.run.done():
            self.job.step(1)
        snap = self.job.snapshot()
        if self.sync and snap.status in ("new", "running", "stopped"):
            status = "done" if self.job.run.done() else ("stopped" if self.paused else "running")
            snap = replace(snap, status=status)
        return snap

    def stop(self) -> None:
        self.paused = True
        if not self.sync:
            job_manager().cancel(self.job)

    def resume(self) -> None:
        self.paused = False
        if not self.sync:
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


def _release(holder: SessionJobs) -> None:
    """on_release: the session has ended; its jobs stop after their current chunk."""
    holder.stop_all()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _session_jobs(token: str) -> SessionJobs:
    return SessionJobs()


def session_jobs() -> SessionJobs:
    """This session's holder (the token keeps sessions apart even where session ids repeat, as in AppTest)."""
    token = st.session_state.setdefault(_TOKEN_KEY, uuid.uuid4().hex)
    return _session_jobs(token)


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
              worker=job_worker())
    handle = Handle(job, label, preset, seed, trials, sync=sync)
    with holder.lock:
        holder.handles[slot] = handle
    if not sync:
        job_manager().submit(job)
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
    for h in list(session_jobs().handles.values()):
        if h.sync:
            if not h.paused and not h.job.run.done():
                return True
        elif h.job.status in ("running", "queued"):
            return True
    return False


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
