"""Which engine trains: the compiled kernels (Numba) or the readable NumPy reference.

``LAB_ENGINE=numpy`` forces the reference; ``LAB_ENGINE=numba`` (or unset) uses the kernels
when Numba can be imported, and falls back to the reference otherwise. Both give the same
results (tests check it to 1e-10); the kernels are 20-100x faster.

The environment is read at every call, so a test (or a worker process) can switch engines.
"""

from __future__ import annotations

import importlib.util
import os

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
