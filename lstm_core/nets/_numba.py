"""``njit`` from Numba when it is installed, else a no-op decorator (the NumPy engine never calls kernels)."""

from __future__ import annotations

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised by the fallback test in a subprocess
    def njit(*args, **kwargs):
        """Stand-in for numba.njit: returns the Python function unchanged."""
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda fn: fn
