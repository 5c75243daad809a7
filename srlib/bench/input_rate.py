"""``srlib bench --input-data``: does the input pipeline keep up? Real patches against one synthetic batch.

Issue 23, item 4 asks that training on real data run at 95 % or more of the step rate on
synthetic data. This module trains one model (the engine's compiled step, as ``srlib train`` runs
it) on two inputs in turn: :func:`srlib.data.pipeline.training_dataset` on a dataset's images
(patches cut, flipped and converted per batch, in parallel with the step), and one batch of
those patches repeated (no input work at all). The rounds alternate, so a slower or busier
moment of the machine falls on both; the figure is the median over rounds of the
synthetic time over the real time (1.0: the pipeline costs nothing; 0.95: 5 % slower).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import keras
import tensorflow as tf

from srlib.bench.timing import bench_patch_shapes
from srlib.data.datasets import load_images
from srlib.data.pipeline import prepare_training_images, training_dataset
from srlib.data.steady import steady_input
from srlib.errors import SRLibError
from srlib.models.zoo import build_model
from srlib.seeding import seed_everything
from srlib.train.engine import DEFAULT_STEPS_PER_EXECUTION, compile_for_training, resolve_jit_compile
from srlib.train.machine import cpu_model

__all__ = ["INPUT_TARGET", "input_rate_report", "run_input_bench"]

INPUT_TARGET = 0.95  # issue 23: real data at 95 % of the synthetic step rate or better


def _seconds_per_step(model: keras.Model, dataset: tf.data.Dataset, steps: int) -> float:
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return (time.perf_counter() - start) / steps


def run_input_bench(
    data: str = "T91",
    model: str = "fsrcnn",
    scale: int = 3,
    batch_size: int = 128,
    lr_patch: int = 11,
    steps: int = 100,
    rounds: int = 8,
    jit_compile: bool | str = "auto",
) -> dict[str, Any]:
    """Milliseconds per step on real and on synthetic input, interleaved over ``rounds``, and their ratio.

    ``data`` is a dataset name or folder (:func:`srlib.data.load_images`); ``steps`` per round is
    rounded to a multiple of the engine's steps per call. ``jit_compile="auto"`` is the engine's
    rule (:func:`srlib.train.engine.resolve_jit_compile`), not the autotuner: the two inputs are
    timed with one compiled step.
    """
    name = str(model).strip().lower()
    scale, batch_size, rounds = int(scale), int(batch_size), int(rounds)
    if min(batch_size, rounds, int(steps)) < 1:
        raise SRLibError(f"bench --input-data: batch size, steps and rounds must be positive (got {batch_size}, "
                         f"{steps}, {rounds})")  # fmt: skip
    input_shape, target_shape = bench_patch_shapes(name, scale, lr_patch=int(lr_patch))
    spe = min(int(steps), DEFAULT_STEPS_PER_EXECUTION)
    steps = max(spe, int(steps) // spe * spe)
    seed_everything(0)
    network = build_model(name, scale)
    input_mode, channels = getattr(network, "input_mode", "lr"), "rgb" if target_shape[-1] == 3 else "y"
    images = load_images(data)
    prepared = prepare_training_images(images, scale=scale, patch_size=target_shape[0], input_mode=input_mode)
    real = training_dataset(prepared, scale=scale, patch_size=target_shape[0], batch_size=batch_size,
                            input_mode=input_mode, channels=channels)  # fmt: skip
    inputs, targets = next(iter(real))
    synthetic = steady_input(tf.data.Dataset.from_tensors((inputs.numpy(), targets.numpy())).repeat())
    multipliers = getattr(network, "DECONV_LR_MULTIPLIER", None)  # FSRCNN sec. 3.3: the last layer at 0.1x
    compile_for_training(network, lr_multipliers=multipliers, jit_compile=jit_compile, steps_per_execution=spe)
    for dataset in (real, synthetic):  # compile and warm up on both
        _seconds_per_step(network, dataset, spe)
    real_ms, synthetic_ms, ratios = [], [], []
    for _ in range(rounds):
        synthetic_ms.append(1000.0 * _seconds_per_step(network, synthetic, steps))
        real_ms.append(1000.0 * _seconds_per_step(network, real, steps))
        ratios.append(synthetic_ms[-1] / real_ms[-1])
    return {
        "model": name, "scale": scale, "batch_size": batch_size, "input_shape": list(input_shape),
        "target_shape": list(target_shape), "data": str(data), "images": prepared.count, "steps": steps,
        "rounds": rounds, "jit_compile": resolve_jit_compile(network, jit_compile),
        "real_ms_per_step": round(statistics.median(real_ms), 2),
        "synthetic_ms_per_step": round(statistics.median(synthetic_ms), 2),
        "rate_ratio": round(statistics.median(ratios), 3), "target": INPUT_TARGET, "cpu": cpu_model(),
    }  # fmt: skip


def input_rate_report(result: dict[str, Any]) -> str:
    """The lines ``srlib bench --input-data`` prints."""
    shape_in = "x".join(str(n) for n in result["input_shape"][:2])
    shape_out = "x".join(str(n) for n in result["target_shape"][:2])
    verdict = "keeps up" if result["rate_ratio"] >= result["target"] else "is the bottleneck"
    return "\n".join([
        f"{result['model']} x{result['scale']}, batch {result['batch_size']}, {shape_in} -> {shape_out}, "
        f"{'XLA' if result['jit_compile'] else 'TF graph'}; CPU: {result['cpu']}",
        f"  real patches ({result['data']}, {result['images']} images): {result['real_ms_per_step']:.1f} ms/step",
        f"  one synthetic batch repeated:  {result['synthetic_ms_per_step']:.1f} ms/step",
        f"  real-data step rate: {100 * result['rate_ratio']:.1f} % of synthetic (median of {result['rounds']} "
        f"interleaved rounds of {result['steps']} steps; target {100 * result['target']:.0f} %): the input {verdict}",
    ])  # fmt: skip
