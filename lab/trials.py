"""One trial of a paper row as a task that may run anywhere, and what it sends back.

A row is K independent trials. ``TrialRun(preset, seed=seed, trial_ids=[i])`` trains trial ``i`` alone
with exactly the generators trial ``i`` gets in the K-trial run (its generators are fixed by
``(seed, i)`` before it is scheduled), so the row may run as K separate :class:`TrialTask` objects on
worker processes or Dask workers (:mod:`lab.backends`); :mod:`lab.combine` puts their payloads back
together into what a serial K-trial run gives.
"""

from __future__ import annotations

import ast
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from lab.snapshot import continue_from, read_snapshot, snapshot_bytes
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import engine

STEP = 10                 # sequences trained between two looks at the stop flag
SNAPSHOT_EVERY = 300.0    # seconds of a trial's training between two snapshots sent back (sweeps that keep trials)


class SweepError(RuntimeError):
    """The sweep cannot go on (a worker runs different code, a trial raised, the cluster is gone)."""


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
    snapshot_every: float | None = None   # seconds between snapshots sent with the reports (None: none)
    resume: bytes | None = field(default=None, repr=False, compare=False)   # a snapshot to go on from

    def snapshot_meta(self) -> dict:
        """Who this trial is, as its snapshots say it (:mod:`lab.snapshot`); a snapshot resumes a task only
        if its meta matches, the engine's code included."""
        return {"preset": self.preset.name, "trial": self.trial, "seed": self.seed,
                "max_sequences": self.max_sequences, "engine": engine_fingerprint()}


PRESET_TEXT_MODULES = ("experiments/paper.py", "experiments/classroom.py")   # the preset registry: data a
# TrialStore key already holds as the preset itself (plus titles, notes and deviations, which change nothing)


def tree_hash(*pkgs: Path, skip: tuple[str, ...] = (), code_only: bool = False) -> str:
    """A short hash of every ``.py`` file under the package folders ``pkgs`` (paths and contents), leaving
    out the files whose path inside their package is in ``skip``. With ``code_only``, a file's contents are
    its code alone (:func:`code_of`: no comments, docstrings or layout), so editing words changes nothing."""
    h = hashlib.sha256()
    for pkg in pkgs:
        for f in sorted(pkg.rglob("*.py")):
            if f.relative_to(pkg).as_posix() in skip:
                continue
            h.update(str(f.relative_to(pkg.parent)).encode())
            h.update(code_of(f.read_bytes()) if code_only else f.read_bytes())
    return h.hexdigest()[:16]


def code_of(source: bytes) -> bytes:
    """The code of a Python file without its comments, docstrings and layout: the dump of its syntax tree
    with every docstring (a string expression first in a module, class or function body) taken out.

    A file that does not parse is hashed as it is (the run will fail at import anyway). The dump depends
    on the Python version, so a new Python gives new keys: kept trials are then trained again, never mixed.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the engine's and lab's source files: Dask workers must run the code the client runs."""
    import lstm_core

    return tree_hash(Path(lstm_core.__file__).parent, Path(__file__).parent)


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of the engine's code (``lstm_core``; not its comments or docstrings, nor its preset registry):
    the code a trial's numbers depend on, given its preset (which a :class:`~lab.trial_store.TrialStore` key
    holds itself). So a long row kept in pieces survives edits of the engine's words between its pieces."""
    import lstm_core

    return tree_hash(Path(lstm_core.__file__).parent, skip=PRESET_TEXT_MODULES, code_only=True)


def _report(task: TrialTask, run: TrialRun, final: bool = False) -> dict:
    r = run.results[0]
    return {"row": task.row, "trial": task.trial, "seen": int(run.seen), "solved": bool(r.solved),
            "diverged": bool(r.diverged), "done": bool(final or run.done()), "elapsed": float(run.elapsed)}


def run_trial(task: TrialTask, should_stop: Callable[[], bool] = lambda: False,
              report: Callable[[dict], None] | None = None) -> dict:
    """Train one trial to its end (or until ``should_stop()``); returns its payload (see :func:`trial_payload`).

    Rows of at least :data:`~lstm_core.nets.engine.FIXED_NET_FROM` sequences a trial run on kernels compiled
    for their net (:func:`~lstm_core.nets.engine.fixed_net_for`: bit for bit the same numbers, faster).

    ``report`` receives progress records (row, trial, seen, solved, diverged, done, elapsed) every
    ``task.chunk`` sequences. A task that finds the stop flag already set returns
    ``{"row": ..., "trial": ..., "started": False}`` without building a net.

    Snapshots (:mod:`lab.snapshot`): with ``task.snapshot_every``, a record with a ``snapshot`` (bytes) of
    the trial goes to ``report`` every that many seconds of training, and a stopped trial's payload carries
    one; ``task.resume`` (such bytes) makes the trial go on from it, to the numbers an uninterrupted run
    gives. To take one, the trial trains on to its next draw boundary (fewer than a chunk of sequences).
    """
    if should_stop():
        return {"row": task.row, "trial": task.trial, "started": False}
    with engine.fixed_nets(engine.fixed_net_for(task.max_sequences)):
        return _run_trial(task, should_stop, report)


def _run_trial(task: TrialTask, should_stop: Callable[[], bool], report: Callable[[dict], None] | None) -> dict:
    run = TrialRun(task.preset, seed=task.seed, trial_ids=[task.trial], max_sequences=task.max_sequences)
    if task.resume is not None:
        continue_from(run, read_snapshot(task.resume, task.snapshot_meta()))
    interrupted = False
    next_report = (run.seen // task.chunk + 1) * task.chunk
    last_snapshot = time.monotonic()
    if report is not None:
        report(_report(task, run))                 # started: the row's clock starts
    while not run.done():
        if should_stop():
            interrupted = True
            break
        # blocks end at multiples of STEP (and the run's own boundaries), wherever the trial started: the
        # sequence count a trial ends at is then the same for a trial gone on from a snapshot
        run.advance(min(STEP - run.seen % STEP, next_report - run.seen))
        if run.seen >= next_report and report is not None and not run.done():
            report(_report(task, run))
        while next_report <= run.seen:
            next_report += task.chunk
        if (task.snapshot_every is not None and report is not None and not run.done()
                and time.monotonic() - last_snapshot >= task.snapshot_every):
            run.to_draw_boundary()
            if not run.done():
                report({**_report(task, run), "snapshot": snapshot_bytes(run, task.snapshot_meta())})
            last_snapshot = time.monotonic()
    snapshot = None
    if interrupted and task.snapshot_every is not None:
        run.to_draw_boundary()                     # may end the trial (then it is not interrupted after all)
        if run.done():
            interrupted = False
        else:
            snapshot = snapshot_bytes(run, task.snapshot_meta())
    if report is not None:
        report(_report(task, run, final=True))
    payload = trial_payload(run, task, interrupted)
    if snapshot is not None:
        payload["snapshot"] = snapshot
    return payload


def trial_payload(run: TrialRun, task: TrialTask, interrupted: bool) -> dict:
    """What a finished (or stopped) single-trial run sends back: its outcome, weights, curves, checkpoints.

    ``result`` is the trial's ``TrialResult`` (after ``run.result()``: a trial still training counts as
    stopped where it stands); ``params`` each weight array with a leading trial axis of 1;
    ``curve_*`` (N,) the learning curve; ``checkpoints`` (sequences, params) pairs.
    """
    run.result()                                   # brings the stored outcome of a still-active trial up to date
    return {
        "row": task.row, "trial": task.trial, "started": True, "interrupted": bool(interrupted),
        "preset": task.preset.name, "seed": task.seed, "max_sequences": task.max_sequences,
        "result": run.results[0], "seen": int(run.seen),
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
