"""Where datasets live on disk: ``$SRLIB_DATA``, else ``~/.cache/srlib``.

Each dataset has one folder of HR images there, named like the dataset
(``$SRLIB_DATA/Set5``); a folder a user put there by hand under a differently
cased or punctuated name (``set5``, ``General100``) is found too.
"""

from __future__ import annotations

import os
from pathlib import Path

from srlib.data.registry import DatasetEntry, normalise_name
from srlib.errors import SRLibError

__all__ = ["cache_dir", "writable_cache_dir", "dataset_folder", "find_cached_folder", "downloads_dir"]


def cache_dir() -> Path:
    """The data cache: ``$SRLIB_DATA`` if set, else ``~/.cache/srlib`` (not created here)."""
    configured = os.environ.get("SRLIB_DATA", "").strip()
    root = Path(configured).expanduser() if configured else Path.home() / ".cache" / "srlib"
    if root.exists() and not root.is_dir():
        raise SRLibError(f"SRLIB_DATA={root} is a file, not a folder — point SRLIB_DATA at a folder")
    return root


def writable_folder(folder: Path, name: str, fix: str) -> Path:
    """Create ``folder`` if needed and check it is writable; one-line errors ``... {name} {folder} ... — {fix}``."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SRLibError(f"cannot create {name} {folder} ({exc.strerror}) — {fix}") from None
    if not os.access(folder, os.W_OK):
        raise SRLibError(f"{name} {folder} is not writable — {fix}")
    return folder


def writable_cache_dir() -> Path:
    """The cache folder, created if needed; a one-line error if it cannot be written."""
    return writable_folder(cache_dir(), "the data cache", "set SRLIB_DATA to a writable folder")


def dataset_folder(entry: DatasetEntry) -> Path:
    """The folder a download of ``entry`` is unpacked into."""
    return cache_dir() / entry.name


def downloads_dir() -> Path:
    """Where archives are streamed to before they are verified and unpacked."""
    return cache_dir() / "downloads"


def find_cached_folder(entry: DatasetEntry) -> Path | None:
    """An existing folder for ``entry`` in the cache (exact name first, then any spelling), or None."""
    exact = dataset_folder(entry)
    if exact.is_dir():
        return exact
    root = cache_dir()
    if not root.is_dir():
        return None
    keys = {normalise_name(entry.name), *(normalise_name(a) for a in entry.aliases)}
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and normalise_name(child.name) in keys:
            return child
    return None
