"""Reading a saved run without trusting it: its ``config.json`` and the arrays of its ``arrays.npz``.

Files may be truncated or edited by hand: arrays are read with ``allow_pickle=False``, their
names, shapes and dtypes are checked from the zip directory and the ``.npy`` headers before any
data is read, then their values against the preset's network; every problem becomes a
:class:`RunFileError` whose message names the file and what is wrong. Nothing is ever unpickled
or evaluated. :func:`lab.runs.load_run` calls these checks in order.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np

from lab.serialize import FORMAT_VERSION
from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS

Array = np.ndarray
FORMAT = "lstm1997-lab-run"
MAX_CONFIG_BYTES = 5_000_000


class RunFileError(ValueError):
    """A saved run that cannot be used: missing, truncated, malformed or edited into nonsense."""


def read_config(f: Path) -> dict:
    """The run's settings from ``config.json``: a JSON object of this format and version, every entry typed."""
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


def expected_shapes(preset: Preset) -> dict[str, tuple[int, ...]]:
    """Shapes of one trial's weights (no K axis) for the preset's network."""
    return NETS[preset.model].param_shapes(preset.net)


def array_names(preset: Preset) -> list[str]:
    """Every array a run of ``preset`` stores in its ``arrays.npz``."""
    shapes = expected_shapes(preset)
    return ([f"params.{n}" for n in shapes] + ["ckpt_seq"] + [f"ckpt.{n}" for n in shapes]
            + ["curve_seq", "curve_err", "curve_ok"])


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


def read_arrays(f: Path, names: list[str], want) -> dict[str, Array]:
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


def check_headers(f: Path, headers: dict, preset: Preset, K: int) -> None:
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


def check_arrays(f: Path, arrays: dict[str, Array], preset: Preset, K: int):
    """The weights, checkpoints and learning curves, values checked: ``(params, checkpoints, curves)``."""
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
