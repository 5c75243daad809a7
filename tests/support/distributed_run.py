"""One process of the distributed-training tests: ``python -m tests.support.distributed_run JOB RUN_DIR``.

The CPU is split into ``--cpu-devices`` logical devices before TensorFlow starts, then
``JOB`` runs with the real engine (:func:`srlib.train.engine.train`) on small generated
images and writes what the test compares into ``RUN_DIR``:

- ``equal``: a tiny FSRCNN and a tiny SRGAN, each trained once on one device with the global
  batch and once mirrored over the logical devices with a per-replica batch; writes
  ``equal.npz`` (the four final weight lists);
- ``worker``: one worker of a multi-worker run (``TF_CONFIG`` in the environment) training
  ``--steps`` steps into ``RUN_DIR/run`` (sleeping ``--pause`` s a step, so a test can kill it
  mid-run); writes ``worker-<index>.npz`` (final weights and the step it resumed from).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from srlib.data.pipeline import training_dataset
from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.fsrcnn import FSRCNN
from srlib.models.srresnet import SRResNet
from srlib.seeding import seed_everything
from srlib.train.callbacks import PlainProgress
from srlib.train.distribute import make_strategy, split_cpu, worker_index
from srlib.train.engine import train
from srlib.train.srgan import SRGAN
from tests.support.synthetic import generated_images

QUIET = PlainProgress(stream=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process


class _Pause(keras.callbacks.Callback):
    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None) -> None:
        time.sleep(self.seconds)


def _fsrcnn_run(strategy, run_dir: Path, *, batch: int, steps: int, pause: float = 0.0):
    """A tiny FSRCNN x2 trained ``steps`` steps with ``batch`` patches per device."""
    images = generated_images(count=2, size=40)
    seed_everything(0)
    with strategy.scope():
        model = FSRCNN(2, d=8, s=4, m=1)
    initial = model.get_weights()
    data = functools.partial(training_dataset, images, scale=2, patch_size=16, batch_size=batch, seed=3)
    summary = train(model, data, steps=steps, scale=2, run_dir=run_dir, steps_per_epoch=5, steps_per_execution=1,
                    val_images=[("v", images[0])], tensorboard=False, progress=QUIET,
                    callbacks=[_Pause(pause)] if pause else [], jit_compile=False)  # fmt: skip
    moved = max(float(np.abs(a - b).max()) for a, b in zip(initial, model.get_weights()))
    return model.get_weights(), {**summary, "moved": moved}


def _srgan_run(strategy, run_dir: Path, *, batch: int, steps: int):
    images = generated_images(count=2, size=40)
    seed_everything(0)
    with strategy.scope():
        generator = SRResNet(2, num_blocks=1, filters=8, batch_norm=True)
        gan = SRGAN(generator, SRGANDiscriminator(patch_size=16, filters=4, dense_units=8), content="mse")
    initial = generator.get_weights()
    data = functools.partial(training_dataset, images, scale=2, patch_size=16, batch_size=batch, channels="rgb", seed=3)
    train(gan, data, steps=steps, scale=2, run_dir=run_dir, steps_per_epoch=steps, steps_per_execution=1,
          learning_rate=1e-3, tensorboard=False, progress=QUIET, jit_compile=False)  # fmt: skip
    moved = max(float(np.abs(a - b).max()) for a, b in zip(initial, generator.get_weights()))
    return gan.generator.get_weights() + gan.discriminator.get_weights(), moved


def equal(run_dir: Path, steps: int) -> None:
    one, mirrored = tf.distribute.get_strategy(), make_strategy("mirrored")
    assert mirrored.num_replicas_in_sync == 2, mirrored.num_replicas_in_sync
    arrays = {}
    for name, strategy, batch in (("one", one, 8), ("mirrored", mirrored, 4)):
        weights, summary = _fsrcnn_run(strategy, run_dir / f"fsrcnn-{name}", batch=batch, steps=steps)
        arrays.update({f"fsrcnn_{name}_{i}": w for i, w in enumerate(weights)})
        gan_weights, gan_moved = _srgan_run(strategy, run_dir / f"srgan-{name}", batch=batch, steps=2)
        arrays.update({f"srgan_{name}_{i}": w for i, w in enumerate(gan_weights)})
        arrays.update({f"moved_fsrcnn_{name}": summary["moved"], f"moved_srgan_{name}": gan_moved})
    np.savez(run_dir / "equal.npz", **arrays)


def worker(run_dir: Path, steps: int, pause: float) -> None:
    strategy = make_strategy("multiworker")
    weights, summary = _fsrcnn_run(strategy, run_dir / "run", batch=4, steps=steps, pause=pause)
    index = worker_index(strategy)
    arrays = {f"w_{i}": w for i, w in enumerate(weights)}
    np.savez(run_dir / f"worker-{index}.npz", resumed_from=summary["resumed_from"], step=summary["step"], **arrays)
    print(json.dumps({"worker": index, "resumed_from": summary["resumed_from"], "step": summary["step"]}))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=("equal", "worker"))
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--cpu-devices", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.0)
    args = parser.parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(1)  # two workers share this machine's two cores
    tf.config.threading.set_inter_op_parallelism_threads(1)
    split_cpu(args.cpu_devices)
    args.run_dir.mkdir(parents=True, exist_ok=True)
    if args.job == "equal":
        equal(args.run_dir, args.steps)
    else:
        worker(args.run_dir, args.steps, args.pause)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
