"""Mixed precision for training: bfloat16 arithmetic, float32 weights (Micikevicius et al. 2018).

Under Keras' ``mixed_bfloat16`` policy the layers compute in bfloat16 while the variables
(and the optimizer's update) stay float32. bfloat16 keeps float32's exponent range, so no
loss scaling is needed. It only pays off on hardware with bfloat16 units: recent Xeons
(AMX, AVX512-BF16) through oneDNN, TPUs, recent GPUs. Measured on this course's 2-core
Xeon with AMX, an SRResNet x4 training step (batch 16, 24x24 LR) takes 231 ms instead of
598 ms. On a CPU without those units it is slower than float32, so float32 stays the default.

On GPUs the choice depends on the chip (:func:`resolve_precision`, ``precision = "auto"``):
bfloat16 where it has bfloat16 tensor cores (compute capability 8.0 and newer: A100, H100,
RTX 30xx on), else float16 (``mixed_float16``), whose narrow exponent range needs dynamic
loss scaling (:func:`loss_scaled`, Micikevicius et al. 2018, sec. 3.2); CPUs stay float32.

Build the model inside :func:`dtype_policy`; ship it as float32 with :func:`float32_copy`
(an exported model then loads and runs in full precision everywhere).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import keras
import tensorflow as tf

from srlib.errors import SRLibError

__all__ = ["PRECISIONS", "dtype_policy", "float32_copy", "cpu_has_bfloat16", "bfloat16_warning", "is_mixed",
           "resolve_precision", "loss_scaled", "gpu_compute_capabilities"]  # fmt: skip

# Course name -> Keras dtype policy ("auto" is resolved per device by resolve_precision).
PRECISIONS = {"float32": "float32", "bf16": "mixed_bfloat16", "fp16": "mixed_float16", "auto": None}


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """The CUDA compute capability of every GPU TensorFlow sees (empty without GPUs)."""
    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability:
            found.append((int(capability[0]), int(capability[1])))
    return found


def resolve_precision(precision: str, capabilities: list[tuple[int, int]] | None = None) -> str:
    """``"auto"`` made concrete for this machine: ``"bf16"`` on GPUs of compute capability 8.0 or newer,
    ``"fp16"`` on older GPUs, ``"float32"`` on CPUs; any other name is returned as it is."""
    if precision not in PRECISIONS:
        raise SRLibError(f"precision {precision!r} is not one of {sorted(PRECISIONS)} — pick one of those")
    if precision != "auto":
        return precision
    capabilities = gpu_compute_capabilities() if capabilities is None else capabilities
    if not capabilities:
        return "float32"
    return "bf16" if min(capabilities) >= (8, 0) else "fp16"


def _policy_name(precision: str) -> str:
    return PRECISIONS[resolve_precision(precision)]


def loss_scaled(model, optimizer):
    """``optimizer`` wrapped in Keras' dynamic :class:`~keras.optimizers.LossScaleOptimizer` when ``model``
    computes in float16 (small gradients would underflow to zero otherwise); else ``optimizer`` itself."""
    float16 = any(layer.compute_dtype == "float16" for layer in getattr(model, "layers", []) if layer.weights)
    return keras.optimizers.LossScaleOptimizer(optimizer) if float16 else optimizer


@contextlib.contextmanager
def dtype_policy(precision: str = "float32") -> Iterator[None]:
    """Layers created inside this block use ``precision`` (``"float32"``, ``"bf16"``, ``"fp16"`` or ``"auto"``)."""
    policy = _policy_name(precision)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def is_mixed(model) -> bool:
    """True if any layer of ``model`` computes in a dtype other than its float32 variables."""
    return any(layer.compute_dtype != layer.variable_dtype for layer in model.layers if layer.weights)


def float32_copy(model):
    """A float32 model with ``model``'s architecture and weights (``model`` itself if already float32)."""
    if not is_mixed(model):
        return model
    with dtype_policy("float32"):
        copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def cpu_has_bfloat16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """Whether the CPU advertises bfloat16 arithmetic (AMX-BF16 or AVX512-BF16); False if unknown."""
    try:
        flags = set(Path(cpuinfo).read_text().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def bfloat16_warning(precision: str, cpuinfo: str | Path = "/proc/cpuinfo", gpus: int | None = None) -> str | None:
    """A one-line warning when ``precision`` is bf16 on a CPU-only machine without bfloat16 units, else None.

    There bfloat16 is emulated and a step is slower than in float32; the run still works.
    ``gpus`` defaults to the number TensorFlow sees (a GPU has its own bfloat16 support).
    """
    precision = resolve_precision(precision)
    if precision == "float32":
        return None
    if gpus is None:
        gpus = len(tf.config.list_physical_devices("GPU"))
    if gpus:
        return None
    if precision == "fp16":
        return "warning: precision fp16 on a CPU is emulated and slower than float32 — use it on GPUs only"
    if cpu_has_bfloat16(cpuinfo):
        return None
    return (
        "warning: --precision bf16 on a CPU without bfloat16 units (no amx_bf16/avx512_bf16 in /proc/cpuinfo) "
        "runs slower than float32 — drop --precision bf16 on this machine"
    )
