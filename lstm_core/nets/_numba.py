"""``njit`` from Numba when it is installed, else a no-op decorator (the NumPy engine never calls kernels).

Where the compiled kernels are cached: ``<base>/kernels-<hash>``, where the hash covers the source of
every ``kernels_*.py`` module and of this one (:func:`kernels_hash`), and ``<base>`` is
``$NUMBA_CACHE_DIR`` when that is set, else this folder's ``__pycache__``. Numba's own cache checks
only the stamp of the file a function is defined in: a kernel that calls another module's kernel (the
learners call ``kernels_lstm.step_forward``, ``squash`` ...) would keep running the old machine code
of an edited callee after a ``git pull`` or an edit. Keying the folder by every kernel source makes
any such change a fresh compile (10-20 s, once), never stale code. Kernels must therefore live in
``kernels_*.py`` modules of this folder (:mod:`lstm_core.nets.warm` finds them by that name too).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


def kernels_hash(folder: Path = HERE) -> str:
    """12 hex digits of SHA-256 over the names and bytes of ``folder``'s ``kernels_*.py`` and ``_numba.py``."""
    h = hashlib.sha256()
    for path in sorted([*folder.glob("kernels_*.py"), folder / "_numba.py"]):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def kernel_cache_dir(folder: Path = HERE, base: str | None = None) -> Path:
    """``<base>/kernels-<kernels_hash(folder)>``; ``base``: ``$NUMBA_CACHE_DIR``, else ``folder/__pycache__``."""
    if base is None:
        base = os.environ.get("NUMBA_CACHE_DIR") or str(folder / "__pycache__")
    return Path(base) / f"kernels-{kernels_hash(folder)}"


def prune_old_versions(current: Path) -> list[Path]:
    """Remove the ``kernels-*`` folders beside ``current`` (earlier versions of the sources); returns them.

    Also removes the ``kernels_*.nbi`` / ``.nbc`` files Numba itself wrote there before the keyed folders.

    Only for this folder's own ``__pycache__``: a ``$NUMBA_CACHE_DIR`` may be shared by several checkouts.
    Best effort: a folder that cannot be removed stays (a process still running old code recompiles
    into its folder if it needs to).
    """
    old = [p for p in current.parent.glob("kernels-*") if p.is_dir() and p.name != current.name]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    for path in current.parent.glob("kernels_*.nb[ic]"):      # Numba's own layout, before the keyed folders
        path.unlink(missing_ok=True)
    return old


try:
    from numba import literally, njit
    from numba.core import config as _config
except ImportError:  # pragma: no cover - exercised by the fallback test in a subprocess
    def njit(*args, **kwargs):
        """Stand-in for numba.njit: returns the Python function unchanged."""
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda fn: fn

    def literally(value):
        """Stand-in for numba.literally: the value itself."""
        return value
else:
    def _usable(path: Path) -> bool:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(path, os.W_OK)

    # read by each dispatcher when it is decorated (below this import, in the kernels_* modules), so it
    # holds for this process's kernels whatever the environment does later; a read-only install caches
    # in the user's ~/.cache instead
    _dir = kernel_cache_dir()
    if not _usable(_dir):
        _dir = kernel_cache_dir(base=str(Path.home() / ".cache" / "lstm1997"))
    elif not os.environ.get("NUMBA_CACHE_DIR"):
        prune_old_versions(_dir)
    _config.CACHE_DIR = str(_dir)
