"""srlib.seeding: one seed repeats Python's, NumPy's and (once Keras is loaded) TensorFlow's draws; alone it loads no TensorFlow."""

from __future__ import annotations

import random
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

from srlib.seeding import seed_everything


def _draws() -> tuple:
    weights = keras.layers.Dense(3, kernel_initializer="glorot_uniform")
    weights.build((None, 4))  # initial weights: what a model built after seeding depends on
    tf_draw = tf.random.uniform([2]).numpy().tolist()  # TensorFlow's global generator (tf.data shuffles, dropout)
    return random.random(), float(np.random.rand()), weights.get_weights()[0].tolist(), tf_draw


def test_the_same_seed_repeats_every_generator():
    seed_everything(11)
    first = _draws()
    seed_everything(11)
    assert _draws() == first
    seed_everything(12)
    assert _draws() != first


def test_seeding_alone_does_not_import_tensorflow():
    code = (
        "import sys; from srlib.seeding import seed_everything; seed_everything(3); print('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"
