"""``python -m lstm_core reproduce``: one row beside the paper's, or a resumable sweep over many rows.

One preset (``reproduce exp4_adding_T100``): its trials run on worker processes (default: every core;
``--workers 1`` trains them in this process in lockstep), or on a Dask cluster (``--scheduler HOST:PORT``);
progress on stderr, the comparison table on stdout, ``--json FILE`` and ``--out DIR`` as before.

A sweep (``--all``, several presets, or ``--results-dir``): every row's result is written to
``<results-dir>/<preset>.json`` (default ``runs/results``, the file the Reproduce page reads) the moment the
row ends. A row already stored there with the same trials, seed and cap is skipped, so the same command
resumes an interrupted sweep; a stored row with more trials or a higher cap (and no fewer of either) is
kept too, so a quick ``--trials 2`` sweep never overwrites a real one (``--force`` reruns both). Within a
row, every trial that ends is kept in ``<results-dir>/.trials/`` (:mod:`lab.trial_store`) until the row's file
is written: a rerun after an interruption trains only the trials that had not ended (a sweep's trials always
run on worker processes, one process for ``--workers 1``, so that they end one by one).

Every option is checked before any work (exit 2 with a one-line message). SIGINT, SIGTERM and SIGHUP stop
cleanly: running trials report what they reached, finished rows stay saved, files are written atomically
(temporary file + ``os.replace``); a second signal gives up at once.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from lab import files
from lab.backends import DaskBackend, LocalPool
from lab.report import annotate, print_table, wall_text
from lab.reproduce_plan import Plan, UsageError, plan_from_args
from lab.results import RESULTS_DIR, RunFileError, check_summary, load_result
from lab.runs import save_run
from lab.stop import Stop, stop_on_signals
from lab.sweep import RowOutcome, RowProgress, run_rows
from lab.trial_store import DIR, TrialStore, kept_rows
from lab.trials import Row, SweepError
from lstm_core.nets import engine

PRINT_EVERY = 2.0           # seconds between two progress lines of a sweep row


# ----------------------------------------------------------------------------- output

def _say(text: str, end: str = "\n", out=None) -> None:
    """Print, never failing on a closed terminal (SIGHUP) or a full pipe."""
    try:
        print(text, end=end, file=out or sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _single_line(p: RowProgress, t0: float) -> str:
    eta = f"{p.eta / 60:.1f} min to the cap" if p.eta else "-"
    return (f"{p.sequences:>10,} seq/trial | solved {p.solved}/{p.trials} | failed {p.failed} | "
            f"{p.rate:,.0f} seq/s | {time.time() - t0:,.0f} s | ETA {eta}")


def make_backend(plan: Plan, tasks: int, pool: bool = False):
    """None (train here, in lockstep), worker processes (``pool``: even for one worker), or a Dask cluster."""
    if plan.scheduler:
        return DaskBackend(plan.scheduler)
    workers = min(plan.workers, tasks)
    return LocalPool(workers) if workers > 1 or pool else None


def engine_warning(plan: Plan) -> str | None:
    """A warning when this machine's trials would run on the NumPy reference engine: numba cannot be imported
    here (a paper-scale row then takes 20-100x longer), or ``LAB_ENGINE=numpy`` asks for it. None on the
    compiled kernels, and for a Dask cluster, whose workers have engines of their own."""
    if plan.scheduler or engine.active() == "numba":
        return None
    if engine.requested() == "numpy":
        return "note: LAB_ENGINE=numpy: the trials run on the NumPy reference engine, 20-100x slower than the kernels"
    return ("warning: numba is not installed here, so the trials run on the NumPy reference engine, 20-100x "
            "slower than the compiled kernels (the same numbers): pip install -r requirements.txt")


def _describe(backend) -> str:
    return backend.describe() if backend is not None else "this process (lockstep)"


# ----------------------------------------------------------------------------- one row

def _single(plan: Plan, stop: Stop) -> int:
    row = plan.rows[0]
    t0 = time.time()
    tty = sys.stderr.isatty()

    last = [0.0]

    def show(p: RowProgress) -> None:
        if not any(p.seen):                       # only "started" so far: the first line means a trial trained
            return
        now = time.monotonic()
        if not tty and last[0] and now - last[0] < 1.0 and p.finished < p.trials:
            return                                # a log file gets at most a line a second
        last[0] = now
        line = _single_line(p, t0)
        _say(f"\r{line}   " if tty else line, end="" if tty else "\n")

    try:
        backend = make_backend(plan, row.trials)
    except Exception as exc:                      # Dask: scheduler unreachable
        _say(f"error: {plan.scheduler}: {type(exc).__name__}: {exc}")
        return 1
    try:
        if isinstance(backend, DaskBackend):
            backend.check_workers(stop)
        _say(f"{row.preset.name}: {row.trials} trials, seed {row.seed}, cap {row.max_sequences:,} "
             f"on {_describe(backend)}")
        outcome = list(run_rows([row], backend, chunk=plan.chunk, stop=stop, on_progress=show))[-1]
    except KeyboardInterrupt:
        _say("\ngave up: nothing written")
        _close(backend, abort=True)
        return 130
    except SweepError as exc:
        _say(f"\nerror: {exc}")
        _close(backend, abort=True)
        return 130 if stop else 1
    _close(backend)
    if tty:
        _say("")
    if outcome.interrupted:
        _say("interrupted: reporting what was reached (unfinished trials count as not solved)")
    summary = annotate(outcome.summary, row, outcome.interrupted, plan.command)
    try:
        print_table(summary, row.preset.paper)
    except (OSError, ValueError):
        pass
    rc = 130 if outcome.interrupted else 0
    if plan.json is not None:
        try:
            files.write_json(plan.json, summary)
        except OSError as exc:
            _say(f"error: could not write --json {str(plan.json)!r}: {exc.strerror or exc}")
            rc = rc or 1
    if plan.out is not None:
        rc = _save_run(outcome, plan.out) or rc
    return rc


def _save_run(outcome: RowOutcome, where: Path) -> int:
    try:
        path = save_run(outcome.run, where)
    except (OSError, ValueError) as exc:
        _say(f"error: could not save the run to {str(where)!r}: {getattr(exc, 'strerror', None) or exc}")
        return 1
    _say(f"run saved to {path}")
    return 0


def _close(backend, abort: bool = False) -> None:
    if backend is not None:
        with contextlib.suppress(Exception):
            backend.close(abort=abort)


# ----------------------------------------------------------------------------- a sweep

def stored_row(path: Path) -> dict | None:
    """The result stored at ``path`` if it is a valid (``lab.results.load_result``), finished row; else None."""
    if not path.is_file():
        return None
    try:
        r = load_result(path)
    except RunFileError:
        return None
    return r if r.get("preset") == path.stem and not r.get("interrupted") else None


def skip_reason(row: Row, stored: dict | None, force: bool) -> str:
    """Why ``row`` need not run ("" if it must): stored with the same settings, or with more."""
    if stored is None or force:
        return ""
    trials, seed, cap = stored.get("trials"), stored.get("seed"), stored.get("max_sequences_cap")
    if (trials, seed, cap) == (row.trials, row.seed, row.max_sequences):
        return "already stored with the same trials, seed and cap"
    if (isinstance(trials, int) and isinstance(cap, int) and trials >= row.trials and cap >= row.max_sequences
            and (trials, cap) != (row.trials, row.max_sequences)):
        return (f"kept: the stored result has {trials} trials and a cap of {cap:,}, more than asked"
                " (--force replaces it)")
    return ""


def _kept_trials(plan: Plan, todo: list[Row], label: dict[str, str]) -> list[TrialStore]:
    """Each row's :class:`TrialStore` (emptied with ``--force``), saying which rows resume from kept trials."""
    stores = [TrialStore.for_row(plan.results_dir, row) for row in todo]
    for row, store in zip(todo, stores):
        if plan.force:
            store.clear()
        kept = len(store.load())
        under_way = {k: snap.seen for k, snap in store.snapshots().items()}
        for note in store.notes:
            _say(f"{label[row.preset.name]}: {note}")
        store.notes.clear()
        if kept:
            _say(f"{label[row.preset.name]}: resuming: {kept} of {row.trials} trials finished in an earlier "
                 f"run are taken from {store.folder}")
        if under_way:
            where = ", ".join(f"trial {k} at {seen:,}" for k, seen in sorted(under_way.items()))
            _say(f"{label[row.preset.name]}: resuming: {len(under_way)} trial(s) under way go on from their "
                 f"snapshots ({where} sequences)")
    return stores


def _sweep(plan: Plan, stop: Stop) -> int:
    rows, n = plan.rows, len(plan.rows)
    todo: list[Row] = []
    skipped = 0
    for i, row in enumerate(rows):
        why = skip_reason(row, stored_row(plan.results_dir / f"{row.preset.name}.json"), plan.force)
        if why:
            skipped += 1
            _say(f"[{i + 1}/{n}] {row.preset.name}: skipped ({why})")
        else:
            todo.append(row)
    number = {row.preset.name: rows.index(row) + 1 for row in todo}
    total_trials = sum(r.trials for r in todo)
    if not todo:
        _say(f"overall: nothing to run, all {n} rows are stored in {plan.results_dir}")
        return 0
    stores = _kept_trials(plan, todo, {name: f"[{i}/{n}] {name}" for name, i in number.items()})
    try:
        backend = make_backend(plan, total_trials, pool=True)     # trials end (and are stored) one by one
    except Exception as exc:
        _say(f"error: {plan.scheduler}: {type(exc).__name__}: {exc}")
        return 1
    t0 = time.monotonic()
    state = {"rows": 0, "trials": 0, "failed_writes": 0}
    last_print: dict[int, float] = {}
    running: dict[int, RowProgress] = {}

    def overall() -> str:
        busy = sum(p.finished for i, p in running.items())
        return (f"overall: {state['rows'] + skipped}/{n} rows ({skipped} skipped), "
                f"{state['trials'] + busy}/{total_trials} trials, {wall_text(time.monotonic() - t0)}")

    def show(p: RowProgress) -> None:
        running[p.index] = p
        now = time.monotonic()
        if p.index in last_print and now - last_print[p.index] < PRINT_EVERY:
            return
        last_print[p.index] = now
        eta = f"ETA {wall_text(p.eta)}" if p.eta else "ETA -"
        _say(f"[{number[p.row.preset.name]}/{n}] {p.row.preset.name}: {p.finished}/{p.trials} trials done, "
             f"solved {p.solved}, failed {p.failed} | {p.sequences:,} seq/trial | {p.rate:,.0f} seq/s | {eta} | "
             f"{overall()}")

    def finish(o: RowOutcome) -> None:
        name = o.row.preset.name
        running.pop(o.index, None)
        if o.interrupted or o.summary is None:
            _say(f"[{number[name]}/{n}] {name}: interrupted, not saved")
            return
        summary = annotate(o.summary, o.row, False, plan.command_for(name), plan.command)
        target = plan.results_dir / f"{name}.json"
        why = check_summary(summary)
        if why:                                   # written all the same: the numbers are what they are
            _say(f"[{number[name]}/{n}] {name}: warning: the Reproduce page will not show this row ({why})")
        try:
            files.write_json(target, summary)
        except OSError as exc:
            state["failed_writes"] += 1
            _say(f"[{number[name]}/{n}] {name}: error: could not write {target}: {exc.strerror or exc}")
            return
        stores[o.index].retire()                  # its weights stay for probes, in .trials-done
        state["rows"] += 1
        state["trials"] += o.row.trials
        mean = summary["mean_sequences"]
        _say(f"[{number[name]}/{n}] {name}: saved {target} ({summary['successes']}/{summary['trials']} solved"
             f"{f', mean {mean:,.0f} sequences' if mean is not None else ''}, {wall_text(o.seconds)}) | {overall()}")
        try:
            print_table(summary, o.row.preset.paper)
        except (OSError, ValueError):
            pass
        if plan.out is not None:
            state["failed_writes"] += _save_run(o, plan.out / name)

    try:
        if isinstance(backend, DaskBackend):
            backend.check_workers(stop)
        _say(f"sweep: {len(todo)} of {n} rows to run ({total_trials} trials) on {_describe(backend)}; "
             f"results in {plan.results_dir}")
        for o in run_rows(todo, backend, chunk=plan.chunk, stop=stop, on_progress=show, finish_interrupted=False,
                          stores=stores):
            finish(o)
    except KeyboardInterrupt:
        _close(backend, abort=True)
        _say(f"\ngave up: {state['rows']} rows saved this time, unfinished rows not saved | {overall()}")
        return 130
    except SweepError as exc:
        _close(backend, abort=True)
        _say(f"\nerror: {exc} | {overall()}")
        return 130 if stop else 1
    _close(backend)
    for row, store in zip(todo, stores):
        for note in store.notes:
            _say(f"[{number[row.preset.name]}/{n}] {row.preset.name}: warning: {note}")
    if stop:
        _say(f"interrupted: {state['rows']} rows saved this time, the finished trials of the others and "
             f"snapshots of those under way in {plan.results_dir / DIR}; run the same command again to resume "
             f"| {overall()}")
        return 130
    _say(f"done: {overall()}")
    return 1 if state["failed_writes"] else 0


# ----------------------------------------------------------------------------- entry point

def under_way(args) -> int:
    """``reproduce --under-way``: the rows kept in pieces under ``--results-dir`` (stdout), 2 on a bad option."""
    others = [name for name, given in (("PRESET", args.presets), ("--all", args.all), ("--force", args.force),
                                       ("--json", args.json), ("--out", args.out),
                                       ("--scheduler", args.scheduler)) if given]
    if others:
        _say(f"error: --under-way only lists what is kept; it takes no {', '.join(others)}")
        return 2
    shown = args.results_dir if args.results_dir is not None else "runs/results"
    root = Path(args.results_dir) if args.results_dir is not None else RESULTS_DIR
    if root.exists() and not root.is_dir():
        _say(f"error: --results-dir {shown} is not a folder")
        return 2
    kept = kept_rows(root)
    if not kept:
        _say(f"No row is under way in {shown}/.trials.", out=sys.stdout)
    else:
        _say(f"Rows under way in {shown}/.trials (kept trials of rows not finished yet):", out=sys.stdout)
    for k in kept:
        took = f"; {wall_text(k.seconds)} of one core's time" if k.seconds >= 1 else ""
        if k.seconds_left >= 1:
            took += f" (the other {k.trials - len(k.done)}: about {wall_text(k.seconds_left)} more)"
        goes_on = "this checkout goes on from them" if k.resumable else \
            "kept by other engine code: this checkout would start the row again"
        bad = f"; {k.unreadable} file(s) not readable" if k.unreadable else ""
        running = f"; under way (snapshots): {k.running_text()}" if k.running else ""
        _say(f"  {k.preset}: {len(k.done)} of {k.trials} trials kept, {k.solved} solved, each to {k.cap:,} "
             f"sequences{took}{running}{bad}; {goes_on}", out=sys.stdout)
        if k.resumable:
            _say(f"    {k.command(shown)}", out=sys.stdout)
    done = kept_rows(root, finished=True)
    if done:
        _say(f"Finished rows whose trials are kept in {shown}/.trials-done (their weights, for probes such as "
             f"python -m scripts.probe_2c PRESET --kept --results-dir {shown}):", out=sys.stdout)
        for k in done:
            _say(f"  {k.preset}: {len(k.done)} of {k.trials} trials, {k.solved} solved, each to {k.cap:,} sequences",
                 out=sys.stdout)
    return 0


def main(args) -> int:
    stop = Stop()
    with stop_on_signals(stop):
        try:
            plan = plan_from_args(args)
        except UsageError as exc:
            _say(f"error: {exc}")
            return 2
        if stop:
            _say("stopped before any work")
            return 130
        warning = engine_warning(plan)
        if warning:
            _say(warning)
        return _sweep(plan, stop) if plan.sweep else _single(plan, stop)
