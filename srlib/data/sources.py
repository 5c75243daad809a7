"""Load a dataset from wherever it is, or fall back to the offline photos — never fail offline.

Chapters want "Set5 if we can have it, else the bundled photos" (and the same for
T91). :func:`load_or_fallback` tries, in order:

1. a *shared* copy: ``$SRLIB_SHARED/datasets/<name>``, else ``../shared/datasets/<name>``
   beside the checkout (a classroom's or the maintainers' read-only folder), checked
   against the manifest and used in place;
2. the data cache (``$SRLIB_DATA/<name>``), downloading into it when ``download``;
3. ``fallback`` (default: the embedded ``photos``, always available).

It returns the images together with a one-line note saying where they came from,
so the notebook can print it instead of failing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from srlib.data.datasets import dataset_path, load_images
from srlib.data.registry import lookup
from srlib.data.splits import split_images, without_held_out
from srlib.errors import SRLibError

__all__ = ["ImageSet", "load_or_fallback", "shared_datasets_dir"]

SHARED_ENV = "SRLIB_SHARED"


@dataclass(frozen=True)
class ImageSet:
    """Images loaded by :func:`load_or_fallback`: what was asked, what was used, and why."""

    requested: str
    name: str  # the dataset actually loaded (``requested`` or the fallback)
    images: list[tuple[str, np.ndarray]]
    note: str  # one line: where the images came from

    @property
    def is_fallback(self) -> bool:
        return self.name != self.requested


def shared_datasets_dir() -> Path | None:
    """``$SRLIB_SHARED/datasets`` if set, else the nearest ``shared/datasets`` in or above the working
    directory (a checkout with ``../shared`` beside it, run from the checkout or its ``notebooks/``);
    None if there is none."""
    configured = os.environ.get(SHARED_ENV, "").strip()
    if configured:
        folder = Path(configured).expanduser() / "datasets"
        return folder if folder.is_dir() else None
    cwd = Path.cwd()
    for base in (cwd, *cwd.parents):
        folder = base / "shared" / "datasets"
        if folder.is_dir():
            return folder
    return None


def _shared_copy(name: str) -> Path | None:
    shared = shared_datasets_dir()
    entry = lookup(name)
    if shared is None or entry is None:
        return None
    parent = entry.split_of or entry.name  # a split is read from its parent's copy
    folder = shared / parent
    if not folder.is_dir():
        return None
    try:
        return dataset_path(parent, local=folder, download=False)
    except SRLibError:
        return None  # a shared copy that fails its manifest check is not used


def load_or_fallback(
    name: str,
    *,
    fallback: str = "photos",
    download: bool = True,
    limit: int | None = None,
    for_training: bool = False,
) -> ImageSet:
    """Images of dataset ``name`` from a shared copy, the cache or a download; else ``fallback``'s.

    ``download=False`` never touches the network (smoke runs, CI). ``limit`` keeps the
    first few images (sorted by name). ``for_training=True`` leaves out the images the
    validation split holds out (BSD200 without BSD200-val).
    """

    def kept(images: list) -> list:
        return without_held_out(name, images)[:limit] if for_training else images

    folder = _shared_copy(name)
    if folder is not None:
        entry = lookup(name)
        if entry is not None and entry.kind == "split":
            images = split_images(entry, folder)[:limit]
        else:
            images = kept(load_images(folder, limit=None if for_training else limit))
        return ImageSet(name, name, images, f"{name}: shared copy in {folder}")
    try:
        images = kept(load_images(name, limit=None if for_training else limit, download=download))
        return ImageSet(name, name, images, f"{name}: from the data cache")
    except SRLibError as error:
        reason = str(error).split(" — ")[0]
    images = load_images(fallback, limit=limit, download=download)
    return ImageSet(name, fallback, images, f"{name} is not available ({reason}): using {fallback} instead")
