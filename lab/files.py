"""Writing result files: checked before the work starts, written atomically.

A reader (the Reproduce page, a resumed sweep) never sees a half-written file: the text goes to a
temporary file in the same directory, is flushed to disk, and replaces the target with ``os.replace``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class PathProblem(ValueError):
    """A path given on the command line that cannot be written; the message says why."""


def _probe_dir(d: Path, what: str) -> None:
    """Create and remove a temporary file in ``d``: the directory exists and we may write there."""
    try:
        fd, name = tempfile.mkstemp(dir=d, prefix=".probe-", suffix=".tmp")
    except OSError as exc:
        raise PathProblem(f"{what}: cannot write in {str(d)!r} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(name)


def check_file_target(raw: str | os.PathLike | None, what: str) -> Path | None:
    """``raw`` may become a regular file: not empty, not a directory or device, its directory exists and is
    writable. Returns the path (None for None); raises :class:`PathProblem`."""
    if raw is None:
        return None
    if str(raw).strip() == "":
        raise PathProblem(f"{what}: empty file name")
    p = Path(raw)
    if p.exists() or p.is_symlink():
        if p.is_dir():
            raise PathProblem(f"{what}: {str(p)!r} is a directory; give a file name")
        if not p.is_file():
            raise PathProblem(f"{what}: {str(p)!r} is not a regular file (a device or a pipe)")
    parent = p.parent
    if not parent.exists():
        raise PathProblem(f"{what}: directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise PathProblem(f"{what}: {str(parent)!r} is not a directory")
    _probe_dir(parent, what)
    return p


def check_dir_target(raw: str | os.PathLike | None, what: str, create: bool = False) -> Path | None:
    """``raw`` is (or, its parent existing, may become) a writable directory. ``create``: make it now."""
    if raw is None:
        return None
    if str(raw).strip() == "":
        raise PathProblem(f"{what}: empty directory name")
    p = Path(raw)
    if p.exists():
        if not p.is_dir():
            raise PathProblem(f"{what}: {str(p)!r} exists and is not a directory")
        _probe_dir(p, what)
        return p
    if not p.parent.is_dir():
        raise PathProblem(f"{what}: directory {str(p.parent)!r} does not exist")
    _probe_dir(p.parent, what)
    if create:
        try:
            p.mkdir()
        except OSError as exc:
            raise PathProblem(f"{what}: cannot create {str(p)!r} ({exc.strerror or exc})") from None
    return p


def _read_umask() -> int:
    mask = os.umask(0)                                # (read once, at import: umask is process-wide)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``path`` all or nothing: ``write(f)`` fills a temporary binary file in the same directory,
    which is fsynced and renamed into place (``os.replace``); on any error the old file stays, no temporary."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)                # an ordinary file's mode (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` all or nothing (see :func:`atomic_write`)."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda f: f.write(data))


def write_json(path: str | os.PathLike, data) -> Path:
    """``data`` as indented JSON (the format of runs/results/*.json), written atomically."""
    return atomic_write_text(path, json.dumps(data, indent=1, default=float) + "\n")
