"""XLA or the plain TensorFlow graph: timed on this CPU for this model, once, and remembered (issue 23, item 3).

Which of the two trains a model faster depends on the CPU: on a 2-core Xeon with AMX the plain
graph (oneDNN) beat XLA for SRCNN and SRResNet, on an AVX2-only AMD EPYC XLA won for all four
course models (docs/performance.md). So for ``jit_compile="auto"`` the engine asks
:func:`tuned_jit_compile`, which times a few steps of both on copies of the model with a batch of
the training data's shape, picks the faster and caches the choice per CPU model, TensorFlow
version, model configuration, precision and batch shape in a JSON file
(``$SRLIB_TUNE_FILE``, default ``~/.cache/srlib/autotune.json``).

It does not tune where the answer is known or the timing would cost more than it can save: a
GPU (XLA), a bfloat16 model (no XLA: it bypasses oneDNN's bfloat16 kernels), a distributed
strategy, a model that trains itself (SRGAN), or a run shorter than :data:`MIN_RUN_STEPS` steps.
``SRLIB_TUNE=off`` turns it off everywhere; ``jit_compile=True``/``False`` (a recipe's
``jit_compile`` key) is never second-guessed. Precision is not tuned: it changes the numbers a
model learns, so it stays the recipe's or the caller's choice. Steps per call and threads were timed
too (docs/performance.md): the engine's 25 and TensorFlow's default threads were already the fastest.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from srlib.data.steady import steady_input
from srlib.files import atomic_write_json
from srlib.train.machine import cpu_model
from srlib.train.precision import is_mixed

__all__ = ["MIN_RUN_STEPS", "TUNE_VERSION", "tune_file", "tuned_jit_compile", "tuning_enabled", "tuning_key"]

MIN_RUN_STEPS = 300  # timing both takes at most 30 steps and two compilations
TUNE_VERSION = 1  # entries written by another version of this module are timed again
TIMED_ROUNDS = 2
STEPS_PER_TIMED_CALL = 5


def tuning_enabled() -> bool:
    """False when ``SRLIB_TUNE`` is ``off`` (or ``0``, ``false``, ``no``)."""
    return os.environ.get("SRLIB_TUNE", "on").strip().lower() not in ("off", "0", "false", "no")


def tune_file() -> Path:
    """Where the choices are kept: ``$SRLIB_TUNE_FILE``, else ``~/.cache/srlib/autotune.json``."""
    configured = os.environ.get("SRLIB_TUNE_FILE", "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "srlib" / "autotune.json"


def tuning_key(model: keras.Model, input_shape: tuple, target_shape: tuple, steps_per_execution: int) -> str:
    """One line naming everything the choice depends on: CPU, TensorFlow, model, precision, shapes."""
    config = json.dumps(_without_names(model.get_config()), sort_keys=True, default=str)
    digest = hashlib.sha256(config.encode()).hexdigest()[:12]
    policy = getattr(model, "dtype_policy", None)
    policy = policy.name if policy is not None else keras.config.dtype_policy().name
    return (
        f"{cpu_model()} | TF {tf.__version__} | {type(model).__name__} {model.name} {digest} | {policy} | "
        f"{tuple(input_shape)} -> {tuple(target_shape)} | {int(steps_per_execution)} steps per call"
    )


def _without_names(config: Any) -> Any:
    """A model's configuration without its layer names (Keras numbers them per session; speed does not care)."""
    if isinstance(config, dict):
        return {key: _without_names(value) for key, value in config.items() if key not in ("name", "inbound_nodes")}
    if isinstance(config, list):
        return [_without_names(value) for value in config]
    return config


def _read(path: Path) -> dict[str, Any]:
    """The cached choices; a missing, unreadable or damaged file counts as empty (it is rewritten)."""
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _write(path: Path, entries: dict[str, Any]) -> None:
    """Atomically, so an interrupted write leaves the old file; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, entries, indent=1)
    except OSError:
        pass


def _ms_per_step(model: keras.Model, jit_compile: bool, dataset, steps_per_execution: int, compile_model) -> float:
    """Milliseconds per step of a fresh copy of ``model`` compiled (by ``compile_model``, the engine's
    ``compile_for_training``) with or without XLA: one compiling call, then the faster of two timed calls
    of at most :data:`STEPS_PER_TIMED_CALL` steps (the copies cost 3 calls each, not a run's worth)."""
    steps = max(1, min(int(steps_per_execution), STEPS_PER_TIMED_CALL))
    copy = keras.models.clone_model(model)
    compile_model(copy, jit_compile=jit_compile, steps_per_execution=steps)
    copy.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)  # compiles
    timings = []
    for _ in range(TIMED_ROUNDS):
        start = time.perf_counter()
        copy.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
        timings.append(1000.0 * (time.perf_counter() - start) / steps)
    return min(timings)


def _plain_compile(model: keras.Model, *, jit_compile: bool, steps_per_execution: int) -> None:
    model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile, steps_per_execution=steps_per_execution)


def _skips(model, strategy, total_steps: int) -> bool:
    return (
        not tuning_enabled()
        or total_steps < MIN_RUN_STEPS
        or hasattr(model, "compile_for_training")  # trains itself (SRGAN): its own two optimizers
        or bool(tf.config.list_physical_devices("GPU"))
        or is_mixed(model)
        or (strategy is not None and strategy.num_replicas_in_sync > 1)
    )


def tuned_jit_compile(
    model: keras.Model, jit_compile: bool | str, train_data: Any, steps_per_execution: int, total_steps: int,
    strategy: tf.distribute.Strategy | None = None, compile_model: Callable | None = None,
) -> bool | str:  # fmt: skip
    """``jit_compile`` itself unless it is ``"auto"`` and tuning applies; then True or False, timed or cached.

    ``compile_model(model, jit_compile=..., steps_per_execution=...)`` compiles the copies that are timed
    (the engine passes its ``compile_for_training``; Keras' MSE and Adam otherwise)."""
    if jit_compile != "auto" or _skips(model, strategy, int(total_steps)):
        return jit_compile
    dataset = train_data(start_step=0) if callable(train_data) else train_data
    spec = dataset.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2 and all(s.shape.is_fully_defined() for s in spec)):
        return jit_compile  # batch shapes unknown until run time: nothing to time on
    input_shape, target_shape = tuple(spec[0].shape), tuple(spec[1].shape)
    key, path = tuning_key(model, input_shape, target_shape, steps_per_execution), tune_file()
    entries = _read(path)
    cached = entries.get(key)
    if isinstance(cached, dict) and cached.get("version") == TUNE_VERSION and isinstance(cached.get("xla"), bool):
        return cached["xla"]
    try:
        rng = np.random.default_rng(0)
        batch = (rng.random(input_shape, dtype=np.float32), rng.random(target_shape, dtype=np.float32))
        synthetic = steady_input(tf.data.Dataset.from_tensors(batch).repeat())
        compile_model = compile_model or _plain_compile
        ms = {xla: _ms_per_step(model, xla, synthetic, steps_per_execution, compile_model) for xla in (True, False)}
    except Exception as error:  # a model that cannot be cloned or compiled both ways: keep the default
        print(f"note: autotune skipped for {model.name} ({type(error).__name__}); using the default")
        return jit_compile
    choice = ms[True] < ms[False]
    entries[key] = {"version": TUNE_VERSION, "xla": choice, "ms_xla": round(ms[True], 2),
                    "ms_graph": round(ms[False], 2), "measured": time.strftime("%Y-%m-%d")}  # fmt: skip
    _write(path, entries)
    print(
        f"autotune: {model.name} trains with {'XLA' if choice else 'the plain TF graph'} on this CPU "
        f"({ms[True]:.1f} ms per step with XLA, {ms[False]:.1f} without; remembered in {path})"
    )
    return choice
