"""Atomic file writes: a file srlib writes is either its old self or its complete new self, never half.

A write goes to a hidden temporary file in the same folder, is flushed to disk, and then
``os.replace`` renames it over the target — one step on POSIX and Windows. A process killed
mid-write (or a full disk) leaves the previous file intact and no stray temporary behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_json"]


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without error it replaces ``path``.

    ``suffix`` lets writers that insist on a file extension (Keras wants ``.keras``, numpy ``.npz``)
    write to the temporary path directly. On an error the temporary file is removed and the
    error propagates; ``path`` is untouched.
    """
    target = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, _mode_for(target))  # mkstemp makes 0600; a written file gets the usual mode
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def _mode_for(target: Path) -> int:
    """The permissions a replaced file keeps, or those a new file gets under the process's umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, synced to disk; returns ``path``."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, value: Any, *, indent: int | None = 2) -> Path:
    """Write ``value`` as JSON (with a final newline) to ``path`` atomically; returns ``path``."""
    return atomic_write_text(path, json.dumps(value, indent=indent) + "\n")
