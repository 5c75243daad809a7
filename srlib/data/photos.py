"""The embedded ``photos`` dataset: photographs installed with scikit-image.

scikit-image's wheel ships a few photographs in ``skimage/data`` (most of its
sample data is downloaded on demand; these are not). Reading those files
directly needs no network, so every chapter has a dataset to run on offline.
``dataset_path("photos")`` (:mod:`srlib.data.datasets`) writes them once as PNGs into the
cache and checks the copies against the installed originals' decoded pixels.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from srlib.data.checksums import pixel_checksum
from srlib.data.registry import DatasetEntry, ImageRecord, get_entry
from srlib.errors import SRLibError
from srlib.image.io import read_image

__all__ = ["skimage_data_dir", "source_path", "photo_entry"]


def skimage_data_dir() -> Path:
    """The installed ``skimage/data`` folder, found without importing scikit-image."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise SRLibError("the 'photos' dataset needs scikit-image — install it with: pip install scikit-image")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def source_path(record: ImageRecord) -> Path:
    """The installed original of one embedded photograph; a one-line error if it is missing."""
    path = skimage_data_dir() / (record.file or f"{record.name}.png")
    if not path.is_file():
        raise SRLibError(
            f"photos: {path.name} is not in the installed scikit-image ({path.parent}) — "
            "install scikit-image>=0.22 from PyPI (its wheel ships this photograph)"
        )
    return path


@lru_cache(maxsize=4)
def _measured_records(records: tuple[ImageRecord, ...], data_dir: str) -> tuple[ImageRecord, ...]:
    measured = []
    for record in records:
        image = read_image(source_path(record))
        measured.append(replace(record, shape=tuple(image.shape), pixel_sha256=pixel_checksum(image)))
    return tuple(measured)


def photo_entry(entry: DatasetEntry | None = None) -> DatasetEntry:
    """The photos entry with shapes and pixel checksums measured on the installed originals."""
    entry = entry or get_entry("photos")
    return replace(entry, images=_measured_records(tuple(entry.images), str(skimage_data_dir())))
