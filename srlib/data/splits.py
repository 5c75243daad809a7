"""The validation split: images of a training set that are never trained on.

Models are chosen on a validation split, never on a test set (Set5 and Set14 only report).
A *split* is a registry entry of kind ``"split"``: named images of another registered dataset
(``split_of``), with their pixel checksums. The course's split is ``BSD200-val``, every 10th
BSD200 image; :func:`without_held_out` removes a split's images from its parent's training
images, so a recipe or a chapter that trains on BSD200 trains on the other 180.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from srlib.data.checksums import pixel_checksum
from srlib.data.registry import DATASETS, DatasetEntry, lookup
from srlib.errors import SRLibError
from srlib.image.io import list_images, read_image

__all__ = ["VALIDATION_SET", "held_out_names", "split_images", "without_held_out"]

VALIDATION_SET = "BSD200-val"  # the registry name every recipe and chapter chooses models on


def held_out_names(dataset: str) -> frozenset[str]:
    """Image names that splits of ``dataset`` hold out of training on it (empty for most datasets)."""
    entry = lookup(dataset)
    if entry is None:
        return frozenset()
    return frozenset(
        record.name for split in DATASETS.values() if split.split_of == entry.name for record in split.images
    )


def without_held_out(dataset: str, images: Sequence) -> list:
    """``dataset``'s ``(name, image)`` pairs without the images any split holds out of it
    (unnamed images, e.g. generated ones, are kept)."""
    held_out = held_out_names(dataset)
    return [item for item in images if not (isinstance(item, tuple) and item[0] in held_out)]


def split_images(entry: DatasetEntry, parent_folder: Path) -> list[tuple[str, np.ndarray]]:
    """The ``(name, image)`` pairs of split ``entry``, read from its parent's folder and checked pixel by pixel."""
    by_stem = {path.stem: path for path in list_images(parent_folder)}
    missing = [record.name for record in entry.images if record.name not in by_stem]
    if missing:
        raise SRLibError(
            f"{entry.name}: {parent_folder} lacks {len(missing)} of its images ({', '.join(missing[:3])}…) — "
            f"give a complete copy of {entry.split_of}"
        )
    images = []
    for record in entry.images:
        image = read_image(by_stem[record.name])
        if record.pixel_sha256 and pixel_checksum(image) != record.pixel_sha256:
            raise SRLibError(
                f"{entry.name}: {by_stem[record.name]} has other pixels than the split records — "
                f"replace {parent_folder} with an unmodified copy of {entry.split_of}"
            )
        images.append((record.name, image))
    return images
