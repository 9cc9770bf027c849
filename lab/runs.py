"""Saving and loading trained runs: a ``config.json`` of metadata beside an ``arrays.npz`` of weights.

A run directory holds

``config.json``
    ``format`` and ``version``, the whole preset (:func:`~lab.serialize.preset_to_dict`),
    its name, the seed, the number of trials, the trial whose history was checkpointed,
    the :meth:`TrialRun.result` summary, the run's message and the creation time.
``arrays.npz``
    ``params.<name>`` final weights of all K trials (K, ...); ``ckpt_seq`` (N,) and
    ``ckpt.<name>`` (N, 1, ...) the checkpoints of the checkpoint trial; ``curve_seq`` (P,),
    ``curve_err`` and ``curve_ok`` (P, K) the learning curves (NaN once a trial is frozen).

Loading trusts nothing (files may be truncated or edited by hand): :mod:`lab.run_files`
checks both files, and every problem becomes a :class:`~lab.run_files.RunFileError` whose
message names the file and what is wrong. Nothing is ever unpickled or evaluated. The
reproduce results (``runs/results/*.json``) are :mod:`lab.results`.

The shipped runs (one precomputed trained run per experiment family, made by
``scripts/make_shipped_runs.py``) live in ``runs/shipped/<family>/`` of the repository.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from lab import run_files
from lab.files import atomic_write
from lab.results import check_summary
from lab.run_files import FORMAT, RunFileError
from lab.serialize import FORMAT_VERSION, preset_from_dict, preset_to_dict
from lstm_core.experiments.preset import Preset

__all__ = ["RunFileError", "SavedRun", "save_run", "load_run", "shipped_runs", "list_runs", "REPO_ROOT", "SHIPPED_DIR",
           "family_of"]

Array = np.ndarray
CONFIG, ARRAYS = "config.json", "arrays.npz"
REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DIR = REPO_ROOT / "runs" / "shipped"
log = logging.getLogger(__name__)


def family_of(experiment: str) -> str:
    """Experiment family ("1" ... "6") of an experiment id ("3b" -> "3")."""
    return experiment[:1]


@dataclass(frozen=True)
class SavedRun:
    """A run loaded from disk (see :func:`load_run`)."""

    preset: Preset
    summary: dict                                  # TrialRun.result() at save time
    params: dict[str, Array]                       # final weights of all trials (K, ...)
    checkpoints: list[tuple[int, dict[str, Array]]]   # (sequences seen, weights of one trial (1, ...))
    curves: dict[str, Array]                       # "seq" (P,), "err" (P, K), "ok" (P, K)
    seed: int
    path: Path
    trials: int = 1
    checkpoint_trial: int = 0
    message: str = ""
    created: str = ""

    @property
    def solved(self) -> bool:
        """True if at least one trial met the preset's stopping rule."""
        return bool(self.summary.get("successes"))

    def trial_params(self, k: int | None = None) -> dict[str, Array]:
        """Final weights of trial ``k`` (default: the checkpoint trial) with a K = 1 axis."""
        k = self.checkpoint_trial if k is None else int(k)
        if not 0 <= k < self.trials:
            raise IndexError(f"trial {k} is not one of the {self.trials} trials of this run")
        return {name: v[k : k + 1] for name, v in self.params.items()}


# ----------------------------------------------------------------------------- saving

def save_run(run, out_dir) -> Path:
    """Write ``run`` (a :class:`~lstm_core.experiments.train.TrialRun`, not running) to directory ``out_dir``.

    Both files are written under temporary names and renamed into place, the npz first:
    a reader never sees a half-written file, and ``config.json`` appears last.

    Returns
    -------
    The directory (a :class:`~pathlib.Path`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = run.result()                        # also copies the working weights into run.params
    K = run.K
    arrays: dict[str, Array] = {f"params.{k}": np.asarray(v, dtype=float) for k, v in run.params.items()}
    arrays["ckpt_seq"] = np.array([s for s, _ in run.checkpoints], dtype=np.int64)
    for name in run.params:
        arrays[f"ckpt.{name}"] = np.stack([np.asarray(p[name], dtype=float) for _, p in run.checkpoints])
    arrays["curve_seq"] = np.asarray(run.curve_seq, dtype=np.int64).reshape(-1)
    arrays["curve_err"] = np.asarray(run.curve_err, dtype=float).reshape(-1, K)
    arrays["curve_ok"] = np.asarray(run.curve_ok, dtype=float).reshape(-1, K)
    config = {
        "format": FORMAT, "version": FORMAT_VERSION, "preset_name": run.preset.name,
        "preset": preset_to_dict(run.preset), "seed": int(run.seed), "trials": int(K),
        "checkpoint_trial": int(run.checkpoint_trial), "summary": _json_safe(summary),
        "message": run.message, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_write(out / ARRAYS, lambda f: np.savez_compressed(f, **arrays))
    text = json.dumps(config, indent=1, allow_nan=False)
    atomic_write(out / CONFIG, lambda f: f.write(text.encode()))
    return out


def _json_safe(v):
    """Summaries hold numpy scalars and maybe NaN: plain Python values, NaN/inf as None."""
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple | np.ndarray):
        return [_json_safe(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# ----------------------------------------------------------------------------- loading

def load_run(path) -> SavedRun:
    """Read and validate the run in directory ``path``.

    Raises
    ------
    RunFileError
        if a file is missing or unreadable, or any content does not fit the preset it names.
    """
    path = Path(path)
    try:
        return _load_run(path)
    except RunFileError:
        raise
    except Exception as exc:      # a case no check above foresaw: still a message, never a traceback on a page
        log.warning("unexpected error loading the run %s", path, exc_info=True)
        raise RunFileError(f"{path}: cannot be loaded ({type(exc).__name__}: {exc})"[:300]) from None


def _load_run(path: Path) -> SavedRun:
    cfg_file, npz_file = path / CONFIG, path / ARRAYS
    if not path.is_dir():
        raise RunFileError(f"{path}: not a run folder (it should hold {CONFIG} and {ARRAYS})")
    for f in (cfg_file, npz_file):
        if not f.is_file():
            raise RunFileError(f"{f}: file is missing")
    cfg = run_files.read_config(cfg_file)
    try:
        preset = preset_from_dict(cfg["preset"])
    except (ValueError, TypeError, RecursionError) as exc:
        raise RunFileError(f"{cfg_file}: the preset is not valid: {exc}"[:400]) from None
    if cfg["preset_name"] != preset.name:
        raise RunFileError(f"{cfg_file}: preset_name {cfg['preset_name']!r} differs from the preset's name "
                           f"{preset.name!r}")
    K = cfg["trials"]
    if not 0 <= cfg["checkpoint_trial"] < K:
        raise RunFileError(f"{cfg_file}: checkpoint_trial {cfg['checkpoint_trial']} is not one of the {K} trials")
    arrays = run_files.read_arrays(npz_file, run_files.array_names(preset),
                                  lambda h: run_files.check_headers(npz_file, h, preset, K))
    params, checkpoints, curves = run_files.check_arrays(npz_file, arrays, preset, K)
    problem = check_summary(cfg["summary"], trials=K)
    if problem:
        raise RunFileError(f"{cfg_file}: 'summary' is not a run summary: {problem}"[:300])
    return SavedRun(preset=preset, summary=cfg["summary"], params=params, checkpoints=checkpoints, curves=curves,
                    seed=cfg["seed"], path=path, trials=K, checkpoint_trial=cfg["checkpoint_trial"],
                    message=cfg["message"], created=cfg["created"])


# ----------------------------------------------------------------------------- finding runs

def list_runs(root) -> list[Path]:
    """Every run folder (one holding a ``config.json``) under ``root``, sorted; [] if root is absent."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.parent for p in root.rglob(CONFIG) if (p.parent / ARRAYS).is_file())


def shipped_runs() -> dict[str, Path]:
    """Experiment family ("1" ... "6") -> the folder of its shipped precomputed run (those present)."""
    out = {}
    for fam in ("1", "2", "3", "4", "5", "6"):
        d = SHIPPED_DIR / fam
        if (d / CONFIG).is_file() and (d / ARRAYS).is_file():
            out[fam] = d
    return out
