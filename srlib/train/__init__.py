"""Layer 5 — training and inference: the fit engine, checkpoints, evaluation protocol, benchmark.

``train``, ``seed_everything``, ``run_bench``, ``train_gan``, ``GANTrainer`` and ``upscale`` are importable from here; Keras and
TensorFlow load on first use of one of them, not when this package is imported.
"""

from __future__ import annotations

import importlib

__all__ = ["train", "seed_everything", "run_bench", "train_gan", "GANTrainer", "upscale"]

_WHERE = {
    "train": "srlib.train.engine",
    "seed_everything": "srlib.train.engine",
    "run_bench": "srlib.train.bench",
    "train_gan": "srlib.train.gan",
    "GANTrainer": "srlib.train.gan",
    "upscale": "srlib.train.inference",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'srlib.train' has no attribute {name!r}")
