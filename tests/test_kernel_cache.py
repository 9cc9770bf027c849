"""The compiled kernels' disk cache is keyed by every kernel source, so an edited callee is never run stale.

Numba's own cache checks only the file a function is defined in; the learners call kernels of other
modules (``kernels_lstm.step_forward``, ``squash``), so without :mod:`lstm_core.nets._numba`'s keyed
folder an edit of those (or a ``git pull`` that brings one) would keep running the old machine code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_core.nets import _numba, engine

KERNEL_A = "from kpkg._numba import njit\n\n\n@njit(cache=True)\ndef sq(x):\n    return x * {factor}\n"
KERNEL_B = ("from kpkg._numba import njit\nfrom kpkg.kernels_a import sq\n\n\n@njit(cache=True)\n"
            "def run(x):\n    return sq(x) + 1.0\n")


def _package(root: Path, factor: str = "2.0") -> Path:
    """A package like lstm_core.nets: our _numba.py, kernels_b.run calling kernels_a.sq."""
    pkg = root / "kpkg"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    shutil.copy(_numba.__file__, pkg / "_numba.py")
    (pkg / "kernels_a.py").write_text(KERNEL_A.format(factor=factor))
    (pkg / "kernels_b.py").write_text(KERNEL_B)
    return pkg


def test_the_hash_covers_every_kernel_module_and_nothing_else(tmp_path):
    pkg = _package(tmp_path)
    first = _numba.kernels_hash(pkg)
    (pkg / "notes.py").write_text("X = 1\n")                       # not a kernel module
    assert _numba.kernels_hash(pkg) == first
    (pkg / "kernels_a.py").write_text(KERNEL_A.format(factor="3.0"))
    second = _numba.kernels_hash(pkg)
    assert second != first
    (pkg / "kernels_c.py").write_text("Y = 2\n")                   # a new kernel module
    assert _numba.kernels_hash(pkg) not in (first, second)


def test_the_folder_is_under_numba_cache_dir_when_set_else_the_package_pycache(tmp_path, monkeypatch):
    pkg = _package(tmp_path)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert _numba.kernel_cache_dir(pkg) == pkg / "__pycache__" / f"kernels-{_numba.kernels_hash(pkg)}"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "c"))
    assert _numba.kernel_cache_dir(pkg) == tmp_path / "c" / f"kernels-{_numba.kernels_hash(pkg)}"


@pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")
def test_this_engines_kernels_are_cached_in_the_folder_of_todays_sources():
    from lstm_core.nets import kernels_rtrl

    path = Path(kernels_rtrl.train_chunk._cache._cache_path)
    assert f"kernels-{_numba.kernels_hash()}" in path.parts


@pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")
def test_an_edited_callee_in_another_kernel_module_is_compiled_again_not_loaded_stale(tmp_path):
    _package(tmp_path)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tmp_path)}

    def value() -> float:
        out = subprocess.run([sys.executable, "-c", "from kpkg.kernels_b import run; print(run(1.0))"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        assert out.returncode == 0, out.stderr
        return float(out.stdout)

    assert value() == 3.0                                          # compiled and cached
    assert value() == 3.0                                          # loaded
    (tmp_path / "kpkg" / "kernels_a.py").write_text(KERNEL_A.format(factor="3.0"))   # only the callee changes
    assert value() == 4.0                                          # Numba's own stamp check alone gives 3.0
    assert len(list((tmp_path / "cache").glob("kernels-*"))) == 2  # one folder per version of the sources


def test_earlier_versions_beside_the_current_folder_are_removed(tmp_path):
    current = tmp_path / "__pycache__" / "kernels-aaaaaaaaaaaa"
    old = tmp_path / "__pycache__" / "kernels-bbbbbbbbbbbb"
    other = tmp_path / "__pycache__" / "something-else"
    for d in (current, old, other):
        d.mkdir(parents=True)
        (d / "f.nbi").write_text("x")
    flat = tmp_path / "__pycache__" / "kernels_lstm.f-40.py311.nbi"
    flat.write_text("x")
    assert _numba.prune_old_versions(current) == [old]
    assert current.is_dir() and other.is_dir() and not old.exists() and not flat.exists()
