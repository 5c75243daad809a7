"""Layer 3 — data: the dataset registry, verified downloads and the training pipeline.

* ``dataset_path(name_or_folder, local=..., download=...)`` — folder of HR images
* ``load_images(name_or_folder, limit=...)`` — ``[(name, uint8 image), ...]``
* ``validation_images(name_or_folder, scale)`` — modcropped ground truth
* ``registry()`` / ``DATASETS``, ``verify_folder(name, folder)``, ``pixel_checksum(image)``
* ``training_dataset(hr_images, scale=..., patch_size=..., batch_size=...)`` — tf.data
  pipeline (imported on first use: TensorFlow loads only when it is needed)

Downloads land in ``$SRLIB_DATA`` (default ``~/.cache/srlib``); see datasets/README.md.
"""

from srlib.data.cache import cache_dir
from srlib.data.checksums import pixel_checksum
from srlib.data.datasets import dataset_path, load_images, validation_images
from srlib.data.registry import DATASETS, DatasetEntry, registry
from srlib.data.verify import Verification, verify_folder

__all__ = [
    "dataset_path",
    "load_images",
    "validation_images",
    "registry",
    "DATASETS",
    "DatasetEntry",
    "pixel_checksum",
    "verify_folder",
    "Verification",
    "cache_dir",
    "training_dataset",
]


def __getattr__(name: str):
    if name == "training_dataset":
        from srlib.data.pipeline import training_dataset

        return training_dataset
    raise AttributeError(f"module 'srlib.data' has no attribute {name!r}")
