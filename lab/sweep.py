"""A sweep's driver: a paper row's trials spread over a backend, progress as it comes, each row as it ends.

::

    rows = [Row(get_preset("exp4_adding_T100"), trials=10, seed=0, max_sequences=300_000)]
    with LocalPool(workers=2) as pool:                    # or DaskBackend("scheduler:8786"), or None: serially
        for outcome in run_rows(rows, pool):
            print(outcome.summary["success_rate"])

Each trial of a row is a :class:`~lab.trials.TrialTask` run by a backend (:mod:`lab.backends`: worker
processes or a Dask cluster); its payload comes back and :mod:`lab.combine` puts a row's payloads
together into the summary and the run a serial K-trial run gives. With no backend, :func:`run_rows`
trains each row in this process as one K-trial lockstep ``TrialRun`` (the serial reference). On a
:class:`~lab.stop.Stop` request the running trials return what they reached and nothing new starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from lab.combine import MergedRun, combine
from lab.stop import Stop
from lab.trial_store import TrialStore
from lab.trials import SNAPSHOT_EVERY, STEP, Row, SweepError, TrialTask, code_fingerprint, untrained_payload
from lstm_core.experiments.train import TrialRun

POLL = 0.05               # seconds between two looks of the driver at its tasks


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
             finish_interrupted: bool = True, stores: Sequence[TrialStore] | None = None,
             snapshot_every: float = SNAPSHOT_EVERY) -> Iterator[RowOutcome]:
    """Run ``rows``; yield each :class:`RowOutcome` as its row ends (rows may end out of order on a backend).

    ``backend`` None trains each row in this process as one K-trial lockstep ``TrialRun``. On ``stop`` the
    running trials stop and report what they reached, the rows not finished end ``interrupted`` (their summary
    only if ``finish_interrupted``; untrained trials count as not solved) and nothing new starts. A second
    stop request raises ``KeyboardInterrupt`` at once (the caller saves nothing more).

    ``stores`` (one :class:`~lab.trial_store.TrialStore` per row; needs a backend): each row's trials stored
    there are not trained again, and every trial that ends is stored the moment it arrives; a trial under
    way sends a snapshot every ``snapshot_every`` seconds and when ``stop`` stops it, the store keeps the
    newest, and a trial with a snapshot kept goes on from it (:mod:`lab.snapshot`: to the same numbers).
    The caller clears a store once its row's result is written.
    """
    stop = stop if stop is not None else Stop()
    if backend is None:
        if stores is not None:
            raise ValueError("run_rows: stores need a backend (trials are stored one by one as they end)")
        yield from _rows_here(rows, chunk, stop, on_progress)
    else:
        yield from _rows_on(rows, backend, chunk, stop, on_progress, finish_interrupted, stores, snapshot_every)


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
        self.resumed = 0                                  # trials taken from a TrialStore

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


def _take_stored(st: _RowState, store: TrialStore) -> None:
    """Put ``store``'s finished trials of row ``st`` in place, as if they had just arrived."""
    for k, payload in store.load().items():
        r = payload["result"]
        st.update({"trial": k, "seen": r.presented, "done": True, "solved": r.solved, "diverged": r.diverged})
        st.payloads[k] = {**payload, "row": st.index}
        st.resumed += 1


def _keep_snapshot(store: TrialStore, trial: int, data: bytes) -> None:
    try:
        store.save_snapshot(trial, data)
    except OSError as exc:                       # the trial goes on; only its resumption loses this snapshot
        store.notes.append(f"a snapshot of trial {trial} not kept: {exc.strerror or exc}")


def _rows_on(rows, backend, chunk, stop, on_progress, finish_interrupted, stores,
             snapshot_every) -> Iterator[RowOutcome]:
    states = [_RowState(i, row) for i, row in enumerate(rows)]
    futures = {}
    for st in states:
        snapshots = {}
        if stores is not None:
            _take_stored(st, stores[st.index])
            snapshots = stores[st.index].snapshots()
        for k in range(st.row.trials):
            if k in st.payloads:
                continue
            task = TrialTask(st.row.preset, st.row.seed, k, st.row.max_sequences, chunk, st.index,
                             snapshot_every=snapshot_every if stores is not None else None,
                             resume=snapshots[k].data if k in snapshots else None)
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
                if stores is not None and isinstance(msg.get("snapshot"), bytes):
                    _keep_snapshot(stores[st.index], int(msg["trial"]), msg["snapshot"])
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
                r = payload["result"]
                st.update({"trial": task.trial, "seen": r.presented, "done": True, "solved": r.solved,
                           "diverged": r.diverged})
            st.payloads[task.trial] = payload
            if payload is not None and stores is not None and isinstance(payload.get("snapshot"), bytes):
                _keep_snapshot(stores[st.index], task.trial, payload["snapshot"])   # stopped: where it stood
            if payload is not None and stores is not None:
                try:
                    stores[st.index].save(payload)
                except OSError as exc:           # the row goes on; only its resumption loses this trial
                    stores[st.index].notes.append(f"trial {task.trial} not stored: {exc.strerror or exc}")
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
    summary = combine(st.row.preset, payloads, seconds=seconds)
    if st.resumed:
        summary["trials_resumed"] = st.resumed        # trained by an earlier, interrupted run of this row
        # ``seconds`` is this run's wall time only; the trials' own times, kept ones included, say what it all took
        summary["trial_seconds"] = float(sum(p["seconds"] for p in payloads))
    return RowOutcome(st.index, st.row, summary, MergedRun(st.row.preset, payloads, summary), interrupted, seconds)
