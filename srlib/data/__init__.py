"""Layer 3 — data: the dataset registry, verified downloads and the training pipeline.

* ``dataset_path(name_or_folder, local=..., download=...)`` — folder of HR images
* ``load_images(name_or_folder, limit=...)`` — ``[(name, uint8 image), ...]``
* ``load_or_fallback(name, ...)`` — the same, from the cache or ``../shared``, else a few photos
* ``validation_images(name_or_folder, scale)`` — modcropped ground truth
* ``VALIDATION_SET`` (``"BSD200-val"``): the split models are chosen on; ``without_held_out`` drops it
  from its parent's training images
* ``registry()`` / ``DATASETS``, ``verify_folder(name, folder)``, ``pixel_checksum(image)``
* ``official_niqe_pristine(download=...)`` — the authors' NIQE pristine model, fetched and checked
* ``prepare_training_images(hr_images, scale=...)`` and ``training_dataset(prepared, ...)`` — the
  tf.data pipeline

Downloads land in ``$SRLIB_DATA`` (default ``~/.cache/srlib``); see datasets/README.md. The
registry and loaders import eagerly (no TensorFlow); the sources and the pipeline load on first
use (``lazy_loader``), so ``import srlib.data`` imports TensorFlow only when the pipeline is used.
"""

import lazy_loader

from srlib.data.cache import cache_dir
from srlib.data.checksums import pixel_checksum
from srlib.data.datasets import dataset_path, load_images, validation_images
from srlib.data.registry import DATASETS, DatasetEntry, registry  # the function, not the module of that name
from srlib.data.splits import VALIDATION_SET, held_out_names, without_held_out
from srlib.data.verify import Verification, verify_folder

__getattr__, _lazy_dir, _lazy_names = lazy_loader.attach(
    __name__,
    submodules=["niqe_official", "photos", "pipeline", "sources"],
    submod_attrs={
        "niqe_official": ["official_niqe_pristine"],
        "sources": ["ImageSet", "load_or_fallback", "shared_datasets_dir"],
        "pipeline": ["prepare_training_images", "training_dataset", "TrainingImages"],
    },
)

__all__ = [
    "dataset_path",
    "load_images",
    "validation_images",
    "VALIDATION_SET",
    "held_out_names",
    "without_held_out",
    "registry",
    "DATASETS",
    "DatasetEntry",
    "pixel_checksum",
    "verify_folder",
    "Verification",
    "cache_dir",
    *_lazy_names,
]


def __dir__() -> list[str]:
    return sorted(__all__)
