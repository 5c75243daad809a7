"""Every training input srlib builds runs with a fixed prefetch and tf.data autotuning off (srlib.data.steady).

The autotuner's stalls were measured, not asserted here (docs/performance.md, "Input autotuning"):
these tests check that the options are in place where the engine, the pipeline and the benchmark
make their datasets, and that the data itself is unchanged.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from srlib.data.pipeline import training_dataset
from srlib.data.steady import PREFETCH_BATCHES, is_steady, steady_input


def _images():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (40, 44, 3), dtype=np.uint8) for _ in range(3)]


def test_steady_input_turns_autotuning_off_and_keeps_the_elements():
    plain = tf.data.Dataset.range(7)
    assert not is_steady(plain)
    steady = steady_input(plain)
    assert is_steady(steady) and list(steady.as_numpy_iterator()) == list(range(7))
    assert steady_input(steady) is steady  # applied once, however many layers ask for it
    assert PREFETCH_BATCHES >= 1


def test_the_training_pipeline_is_steady_and_still_reproducible():
    first = training_dataset(_images(), scale=2, patch_size=16, batch_size=4, seed=5)
    again = training_dataset(_images(), scale=2, patch_size=16, batch_size=4, seed=5, start_step=1)
    assert is_steady(first) and is_steady(again)
    batches = list(first.take(2).as_numpy_iterator())
    np.testing.assert_array_equal(batches[1][0], next(again.as_numpy_iterator())[0])


def test_the_engine_makes_any_dataset_steady():
    from srlib.train.engine import _dataset_at

    plain = tf.data.Dataset.from_tensors((np.zeros((2, 4, 4, 1), np.float32),) * 2).repeat()
    assert is_steady(_dataset_at(plain, 0)) and is_steady(_dataset_at(lambda start_step: plain, 3))


def test_the_benchmark_input_is_steady():
    from srlib.bench.train_step import _synthetic_batches

    assert is_steady(_synthetic_batches((8, 8, 1), (16, 16, 1), 2))
