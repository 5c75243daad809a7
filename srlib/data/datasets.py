"""Find a dataset's folder of HR images — registered name, local copy or any folder — and load it.

``dataset_path`` resolves, in order:

1. ``local=``: the user's own copy of a registered dataset, checked against its manifest;
2. a ``Path``, or a string that is not a registered name, naming an existing folder: used as it is;
3. ``"photos"``: the embedded photographs, written once into the cache;
4. a registered name: ``$SRLIB_DATA/<name>`` if present (checked), else downloaded there;
   a split (``BSD200-val``) lives in its parent's folder, and ``load_images`` reads only its images.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from srlib.data.cache import cache_dir, find_cached_folder, writable_cache_dir
from srlib.data.download import fetch_dataset
from srlib.data.photos import photo_entry, source_path
from srlib.data.registry import DATASETS, DatasetEntry, lookup
from srlib.data.splits import split_images
from srlib.data.verify import ensure_verified
from srlib.errors import SRLibError
from srlib.image.crop import modcrop
from srlib.image.io import list_images, read_image, write_image

__all__ = ["dataset_path", "load_images", "validation_images"]


def _as_folder(path: Path) -> Path:
    if not path.exists():
        raise SRLibError(
            f"data folder not found: {path} — check the path, or use a registered dataset name ({', '.join(DATASETS)})"
        )
    if not path.is_dir():
        raise SRLibError(f"not a folder: {path} — give a folder of images or a registered dataset name")
    return path


def dataset_path(
    name_or_folder: str | os.PathLike,
    *,
    local: str | os.PathLike | None = None,
    download: bool = True,
    progress: bool = True,
) -> Path:
    """Folder of HR images for a registered dataset name or an existing folder.

    ``local`` points at your own copy of a registered dataset (checked against the
    manifest, then used in place). ``download=False`` never touches the network.
    """
    is_path = isinstance(name_or_folder, os.PathLike)
    entry = None if is_path else lookup(str(name_or_folder))

    if local is not None:
        if entry is None:
            raise SRLibError(
                f"local= needs a registered dataset name, got {os.fspath(name_or_folder)!r} — "
                f"use one of {', '.join(DATASETS)}, or pass the folder itself as the first argument"
            )
        return ensure_verified(entry, _as_folder(Path(local).expanduser()), stamp_on_disk=False)

    if entry is None:
        path = Path(os.fspath(name_or_folder)).expanduser()
        if not path.exists() and not is_path and os.sep not in str(name_or_folder) and "/" not in str(name_or_folder):
            raise SRLibError(
                f"unknown dataset {str(name_or_folder)!r} and no such folder — use one of {', '.join(DATASETS)}, "
                "or give an existing folder of images"
            )
        return _as_folder(path)

    if entry.kind == "embedded":
        return _materialise_photos(cache_dir() / entry.name)
    if entry.kind == "split":  # its images are named files of the parent's folder
        return dataset_path(entry.split_of, download=download, progress=progress)

    cached = find_cached_folder(entry)
    if cached is not None:
        return ensure_verified(entry, cached, stamp_on_disk=True, progress=progress)
    if not download:
        raise SRLibError(
            f"{entry.name} is not in {cache_dir() / entry.name} and download=False — "
            f"call with download=True, or {entry.manual_hint()}"
        )
    return fetch_dataset(entry, progress=progress)


def load_images(
    name_or_folder: str | os.PathLike, *, limit: int | None = None, download: bool = True
) -> list[tuple[str, np.ndarray]]:
    """``(name, uint8 image)`` pairs, sorted by file name; ``limit`` keeps only the first few."""
    if limit is not None and int(limit) < 1:
        raise SRLibError(f"limit={limit}: give a positive number of images, or None for all")
    folder = dataset_path(name_or_folder, download=download)
    entry = None if isinstance(name_or_folder, os.PathLike) else lookup(str(name_or_folder))
    if entry is not None and entry.kind == "split":
        return split_images(entry, folder)[:limit]
    files = list_images(folder)  # a clear error for an empty folder
    if limit is not None:
        files = files[: int(limit)]
    return [(path.stem, read_image(path)) for path in files]


def validation_images(
    name_or_folder: str | os.PathLike, scale: int, *, limit: int | None = None
) -> list[tuple[str, np.ndarray]]:
    """Evaluation ground truth: ``(name, modcrop(hr, scale))`` pairs, as the papers' test scripts make it."""
    return [(name, modcrop(hr, int(scale))) for name, hr in load_images(name_or_folder, limit=limit)]


def _build_photos(entry: DatasetEntry, target: Path) -> None:
    writable_cache_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for record in entry.images:
            write_image(staging / f"{record.name}.png", read_image(source_path(record)))
        if target.exists():
            shutil.rmtree(target)  # a stale or damaged copy: only srlib writes this folder
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _materialise_photos(target: Path) -> Path:
    """Make (or reuse, after checking it) the folder of PNG photos at ``target``."""
    entry = photo_entry()
    if target.is_dir():
        try:
            return ensure_verified(entry, target, stamp_on_disk=True)
        except SRLibError:
            pass  # outdated (e.g. another scikit-image version) or damaged: rebuild below
    _build_photos(entry, target)
    return ensure_verified(entry, target, stamp_on_disk=True)
