"""patch_psnr_loss: 10 log10(MSE + floor) per patch, so each patch is fitted relative to its own error."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.losses.pixel import pixel_loss  # noqa: E402
from srlib.losses.psnr import PSNR_LOSS_FLOOR, patch_psnr_loss  # noqa: E402


def test_each_patch_scores_its_own_log_mse_and_the_batch_takes_the_mean():
    rng = np.random.default_rng(0)
    target = rng.random((3, 6, 6, 1), dtype=np.float32)
    prediction = target + rng.normal(0, [0.001, 0.01, 0.1], (6, 6, 1, 3)).transpose(3, 0, 1, 2).astype(np.float32)
    per_patch = np.mean((prediction - target) ** 2, axis=(1, 2, 3))
    expected = 10 * np.log10(per_patch + PSNR_LOSS_FLOOR)
    np.testing.assert_allclose(np.asarray(patch_psnr_loss(target, prediction)), expected, rtol=1e-5)
    np.testing.assert_allclose(float(pixel_loss("srlib>patch_psnr_loss")(target, prediction).numpy().mean()),
                               expected.mean(), rtol=1e-5)  # fmt: skip


def test_a_perfect_patch_sits_at_the_floor():
    patch = np.full((1, 4, 4, 1), 0.5, np.float32)
    assert float(patch_psnr_loss(patch, patch)[0]) == pytest.approx(10 * np.log10(PSNR_LOSS_FLOOR))  # -40 dB


def test_gradients_are_weighted_by_the_inverse_of_each_patchs_error():
    """Same-shaped errors, 10x apart: the MSE loss pulls 10x harder on the bad patch, this loss about equally."""
    target = np.zeros((2, 4, 4, 1), np.float32)
    prediction = tf.Variable(np.stack([np.full((4, 4, 1), 0.02), np.full((4, 4, 1), 0.2)]).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        log_loss = tf.reduce_sum(patch_psnr_loss(target, prediction))
        mse_loss = tf.reduce_sum(tf.reduce_mean(tf.square(prediction - target), axis=(1, 2, 3)))
    pull = [float(tf.norm(g)) for g in tf.unstack(tape.gradient(log_loss, prediction))]
    plain = [float(tf.norm(g)) for g in tf.unstack(tape.gradient(mse_loss, prediction))]
    assert plain[1] / plain[0] == pytest.approx(10, rel=1e-4)
    mse = np.array([0.02**2, 0.2**2])
    expected_ratio = (0.2 / (mse[1] + PSNR_LOSS_FLOOR)) / (0.02 / (mse[0] + PSNR_LOSS_FLOOR))
    assert pull[1] / pull[0] == pytest.approx(expected_ratio, rel=1e-4)
    assert pull[1] / pull[0] < 0.5  # the well-fitted patch is no longer drowned out


def test_an_unknown_srlib_loss_name_is_a_one_line_error():
    with pytest.raises(SRLibError, match="loss 'srlib>psnr' is not one of srlib's losses"):
        pixel_loss("srlib>psnr")
