"""Which engine trains: the compiled kernels (Numba) or the readable NumPy reference.

``LAB_ENGINE=numpy`` forces the reference; ``LAB_ENGINE=numba`` (or unset) uses the kernels
when Numba can be imported, and falls back to the reference otherwise. Both give the same
results (tests check it to 1e-10); the kernels are 20-100x faster.

Kernels compiled per net (:func:`fixed_net`): the 1997 rule's training kernel and the output kernel
of the stopping tests, compiled with the net's sizes as constants — the same results bit for bit,
~1.25× faster steps, but a compile (~6 s, then cached on disk) for every new net. Runs of at
least :data:`FIXED_NET_FROM` sequences a trial (the reproduce sweep's rows, the rate estimates) use
them (:func:`fixed_net_for`); pages and short runs do not, so that a slider's new net never waits
for a compile. ``LAB_FIXED_NET=1`` or ``0`` decides for every run.

The environment is read at every call, so a test (or a worker process) can switch engines.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator

ENGINES = ("numba", "numpy")


def numba_available() -> bool:
    """True when the ``numba`` package can be imported here."""
    return importlib.util.find_spec("numba") is not None


def requested() -> str:
    """The engine asked for by ``LAB_ENGINE`` ("numba" when unset); raises on a typo."""
    name = os.environ.get("LAB_ENGINE", "numba").strip().lower() or "numba"
    if name not in ENGINES:
        raise ValueError(f"LAB_ENGINE must be one of {ENGINES}, not {name!r}")
    return name


def active() -> str:
    """The engine in use: "numba" if requested and importable, else "numpy"."""
    return "numba" if requested() == "numba" and numba_available() else "numpy"


def use_kernels() -> bool:
    """True when training runs on the compiled kernels."""
    return active() == "numba"


FIXED_NET_FROM = 50_000    # sequences a trial from which a run uses kernels compiled for its net


def fixed_net_setting() -> bool | None:
    """``LAB_FIXED_NET`` read: True (1), False (0), None when unset or "auto"; raises on anything else."""
    value = os.environ.get("LAB_FIXED_NET", "").strip().lower()
    if value in ("", "auto"):
        return None
    if value not in ("0", "1"):
        raise ValueError(f"LAB_FIXED_NET must be 0 or 1, not {value!r}")
    return value == "1"


def fixed_net() -> bool:
    """True when training and output kernels run compiled for the net (``LAB_FIXED_NET=1``, kernels on)."""
    return bool(fixed_net_setting()) and use_kernels()


def fixed_net_for(max_sequences: int) -> bool:
    """Whether a run of up to ``max_sequences`` a trial should use kernels compiled for its net:
    ``LAB_FIXED_NET`` when it is set, else ``max_sequences >= FIXED_NET_FROM`` (a compile of ~6 s
    then costs less than the ~20 % it saves)."""
    setting = fixed_net_setting()
    return setting if setting is not None else max_sequences >= FIXED_NET_FROM


@contextlib.contextmanager
def setting(name: str, value: str) -> Iterator[None]:
    """Within the block, the environment variable ``name`` is ``value`` (restored, or removed, after).

    The engine reads ``LAB_ENGINE`` and ``LAB_FIXED_NET`` at every call, so this switches them for
    the body. Process-wide: two threads of one process that set one variable differently switch
    each other's (the results are the same either way, only the speed differs)."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def fixed_nets(on: bool = True) -> contextlib.AbstractContextManager[None]:
    """Within the block, :func:`fixed_net` is ``on`` (``LAB_FIXED_NET``, restored after)."""
    return setting("LAB_FIXED_NET", "1" if on else "0")
