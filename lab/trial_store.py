"""A sweep row's finished trials, kept on disk until the row is saved: an interrupted row resumes without them.

A paper row is K independent trials (:mod:`lab.trials`), and some rows take hours (Exp 2a's RNN rows at
p = 100: 18 trials of 5,000,000 sequences). ``reproduce`` in sweep mode saves each trial's payload the
moment it ends, and a rerun of the same command trains only the trials not stored yet::

    store = TrialStore.for_row(Path("runs/results"), row)
    done = store.load()                 # {trial: payload} of the finished trials stored for this row
    store.save(payload)                 # a trial that ended (solved, failed or at its cap; not stopped)
    store.save_snapshot(k, data)        # a trial under way: its newest snapshot (lab.snapshot), bytes
    store.snapshots()                   # {trial: bytes} of the trials under way, not finished: to go on from
    store.retire()                      # once the row's result file is written: moved to .trials-done
    kept_rows(Path("runs/results"))     # what the pages show of rows under way: trials done, solved, resumable?
    kept_rows(Path("runs/results"), finished=True)   # the trials of rows that ended (their weights, for probes)

Where: ``<results-dir>/.trials/<preset>-<key>/trial-<k>.npz``, and ``trial-<k>.snapshot.npz`` for a trial
under way (replaced by each newer snapshot, removed when the trial ends); once the row's result file is
written, the folder moves to ``<results-dir>/.trials-done/`` (ignored by git: a finished row's weights stay
for a probe, e.g. ``python -m scripts.probe_2c exp2c_q1000_p500 --kept``; Exp 2b's are committed, for
``python -m scripts.probe_2b kept``). The key hashes what a trial's numbers depend
on — the preset's setup (not its title, description or notes), the seed, the cap and the engine's code (not
its comments or docstrings: :func:`lab.trials.engine_fingerprint`) — and not the trial count: trial k of a
``--trials 2`` sweep is trial k of the full row. A change of the engine's code gives a new key, so trials
trained by other code are never mixed into a row; a change of a preset's words, or of the engine's
comments and docstrings, does not.

A file is one compressed ``.npz`` (no pickles): ``meta`` (JSON text: trial, seed, cap, key, seen, the result, message,
seconds, the checkpoints' sequence counts), ``params.<name>`` (1, ...) weights, the learning curve and
``ckpt<i>.<name>`` checkpoint weights. Written atomically; a file that cannot be read or does not belong to
the row is skipped with a note (that trial is trained again), never trusted.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from lab.files import atomic_write
from lab.serialize import preset_to_dict
from lab.snapshot import continue_from, read_snapshot
from lab.trials import Row, TrialTask, engine_fingerprint
from lstm_core.experiments import PRESETS
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.results import TrialResult
from lstm_core.experiments.train import TrialRun

DIR = ".trials"
SNAPSHOT_SUFFIX = ".snapshot.npz"  # trial-<k>.snapshot.npz: a trial under way (lab.snapshot)
DONE_DIR = ".trials-done"      # the trials of rows whose result file is written
FORMAT = "lstm1997-trial"


TEXT_FIELDS = ("title", "description", "section", "paper", "deviations")   # words about a preset, not its setup


def row_key(row: Row) -> str:
    """The hash of what row ``row``'s trial numbers depend on: the preset's setup (not its words), the seed, the
    cap and the engine's code (not its preset registry: :func:`lab.trials.engine_fingerprint`)."""
    setup = {k: v for k, v in preset_to_dict(row.preset).items() if k not in TEXT_FIELDS}
    text = json.dumps({"preset": setup, "seed": row.seed, "cap": row.max_sequences,
                       "engine": engine_fingerprint()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _result_from(d: object) -> TrialResult:
    """A :class:`TrialResult` from its stored dict; ValueError when a field is missing or of the wrong type."""
    if not isinstance(d, dict) or set(d) != {f.name for f in fields(TrialResult)}:
        raise ValueError("result: not a trial result")
    for name in ("solved", "diverged"):
        if not isinstance(d[name], bool):
            raise ValueError(f"result.{name}: not true/false")
    for name in ("sequences", "presented"):
        if not isinstance(d[name], int) or d[name] < 0:
            raise ValueError(f"result.{name}: not a count")
    for name in ("st1_at", "grown_at"):
        if d[name] is not None and (not isinstance(d[name], int) or d[name] < 0):
            raise ValueError(f"result.{name}: not a count")
    if not isinstance(d["test"], dict):
        raise ValueError("result.test: not a dict")
    return TrialResult(**d)


@dataclass(frozen=True)
class Snapshot:
    """A kept snapshot of a trial under way: its bytes (what the trial's task goes on from) and where it stood."""

    data: bytes
    seen: int


class TrialStore:
    """The finished trials of one row (see the module docstring)."""

    def __init__(self, folder: Path, row: Row, key: str):
        self.folder, self.row, self.key = folder, row, key
        self.notes: list[str] = []          # why a stored file was not used (for the progress output)
        self._read_once: dict[int, dict] | None = None   # load()'s answer: the files are read once
        self._snaps_once: dict[int, Snapshot] | None = None   # snapshots()'s answer, the same way

    @classmethod
    def for_row(cls, results_dir: Path, row: Row) -> TrialStore:
        key = row_key(row)
        return cls(Path(results_dir) / DIR / f"{row.preset.name}-{key}", row, key)

    def path(self, trial: int) -> Path:
        return self.folder / f"trial-{trial}.npz"

    def snapshot_path(self, trial: int) -> Path:
        return self.folder / f"trial-{trial}{SNAPSHOT_SUFFIX}"

    def _snapshot_meta(self, trial: int) -> dict:
        """What a snapshot of this row's trial ``trial`` must say it is: what its task sends."""
        return TrialTask(self.row.preset, self.row.seed, trial, self.row.max_sequences).snapshot_meta()

    def save_snapshot(self, trial: int, data: bytes) -> Path | None:
        """Keep ``data``, the newest snapshot of trial ``trial`` under way, if it is one of this row's (else a
        note, nothing written) and the trial is not stored as finished. Written atomically."""
        try:
            read_snapshot(data, self._snapshot_meta(trial))
        except ValueError as exc:
            self.notes.append(f"a snapshot of trial {trial} was not kept: {exc}")
            return None
        if self.path(trial).is_file():
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        self._snaps_once = None                         # snapshots() reads again
        return atomic_write(self.snapshot_path(trial), lambda f: f.write(data))

    def snapshots(self) -> dict[int, Snapshot]:
        """``{trial: Snapshot}`` of the row's trials under way that have a snapshot of this row (and this engine)
        that fits the row's net, and are not stored as finished; notes what it skips (that trial starts again).
        Read at the first call, like :meth:`load` (the sweep asks twice: to say where trials stand, to resume)."""
        if self._snaps_once is not None:
            return dict(self._snaps_once)
        done = self.load()
        out: dict[int, Snapshot] = {}
        for k in range(self.row.trials):
            path = self.snapshot_path(k)
            if k in done or not path.is_file():
                continue
            try:
                data = path.read_bytes()
                snap = read_snapshot(data, self._snapshot_meta(k))
                seen = snap["meta"]["seen"]
                continue_from(TrialRun(self.row.preset, seed=self.row.seed, trial_ids=[k],   # fits the net?
                                       max_sequences=self.row.max_sequences), snap)
            except (OSError, ValueError) as exc:
                self.notes.append(f"{path.name}: not used, the trial starts again ({exc})")
                continue
            if not 0 < seen < self.row.max_sequences:
                self.notes.append(f"{path.name}: not used, the trial starts again (seen {seen})")
                continue
            out[k] = Snapshot(data, seen)
        self._snaps_once = out
        return dict(out)

    def save(self, payload: dict) -> Path | None:
        """Store a finished trial's payload (:func:`lab.trials.trial_payload`); a stopped one is not stored."""
        if not payload.get("started", True) or payload["interrupted"]:
            return None
        k = int(payload["trial"])
        arrays = {f"params.{n}": np.asarray(v, dtype=float) for n, v in payload["params"].items()}
        for name in ("curve_seq", "curve_err", "curve_ok"):
            arrays[name] = np.asarray(payload[name])
        for i, (_, p) in enumerate(payload["checkpoints"]):
            arrays.update({f"ckpt{i}.{n}": np.asarray(v, dtype=float) for n, v in p.items()})
        meta = {"format": FORMAT, "key": self.key, "preset": self.row.preset.name, "trial": k,
                "seed": int(payload["seed"]), "max_sequences": int(payload["max_sequences"]),
                "seen": int(payload["seen"]), "result": asdict(payload["result"]),
                "message": str(payload["message"]), "seconds": float(payload["seconds"]),
                "checkpoints": [int(s) for s, _ in payload["checkpoints"]]}
        arrays["meta"] = np.array(json.dumps(meta, default=float))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._read_once = self._snaps_once = None       # load() and snapshots() read again
        path = atomic_write(self.path(k), lambda f: np.savez_compressed(f, **arrays))   # the curves compress
        self.snapshot_path(k).unlink(missing_ok=True)  # the trial ended: its snapshot is of no more use
        return path

    def load(self) -> dict[int, dict]:
        """``{trial: payload}`` of this row's stored trials (trials 0..K−1 of the row only); notes what it skips.

        The files are read at the first call; later calls return what it found (the sweep asks twice:
        to say which rows resume, and to take their trials).
        """
        if self._read_once is not None:
            return dict(self._read_once)
        out: dict[int, dict] = {}
        for k in range(self.row.trials):
            path = self.path(k)
            if not path.is_file():
                continue
            try:
                out[k] = self._read(path, k)
            except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
                self.notes.append(f"{path.name}: not used, the trial is trained again ({exc})")
        self._read_once = out
        return dict(out)

    def _read(self, path: Path, k: int) -> dict:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][()]))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError("not a stored trial")
            expect = {"key": self.key, "trial": k, "seed": self.row.seed, "max_sequences": self.row.max_sequences}
            for name, want in expect.items():
                if meta.get(name) != want:
                    raise ValueError(f"{name} {meta.get(name)!r}, this row has {want!r}")
            names = [n.split(".", 1)[1] for n in z.files if n.startswith("params.")]
            params = {n: np.array(z[f"params.{n}"]) for n in names}
            if not params or any(p.shape[0] != 1 or not np.isfinite(p).all() for p in params.values()):
                raise ValueError("weights missing or not finite")
            seqs = meta["checkpoints"]
            checkpoints = [(int(s), {n: np.array(z[f"ckpt{i}.{n}"]) for n in names}) for i, s in enumerate(seqs)]
            curves = {name: np.array(z[name]) for name in ("curve_seq", "curve_err", "curve_ok")}
        if not isinstance(meta["seen"], int) or not 0 <= meta["seen"] <= self.row.max_sequences:
            raise ValueError("seen: not a count within the cap")
        return {"row": 0, "trial": k, "started": True, "interrupted": False, "preset": self.row.preset.name,
                "seed": self.row.seed, "max_sequences": self.row.max_sequences,
                "result": _result_from(meta["result"]), "seen": meta["seen"], "params": params, **curves,
                "checkpoints": checkpoints, "message": str(meta["message"]), "seconds": float(meta["seconds"]),
                "code": None}                      # (trained by this engine: the key says so)

    def clear(self) -> None:
        """Remove this row's stored trials (``--force``: the row starts again), and ``.trials`` itself once empty."""
        self._read_once = self._snaps_once = None
        shutil.rmtree(self.folder, ignore_errors=True)
        self._drop_empty_parent()

    def retire(self) -> Path | None:
        """The row's result file is written: move its trials to ``<results-dir>/.trials-done/<folder>`` (an
        earlier copy of the same folder is replaced), and remove ``.trials`` once empty. Returns where they are
        now; None if nothing was stored or the move failed (then they are removed, as :meth:`clear` does: the
        result file is the row's record, and ``.trials`` holds rows under way only)."""
        self._read_once = self._snaps_once = None
        if not self.folder.is_dir():
            self._drop_empty_parent()
            return None
        done = self.folder.parent.parent / DONE_DIR / self.folder.name
        try:
            shutil.rmtree(done, ignore_errors=True)
            done.parent.mkdir(parents=True, exist_ok=True)
            self.folder.rename(done)
        except OSError:
            self.clear()
            return None
        self._drop_empty_parent()
        return done

    def _drop_empty_parent(self) -> None:
        try:
            self.folder.parent.rmdir()
        except OSError:
            pass


@dataclass(frozen=True)
class KeptRow:
    """A row under way: the trials of it kept in ``folder`` by runs that did not finish it (read-only summary)."""

    preset: str
    folder: Path
    trials: int                 # the preset's trial count (a full row)
    seed: int
    cap: int                    # max_sequences of the kept trials
    done: tuple[int, ...]       # the kept trials' indices
    solved: int                 # how many of them met the stopping rule
    seconds: float              # their own times added up (one core's time)
    resumable: bool             # this checkout's engine gives the folder's key: the row's command resumes it
    unreadable: int = 0         # files in the folder that could not be read
    running: tuple[tuple[int, int], ...] = ()   # (trial, sequences) of the trials kept as snapshots, under way

    def running_text(self) -> str:
        """The trials under way, as words: "trial 16 at 2,300,000 sequences" ("" if none)."""
        if not self.running:
            return ""
        trials = ", ".join(f"trial {k} at {seen:,}" for k, seen in self.running)
        return f"{trials} sequences"

    @property
    def seconds_left(self) -> float:
        """About how much of one core's time the trials not kept yet take: the kept trials' mean time each,
        times the trials left (0 when nothing is left or no time is known). Kept trials that solved stopped
        early, so with solved ones among them this is an underestimate for a row whose other trials fail."""
        left = self.trials - len(self.done)
        return self.seconds / len(self.done) * left if self.done and left > 0 else 0.0

    def command(self, results_dir: str = "runs/results") -> str:
        """The sweep command that made these trials and resumes the row (never with ``--force``)."""
        seed = f" --seed {self.seed}" if self.seed else ""
        return (f"python -m lstm_core reproduce {self.preset} --max-sequences {self.cap}{seed} "
                f"--results-dir {results_dir}")


def _meta(path: Path) -> dict:
    """A stored trial's ``meta`` only (the weights and curves are not read)."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"][()]))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("not a stored trial")
    for name in ("trial", "seed", "max_sequences"):
        if not isinstance(meta.get(name), int) or isinstance(meta.get(name), bool) or meta[name] < 0:
            raise ValueError(f"{name}: not a count")
    if not isinstance(meta.get("result"), dict) or not isinstance(meta["result"].get("solved"), bool):
        raise ValueError("result: not a trial result")
    return meta


def _snapshot_seen(path: Path, folder_key: str, preset: Preset) -> tuple[int, int, int, int] | None:
    """(trial, seen, seed, cap) of the snapshot at ``path`` (its meta only), if it is one of this folder's row;
    else None. A snapshot holds no key: its engine must be this checkout's, and its row's key the folder's."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][()]))
        k, seen, seed, cap = (meta[n] for n in ("trial", "seen", "seed", "max_sequences"))
    except Exception:                                     # damaged, not an .npz, no meta
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (k, seen, seed, cap)):
        return None
    if k >= preset.trials or path.name != f"trial-{k}{SNAPSHOT_SUFFIX}":
        return None
    if meta.get("engine") != engine_fingerprint() or row_key(Row(preset, preset.trials, seed, cap)) != folder_key:
        return None
    return k, seen, seed, cap


def kept_rows(results_dir: Path, preset: str | None = None, finished: bool = False) -> list[KeptRow]:
    """The rows under way in ``results_dir/.trials`` (sorted by preset name): one :class:`KeptRow` a folder;
    with ``preset``, only that preset's folders are read (the Experiments page asks at every rerun). With
    ``finished``, the rows that ended instead (``results_dir/.trials-done``: :meth:`TrialStore.retire`).

    A folder of a preset this lab no longer has, or with no readable trial of the row, is left out; files that
    cannot be read are counted. ``resumable`` says whether this checkout's engine would take the trials (the
    folder's key is the row's key now); when it is false, the row's command starts the row again. The files
    read agree on seed and cap: both are in the folder's key, which each file must carry. Trials under way,
    kept as snapshots by this engine, are listed in ``running`` (a folder with only those is listed too).
    """
    base = Path(results_dir) / (DONE_DIR if finished else DIR)
    out: list[KeptRow] = []
    try:
        folders = sorted(f for f in base.iterdir() if f.is_dir()) if base.is_dir() else []
    except OSError:                                       # unreadable: as if nothing were under way
        return out
    for folder in folders:
        name, _, key = folder.name.rpartition("-")
        row_preset = PRESETS.get(name) if preset in (None, name) else None
        if row_preset is None:
            continue
        metas, bad = [], 0
        try:
            found = sorted(folder.glob("trial-*.npz"))
        except OSError:
            continue
        paths = [p for p in found if not p.name.endswith(SNAPSHOT_SUFFIX)]
        snaps = [s for s in (_snapshot_seen(p, key, row_preset) for p in found if p.name.endswith(SNAPSHOT_SUFFIX))
                 if s is not None]
        for path in paths:
            try:
                meta = _meta(path)
            except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError):
                bad += 1
                continue
            k = meta["trial"]
            if meta.get("key") == key and k < row_preset.trials and path.name == f"trial-{k}.npz":
                metas.append(meta)
            else:
                bad += 1
        if not metas and not snaps:
            continue
        seed, cap = (metas[0]["seed"], metas[0]["max_sequences"]) if metas else snaps[0][2:]
        done_trials = {m["trial"] for m in metas}       # (a snapshot's seed and cap are the folder's: its key says so)
        running = tuple((k, seen) for k, seen, *_ in snaps if k not in done_trials)
        seconds = sum(float(m.get("seconds", 0.0)) for m in metas
                      if isinstance(m.get("seconds"), (int, float)) and not isinstance(m.get("seconds"), bool))
        out.append(KeptRow(preset=name, folder=folder, trials=row_preset.trials, seed=seed, cap=cap,
                           done=tuple(sorted(m["trial"] for m in metas)),
                           solved=sum(m["result"]["solved"] for m in metas), seconds=seconds,
                           resumable=row_key(Row(row_preset, row_preset.trials, seed, cap)) == key, unreadable=bad,
                           running=running))
    return out
