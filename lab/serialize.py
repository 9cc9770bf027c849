"""Presets to and from plain JSON-safe dicts, with strict validation of what comes back.

A run saved to disk (:mod:`lab.runs`) or a setting shared by URL carries its whole
preset, not just its name: the registry may change, a saved run must still say exactly
what was trained. ::

    d = preset_to_dict(get_preset("exp4_adding_T100"))
    json.dumps(d)                        # only str, int, float, bool, None, list, dict
    preset_from_dict(d) == get_preset("exp4_adding_T100")   # True

:func:`preset_from_dict` trusts nothing: every key must be a field of the dataclass it
fills, every value must have that field's type and a sensible range, and the task's
options must be parameters of the task generator. Anything else raises ``ValueError``
with a message that names the offending key (``"net.blocks: expected an integer >= 1,
got 'two'"``).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import MISSING, fields

from lstm_core.experiments import EXPERIMENT_TITLES
from lstm_core.experiments.preset import Construction, Preset, StopRule
from lstm_core.nets.lstm import LSTMConfig
from lstm_core.nets.rnn import RNNConfig
from lstm_core.tasks import TASKS

__all__ = ["preset_to_dict", "preset_from_dict", "check_task_options", "FORMAT_VERSION", "MAX_WEIGHTS",
           "TASK_OPTION_RANGES"]

FORMAT_VERSION = 1
MAX_WEIGHTS = 2_000_000        # a hand-edited file must not make us allocate gigabytes
# whole-number task options: the range this lab accepts (the paper's largest value is 1,000 for each; the lag
# tasks' one-hot inputs grow with p and q squared, so 1,000 is also their cap)
TASK_OPTION_RANGES: dict[str, tuple[int, int]] = {
    "T": (1, 10_000), "N": (1, 10_000), "length": (1, 10_000), "n_relevant": (1, 10),
    "p": (1, 1_000), "q": (0, 1_000),
}
NET_TYPES = {"lstm": LSTMConfig, "rnn": RNNConfig}

# numeric fields that must be > 0 (all other numbers must be >= 0)
_POSITIVE = {"lr", "trials", "window", "eval_every", "max_sequences", "n_in", "n_out", "blocks", "block_size",
             "n_hidden"}


def preset_to_dict(preset: Preset) -> dict:
    """A JSON-safe dict of every field of ``preset`` (nested: ``net`` with its ``type``, ``stop``).

    Tuples become lists; ``net["type"]`` is ``"lstm"`` or ``"rnn"``.
    """
    out: dict = {}
    for f in fields(Preset):
        v = getattr(preset, f.name)
        if f.name == "net":
            kind = "lstm" if isinstance(v, LSTMConfig) else "rnn"
            out["net"] = {"type": kind, **_plain_fields(v)}
        elif f.name == "stop":
            out["stop"] = _plain_fields(v)
        elif f.name == "construction":
            out["construction"] = None if v is None else _plain_fields(v)
        else:
            out[f.name] = _jsonable(v)
    return out


def preset_from_dict(d: object) -> Preset:
    """The :class:`Preset` described by ``d`` (as written by :func:`preset_to_dict`).

    Raises
    ------
    ValueError
        on an unknown or missing key, a value of the wrong type or out of range, an unknown
        task or task option, or a network too large to be a plausible setting.
    """
    d = _mapping(d, "preset")
    net_d = _mapping(d.get("net"), "net")
    kind = net_d.get("type")
    if kind not in NET_TYPES:
        raise ValueError(f"net.type: expected one of {sorted(NET_TYPES)}, got {kind!r}")
    net = _build(NET_TYPES[kind], {k: v for k, v in net_d.items() if k != "type"}, "net")
    stop = _build(StopRule, _mapping(d.get("stop", {"kind": "none"}), "stop"), "stop")
    rest = {k: v for k, v in d.items() if k not in ("net", "stop", "construction")}
    if d.get("construction") is not None:
        rest["construction"] = _build(Construction, _mapping(d["construction"], "construction"), "construction")
    preset = _build(Preset, {**rest, "net": net, "stop": stop}, "")
    if preset.experiment not in EXPERIMENT_TITLES:
        raise ValueError(f"experiment: unknown experiment {preset.experiment!r}; "
                         f"choose from {', '.join(EXPERIMENT_TITLES)}")
    _check_task(preset.task, preset.task_options)
    _check_widths(preset)
    n_weights = _weight_bound(net)
    if n_weights > MAX_WEIGHTS:
        raise ValueError(f"net: up to {n_weights:,} weights is more than the {MAX_WEIGHTS:,} this lab accepts")
    return preset


def _weight_bound(net: LSTMConfig | RNNConfig) -> int:
    """An upper bound on the weight count, by arithmetic (no arrays: a huge edited size allocates nothing)."""
    if isinstance(net, RNNConfig):
        H = net.n_hidden
        return (net.n_in + H + 1) * H + (H + net.n_in + 1) * net.n_out
    CS = net.blocks * net.block_size
    U = 3 * net.blocks + CS
    return (net.n_in + U + 1) * U + (CS + net.n_in + 1) * net.n_out


# ----------------------------------------------------------------------------- helpers

def _plain_fields(obj) -> dict:
    return {f.name: _jsonable(getattr(obj, f.name)) for f in fields(obj)}


def _jsonable(v):
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def _mapping(v: object, where: str) -> dict:
    if not isinstance(v, dict):
        raise ValueError(f"{where or 'preset'}: expected a JSON object, got {type(v).__name__}")
    bad = [k for k in v if not isinstance(k, str)]
    if bad:
        raise ValueError(f"{where}: keys must be strings, got {bad[0]!r}")
    return v


def _build(cls, d: dict, where: str):
    """``cls(**d)`` after checking every key and value against the dataclass fields of ``cls``."""
    prefix = f"{where}." if where else ""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise ValueError(f"{prefix}{unknown[0]}: unknown setting (known: {', '.join(known)})")
    missing = [n for n, f in known.items() if f.default is MISSING and f.default_factory is MISSING and n not in d]
    if missing:
        raise ValueError(f"{prefix}{missing[0]}: required setting is missing")
    values = {}
    for name, value in d.items():
        f = known[name]
        values[name] = _check_value(f"{prefix}{name}", name, str(f.type), value)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:      # the dataclass's own checks (connectivity, activations, ...)
        raise ValueError(f"{where or 'preset'}: {exc}") from None


def _check_value(path: str, name: str, typ: str, v):
    """Check ``v`` against the annotation ``typ`` (as written in the dataclass) and return it converted."""
    typ = typ.replace(" ", "")
    if typ in ("LSTMConfig|RNNConfig", "StopRule", "Construction|None"):
        return v                                     # built and checked by the caller
    if typ.endswith("|None"):
        if v is None:
            return None
        typ = typ[: -len("|None")]
    if typ == "bool":
        if not isinstance(v, bool):
            raise ValueError(f"{path}: expected true or false, got {v!r}")
        return v
    if typ == "str":
        if not isinstance(v, str):
            raise ValueError(f"{path}: expected a string, got {v!r}")
        return v
    if typ in ("int", "float"):
        return _number(path, name, v, integer=typ == "int")
    if typ == "tuple[float,...]":
        if not isinstance(v, list | tuple):
            raise ValueError(f"{path}: expected a list of numbers, got {v!r}")
        return tuple(_number(f"{path}[{i}]", name, x, integer=False, signed=True) for i, x in enumerate(v))
    if typ == "tuple[str,...]":
        if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
            raise ValueError(f"{path}: expected a list of strings, got {v!r}")
        return tuple(v)
    if typ == "dict":
        v = _mapping(v, path)
        for k, x in v.items():
            if not (x is None or isinstance(x, bool | int | float | str)):
                raise ValueError(f"{path}.{k}: expected a number, string, boolean or null, got {type(x).__name__}")
            if isinstance(x, float) and not math.isfinite(x):
                raise ValueError(f"{path}.{k}: expected a finite number, got {x!r}")
        return dict(v)
    raise ValueError(f"{path}: cannot read a setting of type {typ}")   # a new field type: teach this module


def _number(path: str, name: str, v, integer: bool, signed: bool = False):
    if isinstance(v, bool) or not isinstance(v, int | float) or (integer and not isinstance(v, int)):
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{path}: expected {kind}, got {v!r}")
    if not math.isfinite(v):
        raise ValueError(f"{path}: expected a finite number, got {v!r}")
    if name in _POSITIVE and not v > 0:
        raise ValueError(f"{path}: expected a number > 0, got {v!r}")
    if not signed and v < 0:
        raise ValueError(f"{path}: expected a number >= 0, got {v!r}")
    return int(v) if integer else float(v)


def _check_widths(preset: Preset) -> None:
    """The network's input and output counts must be the task's (a mismatch would index out of bounds)."""
    import numpy as np
    b = TASKS[preset.task](np.random.default_rng(0), 1, **preset.task_options)
    for what, net_n, task_n in (("n_in", preset.net.n_in, b.n_in), ("n_out", preset.net.n_out, b.n_out)):
        if net_n != task_n:
            raise ValueError(f"net.{what}: {net_n} does not fit task {preset.task!r} with options "
                             f"{preset.task_options}, which has {task_n}"[:300])


def _check_task(task: str, options: dict) -> None:
    check_task_options(task, options, where="task_options")


def check_task_options(task: str, options: dict, where: str = "task_options") -> dict:
    """Check ``options`` for the generator ``TASKS[task]`` before anything is drawn; returns them unchanged.

    Every key must be a parameter of the generator; every value must have the type of that
    parameter's default (a whole number where the default is one: ``1e3`` and ``"100"`` are
    refused) and, for whole numbers, lie in :data:`TASK_OPTION_RANGES` (so ``T = 3e8`` never
    allocates anything); the generator's own checks (e.g. ``N < T``) then run on one sequence.

    Raises
    ------
    ValueError
        naming the option and what is wrong, e.g. ``"task_options.T: expected a whole number, got 'abc'"``.
    """
    if task not in TASKS:
        raise ValueError(f"task: unknown task {task!r}; choose from {', '.join(TASKS)}")
    if not isinstance(options, dict):
        raise ValueError(f"{where}: expected a mapping of option names to values, got {type(options).__name__}")
    params = inspect.signature(TASKS[task]).parameters
    allowed = [n for n in params if n not in ("rng", "n")]
    for k, v in options.items():
        if k not in allowed:
            raise ValueError(f"{where}.{k}: not an option of task {task!r} (options: {', '.join(allowed) or 'none'})")
        default = params[k].default
        if isinstance(default, bool):
            if not isinstance(v, bool):
                raise ValueError(f"{where}.{k}: expected true or false, got {v!r}"[:200])
        elif isinstance(default, int):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{where}.{k}: expected a whole number, got {v!r}"[:200])
            lo, hi = TASK_OPTION_RANGES.get(k, (0, 10_000))
            if not lo <= v <= hi:
                raise ValueError(f"{where}.{k}: {v:,} is outside the range this lab accepts ({lo:,} to {hi:,})"[:200])
        elif isinstance(default, float):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"{where}.{k}: expected a finite number, got {v!r}"[:200])
        elif isinstance(default, str):
            if not isinstance(v, str) or len(v) > 100:
                raise ValueError(f"{where}.{k}: expected a short string, got {v!r}"[:200])
    try:                                     # the generator's own checks, on one sequence of bounded size
        import numpy as np
        TASKS[task](np.random.default_rng(0), 1, **options)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"{where}: not valid for task {task!r}: {exc}"[:300]) from None
    return options
