"""Training on several devices and machines with TensorFlow's own engine, ``tf.distribute``.

``make_strategy(name)`` gives the strategy ``srlib train --strategy`` names:

- ``"one"``: TensorFlow's default strategy (one device: the GPU if there is one, else the CPU);
- ``"mirrored"``: :class:`tf.distribute.MirroredStrategy` over every GPU — or, on a machine
  without GPUs, over its logical CPU devices (``split_cpu(K)`` makes K of them, so
  synchronous data-parallel training can be tested on a laptop);
- ``"multiworker"``: :class:`tf.distribute.MultiWorkerMirroredStrategy`, configured by the
  standard ``TF_CONFIG`` environment variable (the cluster's workers and this one's index);
- ``"auto"``: ``"mirrored"`` when more than one GPU is visible, else ``"one"``.

Data-parallel training keeps one copy of the model per device (a *replica*); each takes a
slice of the batch, their gradients are summed with an all-reduce, and every copy applies
the same update (Goyal et al. 2017, arXiv:1706.02677, sec. 2 for the batch-size rules).
The recipe's ``batch_size`` is the batch of *one replica*; the global batch is
``batch_size x replicas`` (:func:`replicas`). Each worker (machine) reads its own stream
of batches, seeded by :func:`worker_seed` and positioned by the step, so a resumed run
sees the data it would have seen. Only the chief (worker 0) writes the run folder
(:func:`is_chief`); every worker resumes from the chief's checkpoint there.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator

import tensorflow as tf
from keras.src.backend.tensorflow import trainer as keras_tf_trainer

from srlib.data.steady import steady_input
from srlib.errors import SRLibError
from srlib.seeding import worker_seed

__all__ = [
    "STRATEGIES",
    "make_strategy",
    "split_cpu",
    "replicas",
    "workers",
    "worker_index",
    "is_chief",
    "is_distributed",
    "worker_seed",
    "distribute_data",
    "agreed_step",
    "barrier",
    "keras_fit_scope",
    "worker_datasets",
]

STRATEGIES = ("auto", "one", "mirrored", "multiworker")


def split_cpu(count: int) -> None:
    """Show TensorFlow ``count`` logical CPU devices (for mirrored training without GPUs).

    Must run before TensorFlow's first operation; an :class:`SRLibError` says so otherwise.
    """
    count = int(count)
    if count < 1:
        raise SRLibError(f"--cpu-devices {count}: give 1 or more logical CPU devices")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as error:
        raise SRLibError(
            f"--cpu-devices {count}: TensorFlow is already running, so its CPU can no longer be split — "
            "split it before the first TensorFlow operation (srlib train does)"
        ) from error


def _tf_config() -> dict:
    raw = os.environ.get("TF_CONFIG", "")
    if not raw:
        raise SRLibError(
            "--strategy multiworker needs TF_CONFIG, e.g. "
            """'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}' """
            "— set it on every worker (docs/training-at-scale.md)"
        )
    try:
        config = json.loads(raw)
        config["cluster"]["worker"], config["task"]["index"]  # noqa: B018 - both must be there
    except (ValueError, KeyError, TypeError) as error:
        raise SRLibError(
            f"TF_CONFIG is not a cluster description ({type(error).__name__}: {error}) — "
            "give cluster.worker (a list of host:port) and task.index"
        ) from error
    return config


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name`` (one of :data:`STRATEGIES`); see the module's text."""
    name = str(name).strip().lower()
    if name not in STRATEGIES:
        raise SRLibError(f"--strategy {name!r} is not one of {', '.join(STRATEGIES)} — pick one of those")
    gpus = tf.config.list_physical_devices("GPU")  # physical: listing logical devices would start TensorFlow
    if name == "auto":
        name = "mirrored" if len(gpus) > 1 else "one"
    if name == "one":
        return tf.distribute.get_strategy()
    if name == "multiworker":  # first, before anything starts TensorFlow: its collectives are set up at start
        _tf_config()
        implementation = tf.distribute.experimental.CommunicationImplementation
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=implementation.NCCL if gpus else implementation.RING
        )
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    devices = [d.name for d in tf.config.list_logical_devices("GPU" if gpus else "CPU")]
    # On CPUs NCCL is absent: gradients are summed by copying to one device and back.
    return tf.distribute.MirroredStrategy(
        devices, cross_device_ops=None if gpus else tf.distribute.ReductionToOneDevice()
    )


def _strategy(strategy: tf.distribute.Strategy | None) -> tf.distribute.Strategy:
    return strategy if strategy is not None else tf.distribute.get_strategy()


def replicas(strategy: tf.distribute.Strategy | None = None) -> int:
    """How many copies of the model train in step (all workers); the global batch is this x ``batch_size``."""
    return int(_strategy(strategy).num_replicas_in_sync)


def _cluster(strategy: tf.distribute.Strategy) -> tuple[int, int]:
    """(this worker's index, number of workers)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return 0, 1
    return int(resolver.task_id or 0), len(resolver.cluster_spec().as_dict().get("worker", [None]))


def workers(strategy: tf.distribute.Strategy | None = None) -> int:
    return _cluster(_strategy(strategy))[1]


def worker_index(strategy: tf.distribute.Strategy | None = None) -> int:
    return _cluster(_strategy(strategy))[0]


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """True on the worker that writes checkpoints, the best model and logs (worker 0)."""
    return worker_index(strategy) == 0


def is_distributed(strategy: tf.distribute.Strategy | None = None) -> bool:
    """More than one replica, or more than one worker: the engine shards data and keeps writes to the chief."""
    strategy = _strategy(strategy)
    return replicas(strategy) > 1 or workers(strategy) > 1


def distribute_data(
    strategy: tf.distribute.Strategy, make: Callable[[int, int], tf.data.Dataset]
) -> tf.distribute.DistributedDataset:
    """Each worker's own dataset, split among its devices.

    ``make(worker, local_replicas)`` returns the worker's batches, ``local_replicas`` x the
    per-replica batch each; every batch is cut into ``local_replicas`` consecutive slices, one
    per device. With one worker this is exactly a one-device run with the global batch.
    """

    def per_worker(context: tf.distribute.InputContext) -> tf.data.Dataset:
        local = max(1, context.num_replicas_in_sync // context.num_input_pipelines)
        dataset = make(context.input_pipeline_id, local)
        batch = dataset.element_spec[0].shape[0]
        if batch is None or batch % local:
            raise SRLibError(f"a worker's batch ({batch}) does not split evenly over its {local} devices")
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return dataset.rebatch(batch // local).with_options(options)

    return strategy.distribute_datasets_from_function(per_worker)


def worker_datasets(strategy: tf.distribute.Strategy, train_data, start_step: int):
    """The engine's data under a strategy: each worker's batches from ``start_step`` on, split over its devices.

    ``train_data`` is a function like :func:`srlib.data.pipeline.training_dataset` that takes
    ``start_step``, ``replicas`` (the worker's devices) and ``worker``; a plain dataset is passed
    on, and Keras then splits its batches, which are the global batch.
    """
    from_step = int(start_step)
    if not callable(train_data):
        return train_data.skip(from_step) if from_step else train_data

    def make(worker: int, local_replicas: int) -> tf.data.Dataset:
        try:
            dataset = train_data(start_step=from_step, replicas=local_replicas, worker=worker)
        except TypeError as error:
            raise SRLibError(
                "under a tf.distribute strategy train_data must take replicas= and worker= "
                f"(srlib.data.pipeline.training_dataset does): {error}"
            ) from error
        return steady_input(dataset)

    return distribute_data(strategy, make)


def agreed_step(strategy: tf.distribute.Strategy, step: int) -> int:
    """The resume step every worker found; an :class:`SRLibError` if they found different ones.

    A worker that cannot see the chief's run folder would start from step 0 while the others
    resume: their copies of the model would differ. Every worker must call this at the same point.
    """
    if workers(strategy) == 1:
        return int(step)
    value = tf.constant(float(step), tf.float64)

    @tf.function
    def means():  # ReduceOp has SUM and MEAN only: the steps are all equal exactly when mean(x^2) = mean(x)^2
        mean = strategy.run(lambda: tf.identity(value))
        square = strategy.run(lambda: tf.square(value))
        return (strategy.reduce(tf.distribute.ReduceOp.MEAN, mean, axis=None),
                strategy.reduce(tf.distribute.ReduceOp.MEAN, square, axis=None))  # fmt: skip

    mean, square = means()
    if float(square) - float(mean) ** 2 > 0.25:
        raise SRLibError(
            f"the workers resume from different steps (this one from {int(step)}, on average {float(mean):.0f}): "
            "every worker must see the chief's run folder — give all of them the same --run-dir on a shared filesystem"
        )
    return int(step)


def barrier(strategy: tf.distribute.Strategy) -> None:
    """Wait until every worker gets here (an all-reduce of nothing): after it, what the chief wrote before
    it (a stage's ``best.keras``, which the next stage starts from) is there for all. One worker: no wait."""
    if workers(strategy) == 1:
        return

    @tf.function
    def meet():
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(lambda: tf.constant(1.0)), axis=None)

    meet()


@contextlib.contextmanager
def keras_fit_scope(model, strategy: tf.distribute.Strategy) -> Iterator[None]:
    """Where the engine calls ``model.fit``: as it is, except under ``MultiWorkerMirroredStrategy``.

    There Keras 3.15 fails twice (keras-team/keras#20585): before tracing, ``fit`` averages a first
    batch over the workers to learn its shapes, and the collective reduce cannot take the
    ``(input, target)`` pair; after each step it averages the logged metrics over the workers along
    a batch axis that a scalar does not have. Inside this block the first is skipped (the shapes are
    then learnt while tracing the step, as Keras does without a strategy) and the logs are reduced
    the way one machine's are. That is exact: a Keras metric's variables are all-reduced on every
    update, so each worker already holds the global value.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        yield
        return
    multi_worker = keras_tf_trainer._collective_all_reduce_multi_worker
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    keras_tf_trainer._collective_all_reduce_multi_worker = lambda strategy: False
    try:
        yield
    finally:
        del model._maybe_symbolic_build
        keras_tf_trainer._collective_all_reduce_multi_worker = multi_worker
