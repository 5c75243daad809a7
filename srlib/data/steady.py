"""A ``tf.data`` input that keeps out of the training step's way: a fixed prefetch buffer, autotuning off.

tf.data's autotuner (on by default) keeps re-planning buffer sizes and map parallelism while
the pipeline runs. On a 2-core CPU that planning competes with the training step it feeds:
measured SRResNet steps then take about twice as long every few rounds (1,021 ms against
510 ms, see docs/performance.md, "Input autotuning"). With autotuning off, a map asked for
``AUTOTUNE`` parallelism uses one call per core and the buffer is the fixed one given here.

Options set by ``with_options`` hold for the whole pipeline, upstream stages included.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["PREFETCH_BATCHES", "is_steady", "steady_input"]

PREFETCH_BATCHES = 2  # one batch being consumed, one ready: enough when a batch takes less than a step to make


def is_steady(dataset: tf.data.Dataset) -> bool:
    """Whether ``dataset`` already runs with autotuning off (as :func:`steady_input` leaves it)."""
    return dataset.options().autotune.enabled is False


def steady_input(dataset: tf.data.Dataset, buffer: int = PREFETCH_BATCHES) -> tf.data.Dataset:
    """``dataset`` with ``buffer`` batches prefetched and tf.data autotuning off (unchanged if already so)."""
    if is_steady(dataset):
        return dataset
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(int(buffer)).with_options(options)
