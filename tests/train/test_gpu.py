"""GPU paths, run by ``python -m tools.gpu_check`` on a machine with a GPU (skipped elsewhere).

Precision chosen per device, float16 with loss scaling, XLA on by default, training mirrored over
the GPUs, and a model trained on the GPU shipping float32 weights that give the same output on the CPU.
"""

from __future__ import annotations

import functools
import io

import keras
import numpy as np
import pytest
import tensorflow as tf

from srlib.data.pipeline import training_dataset
from srlib.models.fsrcnn import FSRCNN
from srlib.train.callbacks import PlainProgress
from srlib.train.distribute import make_strategy, replicas
from srlib.train.engine import resolve_jit_compile, train
from srlib.train.precision import dtype_policy, float32_copy, gpu_compute_capabilities, resolve_precision
from tests.support.synthetic import generated_images

pytestmark = pytest.mark.gpu


def _train(tmp_path, precision: str, strategy=None, steps: int = 20) -> tuple[keras.Model, dict]:
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope(), dtype_policy(precision):
        model = FSRCNN(3, d=16, s=8, m=2)
    images = generated_images(count=2, size=66)
    data = functools.partial(training_dataset, images, scale=3, patch_size=33, batch_size=16)
    summary = train(model, data, steps=steps, scale=3, run_dir=tmp_path / precision, steps_per_epoch=10,
                    val_images=[("v", images[0])], tensorboard=False, progress=PlainProgress(stream=io.StringIO()))  # fmt: skip
    return model, summary


def test_auto_precision_is_bf16_or_fp16_by_the_gpu_s_compute_capability():
    capability = min(gpu_compute_capabilities())
    assert resolve_precision("auto") == ("bf16" if capability >= (8, 0) else "fp16")


def test_xla_is_on_by_default_on_a_gpu():
    assert resolve_jit_compile(FSRCNN(3), "auto") is True


@pytest.mark.parametrize("precision", ["float32", "bf16", "fp16"])
def test_each_precision_trains_with_finite_losses_and_validates_as_float32(tmp_path, precision):
    model, summary = _train(tmp_path, precision)
    assert np.isfinite(summary["history"]["loss"]).all() and np.isfinite(summary["history"]["val_psnr"]).all()
    if precision == "fp16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert float32_copy(model).dtype_policy.name == "float32"


def test_mirrored_over_the_gpus_trains(tmp_path):
    strategy = make_strategy("mirrored")
    assert replicas(strategy) == len(tf.config.list_physical_devices("GPU"))
    _, summary = _train(tmp_path, "float32", strategy=strategy)
    assert summary["step"] == 20


def test_a_model_trained_on_the_gpu_gives_the_same_output_on_the_cpu(tmp_path):
    model, _ = _train(tmp_path, "float32", steps=10)
    lr = np.random.default_rng(0).random((1, 40, 40, 1), dtype=np.float32)
    on_gpu = model(lr).numpy()
    with tf.device("/CPU:0"):
        on_cpu = model(lr).numpy()
    np.testing.assert_allclose(on_gpu, on_cpu, atol=2e-3)
