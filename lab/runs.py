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

Loading trusts nothing (files may be truncated or edited by hand): arrays are read with
``allow_pickle=False``, their names, shapes, dtypes and values are checked against the
preset's network, and every problem becomes a :class:`RunFileError` whose message names
the file and what is wrong. Nothing is ever unpickled or evaluated.

The shipped runs (one precomputed trained run per experiment family, made by
``scripts/make_shipped_runs.py``) live in ``runs/shipped/<family>/`` of the repository.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from lab.serialize import FORMAT_VERSION, preset_from_dict, preset_to_dict
from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS

__all__ = ["RunFileError", "SavedRun", "save_run", "load_run", "shipped_runs", "list_runs", "expected_shapes",
           "load_results", "load_result", "check_summary", "results_table", "REPO_ROOT", "SHIPPED_DIR",
           "RESULTS_DIR", "family_of"]

Array = np.ndarray
FORMAT = "lstm1997-lab-run"
CONFIG, ARRAYS = "config.json", "arrays.npz"
REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DIR = REPO_ROOT / "runs" / "shipped"
RESULTS_DIR = REPO_ROOT / "runs" / "results"
MAX_CONFIG_BYTES = 5_000_000
log = logging.getLogger(__name__)


def family_of(experiment: str) -> str:
    """Experiment family ("1" ... "6") of an experiment id ("3b" -> "3")."""
    return experiment[:1]


class RunFileError(ValueError):
    """A saved run that cannot be used: missing, truncated, malformed or edited into nonsense."""


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
    _atomic_write(out / ARRAYS, lambda f: np.savez_compressed(f, **arrays))
    text = json.dumps(config, indent=1, allow_nan=False)
    _atomic_write(out / CONFIG, lambda f: f.write(text.encode()))
    return out


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

def expected_shapes(preset: Preset) -> dict[str, tuple[int, ...]]:
    """Shapes of one trial's weights (no K axis) for the preset's network."""
    return NETS[preset.model].param_shapes(preset.net)


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
    cfg = _read_config(cfg_file)
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
    arrays = _read_arrays(npz_file, _array_names(preset), lambda h: _check_headers(npz_file, h, preset, K))
    params, checkpoints, curves = _check_arrays(npz_file, arrays, preset, K)
    problem = check_summary(cfg["summary"], trials=K)
    if problem:
        raise RunFileError(f"{cfg_file}: 'summary' is not a run summary: {problem}"[:300])
    return SavedRun(preset=preset, summary=cfg["summary"], params=params, checkpoints=checkpoints, curves=curves,
                    seed=cfg["seed"], path=path, trials=K, checkpoint_trial=cfg["checkpoint_trial"],
                    message=cfg["message"], created=cfg["created"])


def _read_config(f: Path) -> dict:
    if f.stat().st_size > MAX_CONFIG_BYTES:
        raise RunFileError(f"{f}: {f.stat().st_size:,} bytes is far too large for a run's settings")
    try:
        cfg = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunFileError(f"{f}: not valid JSON ({type(exc).__name__}: {exc})"[:300]) from None
    if not isinstance(cfg, dict):
        raise RunFileError(f"{f}: expected a JSON object at the top, got {type(cfg).__name__}")
    if cfg.get("format") != FORMAT:
        raise RunFileError(f"{f}: not a saved run of this lab (format {cfg.get('format')!r}, expected {FORMAT!r})")
    if cfg.get("version") != FORMAT_VERSION:
        raise RunFileError(f"{f}: format version {cfg.get('version')!r} is not supported "
                           f"(this lab reads version {FORMAT_VERSION})")
    required = {"preset_name": str, "preset": dict, "seed": int, "trials": int, "checkpoint_trial": int,
                "summary": dict, "message": str, "created": str}
    for key, typ in required.items():
        if key not in cfg:
            raise RunFileError(f"{f}: required entry {key!r} is missing")
        v = cfg[key]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            raise RunFileError(f"{f}: {key!r} should be {typ.__name__}, got {v!r}"[:300])
    if cfg["trials"] < 1 or cfg["seed"] < 0:
        raise RunFileError(f"{f}: trials must be >= 1 and seed >= 0 (got {cfg['trials']}, {cfg['seed']})")
    unknown = set(cfg) - set(required) - {"format", "version"}
    if unknown:
        raise RunFileError(f"{f}: unknown entry {sorted(unknown)[0]!r}")
    return cfg


MAX_ARRAY_BYTES = 256_000_000      # all arrays of one run together, as their headers declare them
MAX_CHECKPOINTS = 10_000


def _member_headers(f: Path, zf: zipfile.ZipFile, names: list[str]) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Shape and dtype of every member, from the zip directory and the .npy headers only (no array data read)."""
    infos = zf.infolist()
    if len(infos) > len(names):
        extra = sorted({i.filename.removesuffix(".npy") for i in infos} - set(names)) or [infos[-1].filename]
        raise RunFileError(f"{f}: unexpected array {extra[0]!r} (not part of this run)"[:300])
    found = {}
    for info in infos:
        name = info.filename[:-4] if info.filename.endswith(".npy") else None
        if name not in names:
            raise RunFileError(f"{f}: unexpected array {name or info.filename!r} (not part of this run)"[:300])
        if name in found:
            raise RunFileError(f"{f}: array {name!r} is stored twice")
        with zf.open(info) as m:
            try:
                version = np.lib.format.read_magic(m)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(m)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(m)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
                header_len = m.tell()
            except Exception as exc:      # no magic, a broken header: whatever numpy raises
                raise RunFileError(f"{f}: member {info.filename!r} is not a valid .npy array "
                                   f"({type(exc).__name__}: {exc})"[:300]) from None
        if dtype.hasobject:
            raise RunFileError(f"{f}: array {name!r} holds Python objects (pickled data), which this lab never loads")
        if dtype.kind not in "fiu" or dtype.itemsize > 8 or dtype.names is not None:
            raise RunFileError(f"{f}: array {name!r} has dtype {dtype}, expected numbers")
        if any(d < 0 for d in shape) or len(shape) > 8:
            raise RunFileError(f"{f}: array {name!r} has an impossible shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > MAX_ARRAY_BYTES or info.file_size != header_len + nbytes:
            raise RunFileError(f"{f}: array {name!r} declares shape {shape} ({nbytes:,} bytes), which does not fit "
                               f"its stored size of {info.file_size:,} bytes or the {MAX_ARRAY_BYTES:,}-byte limit")
        found[name] = (tuple(int(d) for d in shape), dtype)
    return found


def _read_arrays(f: Path, names: list[str], want) -> dict[str, Array]:
    """The run's arrays from ``f``; names, dtypes and shapes checked from the headers (``want(headers)``, which
    raises RunFileError) before any array data is read. Only ``.npy`` members, never pickles."""
    try:
        with zipfile.ZipFile(f) as zf:
            headers = _member_headers(f, zf, names)
            for n in names:
                if n not in headers:
                    raise RunFileError(f"{f}: array {n!r} is missing")
            want(headers)
            total = sum(math.prod(shape) * dt.itemsize for shape, dt in headers.values())
            if total > MAX_ARRAY_BYTES:
                raise RunFileError(f"{f}: the arrays hold {total:,} bytes, more than the {MAX_ARRAY_BYTES:,} "
                                   f"this lab reads")
            out = {}
            for n in names:
                with zf.open(f"{n}.npy") as m:
                    out[n] = np.lib.format.read_array(m, allow_pickle=False)
            return out
    except RunFileError:
        raise
    except Exception as exc:      # a truncated or corrupt zip raises many kinds of errors
        raise RunFileError(f"{f}: cannot be read; it is truncated or not an .npz file "
                           f"({type(exc).__name__}: {exc})"[:300]) from None


def _array_names(preset: Preset) -> list[str]:
    shapes = expected_shapes(preset)
    return ([f"params.{n}" for n in shapes] + ["ckpt_seq"] + [f"ckpt.{n}" for n in shapes]
            + ["curve_seq", "curve_err", "curve_ok"])


def _check_headers(f: Path, headers: dict, preset: Preset, K: int) -> None:
    """Shapes from the .npy headers against the preset's network (before any data is read)."""
    shapes = expected_shapes(preset)
    seq_shape = headers["ckpt_seq"][0]
    if len(seq_shape) != 1 or not 1 <= seq_shape[0] <= MAX_CHECKPOINTS:
        raise RunFileError(f"{f}: 'ckpt_seq' has shape {seq_shape}, expected 1 to {MAX_CHECKPOINTS:,} checkpoints")
    N = seq_shape[0]
    P = headers["curve_seq"][0]
    if len(P) != 1:
        raise RunFileError(f"{f}: 'curve_seq' has shape {P}, expected a list")
    P = P[0]
    want = {"curve_err": (P, K), "curve_ok": (P, K)}
    for n, shape in shapes.items():
        want[f"params.{n}"] = (K, *shape)
        want[f"ckpt.{n}"] = (N, 1, *shape)
    for name, shape in want.items():
        if headers[name][0] != shape:
            raise RunFileError(f"{f}: {name!r} has shape {headers[name][0]}, but this run's network and "
                               f"{K} trial(s) need {shape}")


def _check_arrays(f: Path, arrays: dict[str, Array], preset: Preset, K: int):
    shapes = expected_shapes(preset)
    masks = NETS[preset.model].masks(preset.net)

    def weights(name: str, a: Array, lead: tuple[int, ...], what: str) -> Array:
        want = lead + shapes[name.split(".", 1)[1]]
        if a.shape != want:
            raise RunFileError(f"{f}: {what} {name!r} has shape {a.shape}, but the preset's network needs {want}")
        a = a.astype(float)
        if not np.isfinite(a).all():
            raise RunFileError(f"{f}: {what} {name!r} contains NaN or infinite weights")
        if np.any((masks[name.split(".", 1)[1]] == 0) & (a != 0)):
            raise RunFileError(f"{f}: {what} {name!r} has weights on connections the network does not have")
        return a

    params = {n: weights(f"params.{n}", arrays[f"params.{n}"], (K,), "final weights") for n in shapes}
    seq = arrays["ckpt_seq"]
    N = len(seq) if seq.ndim == 1 else -1
    if N < 1 or seq.dtype.kind not in "iu" or np.any(seq < 0) or np.any(np.diff(seq) < 0):
        raise RunFileError(f"{f}: 'ckpt_seq' should be a non-empty rising list of sequence counts, got {seq!r}"[:300])
    ckpt = {n: weights(f"ckpt.{n}", arrays[f"ckpt.{n}"], (N, 1), "checkpoint") for n in shapes}
    checkpoints = [(int(seq[i]), {n: ckpt[n][i] for n in shapes}) for i in range(N)]
    c_seq, c_err, c_ok = arrays["curve_seq"], arrays["curve_err"], arrays["curve_ok"]
    P = len(c_seq) if c_seq.ndim == 1 else -1
    if P < 0 or (P and c_seq.dtype.kind not in "iu") or np.any(np.diff(c_seq) <= 0):
        raise RunFileError(f"{f}: 'curve_seq' should be a rising list of sequence counts")
    for n, a in (("curve_err", c_err), ("curve_ok", c_ok)):
        if a.shape != (P, K):
            raise RunFileError(f"{f}: {n!r} has shape {a.shape}, expected {(P, K)} (points x trials)")
        if np.isinf(a).any():
            raise RunFileError(f"{f}: {n!r} contains infinite values")
    curves = {"seq": c_seq.astype(np.int64), "err": c_err.astype(float), "ok": c_ok.astype(float)}
    return params, checkpoints, curves


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


# ----------------------------------------------------------------------------- reproduce results

def _is_count(v, none_ok: bool = False) -> bool:
    return (v is None and none_ok) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def _is_number(v, none_ok: bool = False) -> bool:
    if v is None:
        return none_ok
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


_TEST_COUNTS = ("trials_tested", "test_size")


def check_summary(d: object, trials: int | None = None) -> str:
    """"" if ``d`` is a well-formed run summary (:meth:`TrialRun.result`, or a reproduce result, which adds
    ``paper``, ``classroom``, ``experiment``, ``interrupted``), else what is wrong, naming the entry.

    Checked field by field, so that anything a page formats or indexes has the type it expects.
    ``trials``, if given, must equal the summary's ``trials``.
    """
    if not isinstance(d, dict):
        return f"expected a JSON object, got {type(d).__name__}"
    required = {"preset": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
                "trials": lambda v: _is_count(v) and v >= 1,
                "seed": _is_count, "successes": _is_count,
                "success_rate": lambda v: _is_number(v) and v <= 1,
                "sequences_to_success": lambda v: isinstance(v, list),
                "mean_sequences": lambda v: _is_number(v, none_ok=True),
                "min_sequences": lambda v: _is_number(v, none_ok=True),
                "max_sequences": lambda v: _is_number(v, none_ok=True),
                "test": lambda v: isinstance(v, dict), "seconds": lambda v: _is_number(v)}
    optional = {"sequences_presented": lambda v: isinstance(v, list), "st1_at": lambda v: isinstance(v, list),
                "diverged": lambda v: isinstance(v, list), "sequences_seen": _is_count,
                "max_sequences_cap": _is_count, "interrupted": lambda v: isinstance(v, bool),
                "classroom": lambda v: isinstance(v, bool), "experiment": lambda v: isinstance(v, str),
                "paper": lambda v: v is None or isinstance(v, dict)}
    for key in required:
        if key not in d:
            return f"entry {key!r} is missing"
    for key, v in d.items():
        ok = required.get(key) or optional.get(key)
        if ok is None:
            continue                          # an entry a later version added: not read by this lab
        if not ok(v):
            return f"entry {key!r} has a wrong value ({v!r})"[:200]
    K = d["trials"]
    if trials is not None and K != trials:
        return f"it counts {K} trials, the run has {trials}"
    if d["successes"] > K:
        return f"{d['successes']} successes out of {K} trials"
    for key in ("sequences_to_success", "sequences_presented", "st1_at"):
        if key in d:
            v = d[key]
            if len(v) != K:
                return f"entry {key!r} should have one entry per trial ({K}), has {len(v)}"
            if not all(_is_count(x, none_ok=True) for x in v):
                return f"entry {key!r} should hold sequence counts or null"
    if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < K for x in d.get("diverged", [])):
        return "entry 'diverged' should list trial numbers"
    for k, v in d["test"].items():
        if k in _TEST_COUNTS and not _is_count(v):
            return f"entry 'test.{k}' should be a whole number >= 0, got {v!r}"[:200]
        if not _is_number(v):
            return f"entry 'test.{k}' should be a number >= 0, got {v!r}"[:200]
    return ""


def _check_result(d: object) -> str:
    """"" if ``d`` is a well-formed reproduce result, else what is wrong."""
    return check_summary(d)


def load_result(f) -> dict:
    """One reproduce result file (``runs/results/*.json``), validated field by field.

    Returns the result with a ``"file"`` entry added. Raises :class:`RunFileError` (whose message names
    the file and the entry) for anything unreadable, malformed or of the wrong type; never anything else.
    Pages call this (or :func:`load_results`) and show the message instead of the row.
    """
    f = Path(f)
    try:
        if f.stat().st_size > MAX_CONFIG_BYTES:
            raise RunFileError(f"{f.name}: {f.stat().st_size:,} bytes is far too large for a result")
        d = json.loads(f.read_text(encoding="utf-8"))
    except RunFileError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunFileError(f"{f.name}: not readable as JSON ({type(exc).__name__}: {exc})"[:300]) from None
    why = check_summary(d)
    if why:
        raise RunFileError(f"{f.name}: {why}")
    return {**d, "file": f.name}


def load_results(root=None) -> tuple[list[dict], list[tuple[Path, str]]]:
    """Read every ``*.json`` reproduce result under ``root`` (default ``runs/results``).

    Returns
    -------
    rows : the well-formed results, each with a ``"file"`` entry added, sorted by file name
    problems : (file, reason) for every file that was skipped
    """
    root = Path(root) if root is not None else RESULTS_DIR
    rows, problems = [], []
    for f in sorted(root.glob("*.json")) if root.is_dir() else []:
        try:
            rows.append(load_result(f))
        except RunFileError as exc:
            why = str(exc)
            problems.append((f, why[len(f.name) + 2:] if why.startswith(f"{f.name}: ") else why))
    return rows, problems


def results_table(root=None, problems: list | None = None) -> list[dict]:
    """The stored reproduce results (see :func:`load_results`); skipped files go to ``problems`` if given."""
    rows, bad = load_results(root)
    if problems is not None:
        problems.extend(bad)
    return rows
