"""One seed for every random generator a run draws from: Python's, NumPy's and, once Keras is loaded, TensorFlow's.

A model's initial weights, the training patches and their order all come from these
generators, so seeding them before building a model makes a run repeatable (the
engine's resume test relies on it). TensorFlow is seeded only when Keras is already
imported: a chapter that trains nothing never pays for importing it.
"""

from __future__ import annotations

import random
import sys

import numpy as np

__all__ = ["DEFAULT_SEED", "seed_everything", "worker_seed"]

DEFAULT_SEED = 0
# A large prime keeps the workers' data streams apart for any recipe seed (seed 0 included).
_WORKER_STRIDE = 1_000_003


def worker_seed(seed: int, worker: int) -> int:
    """The data seed of worker ``worker`` in multi-machine training (:mod:`srlib.train.distribute`).

    Worker 0 keeps ``seed`` itself, so one worker sees exactly a one-device run's batches.
    """
    return int(seed) + _WORKER_STRIDE * int(worker)


def seed_everything(seed: int = DEFAULT_SEED) -> None:
    """Seed Python and NumPy, and Keras/TensorFlow when Keras is imported (``keras.utils.set_random_seed``)."""
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras, tf = sys.modules.get("keras"), sys.modules.get("tensorflow")
    if keras is not None:
        keras.utils.set_random_seed(seed)  # also resets Keras' global SeedGenerator and seeds the TF backend
    elif tf is not None:
        tf.random.set_seed(seed)  # TensorFlow alone (a tf.data pipeline before any model)
