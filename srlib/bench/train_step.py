"""``bench``: time training steps of the engine's configuration against plain eager Keras.

Both configurations train the same model (same initial weights) with MSE and Adam on
the same synthetic patches, in one process: FSRCNN on 11x11 LR patches -> 33x33 at x3
(the paper's training size is similar), SRCNN on 33x33 bicubic patches (TPAMI sec. 4.1),
batch 128. Ours: the engine's compiled train step — XLA (``jit_compile``) for FSRCNN,
TF graph with oneDNN for SRCNN (faster there, see ``resolve_jit_compile``) — several
steps per call (``steps_per_execution``), channels-last, a prefetched ``tf.data`` input. Plain:
``run_eagerly=True`` without XLA, one step per call — what a first Keras script does.
``precision="bf16"`` times our configuration in bfloat16 mixed precision
(:mod:`srlib.train.precision`; fast only on CPUs with AMX or AVX512-BF16); plain stays float32.
Ours is timed in rounds of ``steps`` steps until two rounds in a row agree within 5 %
(:func:`steady_timing`); plain, slow and steady, in one round.
"""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from srlib.bench.timing import MAX_TIMED_ROUNDS, bench_patch_shapes, steady_timing
from srlib.data.steady import steady_input
from srlib.errors import SRLibError
from srlib.models.zoo import build_model
from srlib.seeding import seed_everything
from srlib.train.engine import DEFAULT_STEPS_PER_EXECUTION, compile_for_training, resolve_jit_compile
from srlib.train.precision import dtype_policy

__all__ = ["run_bench", "bench_patch_shapes", "bench_report", "steady_timing"]

BENCH_SEED = 0


def _time_fit(model, dataset, steps: int, warmup: int, max_rounds: int = 1) -> tuple[float, int]:
    """Seconds per step of ``fit`` over ``steps`` steps after a compiling warm-up fit, and the timed rounds.

    With ``max_rounds`` > 1 the timed fit is repeated until steady (:func:`steady_timing`).
    """
    # shuffle=False: the data is a tf.data pipeline, for which Keras ignores shuffle (and warns).
    model.fit(dataset, epochs=1, steps_per_epoch=warmup, verbose=0, shuffle=False)

    def one_round() -> float:
        start = time.perf_counter()
        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
        return (time.perf_counter() - start) / steps

    return steady_timing(one_round, max_rounds=max_rounds)


def _synthetic_batches(input_shape: tuple, target_shape: tuple, batch_size: int) -> tf.data.Dataset:
    """One random batch repeated: the benchmark measures the training step, not image decoding."""
    rng = np.random.default_rng(BENCH_SEED)
    inputs = rng.random((batch_size,) + input_shape, dtype=np.float32)
    targets = rng.random((batch_size,) + target_shape, dtype=np.float32)
    return steady_input(tf.data.Dataset.from_tensors((inputs, targets)).repeat())


def _plain_ms_per_step(name: str, scale: int, weights: list, dataset: tf.data.Dataset, steps: int) -> float:
    """Milliseconds per step of plain eager Keras (``run_eagerly=True``, no XLA) from the same initial weights."""
    plain = build_model(name, scale)
    plain.set_weights(weights)
    plain.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mean_squared_error", run_eagerly=True)
    plain_steps = max(5, steps // 2)  # eager steps are slow and steady; fewer suffice
    return 1000.0 * _time_fit(plain, dataset, plain_steps, warmup=2)[0]


def run_bench(
    model: str = "fsrcnn",
    scale: int = 3,
    batch_size: int = 128,
    steps: int = 50,
    steps_per_execution: int | None = None,
    precision: str = "float32",
    lr_patch: int = 11,
    jit_compile: bool | str = "auto",
    plain: bool = True,
) -> dict[str, Any]:
    """Milliseconds per training step, ours vs plain eager Keras, on synthetic patches.

    Returns ``ms_per_step`` (ours), ``naive_ms_per_step`` (plain), ``speedup``, and the
    configuration measured (model, scale, batch, shapes, steps, threads, versions).
    ``steps`` is rounded to a multiple of ``steps_per_execution`` (default: ``steps``
    itself up to 25); the warm-up fit is one call of that many steps. ``jit_compile`` forces XLA on
    or off; ``plain=False`` skips the eager comparison (the GPU check times many configurations).
    """
    name = str(model).strip().lower()
    scale, batch_size, steps = int(scale), int(batch_size), int(steps)
    if steps < 1 or batch_size < 1:
        raise SRLibError(f"bench: steps ({steps}) and batch_size ({batch_size}) must be positive")
    input_shape, target_shape = bench_patch_shapes(name, scale, lr_patch=int(lr_patch))
    spe = int(steps_per_execution or min(steps, DEFAULT_STEPS_PER_EXECUTION))
    steps = max(spe, steps // spe * spe)
    dataset = _synthetic_batches(input_shape, target_shape, batch_size)

    seed_everything(BENCH_SEED)
    with dtype_policy(precision):
        ours = build_model(name, scale)
    initial_weights = ours.get_weights()
    multipliers = getattr(ours, "DECONV_LR_MULTIPLIER", None)  # FSRCNN sec. 3.3: the last layer at 0.1x
    compile_for_training(ours, lr_multipliers=multipliers, jit_compile=jit_compile, steps_per_execution=spe)
    seconds_ours, rounds = _time_fit(ours, dataset, steps, warmup=spe, max_rounds=MAX_TIMED_ROUNDS)
    ms_ours = 1000.0 * seconds_ours
    ms_plain = _plain_ms_per_step(name, scale, initial_weights, dataset, steps) if plain else None
    return {
        "model": name,
        "scale": scale,
        "batch_size": batch_size,
        "input_shape": list(input_shape),
        "target_shape": list(target_shape),
        "steps": steps,
        "steps_per_execution": spe,
        "jit_compile": resolve_jit_compile(ours, jit_compile),
        "precision": precision,
        "ms_per_step": round(ms_ours, 2),
        "timed_rounds": rounds,
        "naive_ms_per_step": round(ms_plain, 2) if plain else None,
        "speedup": round(ms_plain / ms_ours, 2) if plain else None,
        "threads": tf.config.threading.get_intra_op_parallelism_threads() or "all cores",
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def bench_report(result: dict[str, Any]) -> str:
    """A few plain lines summarising :func:`run_bench`'s result (what ``srlib bench`` prints)."""
    shape_in = "x".join(str(n) for n in result["input_shape"][:2])
    shape_out = "x".join(str(n) for n in result["target_shape"][:2])
    engine = "XLA" if result["jit_compile"] else "TF graph (oneDNN)"
    if result.get("precision", "float32") != "float32":
        engine += f", {result['precision']}"
    lines = [
        f"{result['model']} x{result['scale']}, batch {result['batch_size']}, {shape_in} -> {shape_out}, "
        f"threads: {result['threads']}, TF {result['tensorflow']}",
        f"  srlib engine ({engine}, {result['steps_per_execution']} steps per call): {result['ms_per_step']:.1f} ms/step"
        f" (faster of the last 2 of {result.get('timed_rounds', 1)} timed rounds)",
        f"  plain Keras (run_eagerly=True, no XLA):   {result['naive_ms_per_step']:.1f} ms/step",
        f"  speedup: {result['speedup']:.2f}x",
    ]
    return "\n".join(lines)
