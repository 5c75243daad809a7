"""SRGAN's parts: the discriminator (fig. 4) for any patch size, content and VGG losses, adversarial losses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from srlib import losses
from srlib.errors import SRLibError
from srlib.models.discriminator import DISCRIMINATOR_FEATURE_LAYERS, SRGANDiscriminator

REPO = Path(__file__).resolve().parents[2]


def _images(n, size, seed=0):
    return np.random.default_rng(seed).random((n, size, size, 3)).astype(np.float32)


# --- discriminator ---------------------------------------------------------------------------------


def test_discriminator_follows_figure_4():
    d = SRGANDiscriminator(filters=64)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.strides for c in convs] == [(1, 1), (2, 2)] * 4
    assert all(c.kernel_size == (3, 3) for c in convs)
    norms = [layer.name for layer in d.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms == [f"block_{k}_bn" for k in range(2, 9)]  # BN after all but the first convolution
    slopes = {layer.negative_slope for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)}
    assert slopes == {0.2}
    dense = [layer for layer in d.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.units, layer.activation.__name__) for layer in dense] == [(1024, "linear"), (1, "linear")]


@pytest.mark.parametrize("size", [16, 24, 33, 96])
def test_pooled_discriminator_judges_any_size(size):
    d = SRGANDiscriminator(filters=8, dense_units=16)
    logits = d(_images(2, size), training=False)
    assert tuple(logits.shape) == (2, 1) and np.all(np.isfinite(logits))


@pytest.mark.parametrize("patch_size", [16, 24, 96])
def test_flattening_discriminator_is_the_papers_for_its_patch_size(patch_size):
    d = SRGANDiscriminator(patch_size=patch_size, filters=8, dense_units=16)
    cells = -(-patch_size // 16)  # four stride-2 'same' convolutions
    assert d.get_layer("dense").kernel.shape == (cells * cells * 64, 16)
    assert tuple(d(_images(3, patch_size)).shape) == (3, 1)
    with pytest.raises(ValueError):
        d(_images(1, patch_size + 16))


def test_paper_discriminator_size_at_96_pixels():
    # 96x96 patches -> 6x6x512 flattened -> 1024 -> 1: 23.6 M weights.
    assert SRGANDiscriminator(patch_size=96).count_params() == 23_567_361


def test_discriminator_saves_and_reloads(tmp_path):
    d = SRGANDiscriminator(filters=8, dense_units=16)
    x = _images(2, 20)
    path = tmp_path / "d.keras"
    d.save(path)
    again = keras.models.load_model(path)
    assert isinstance(again, SRGANDiscriminator) and again.get_config() == d.get_config()
    np.testing.assert_allclose(again(x), d(x), rtol=1e-6, atol=1e-6)


def test_feature_model_shares_weights_and_gives_four_scales():
    d = SRGANDiscriminator(filters=8, dense_units=16)
    outputs = d.feature_model()(_images(1, 32))
    assert len(outputs) == 1 + len(DISCRIMINATOR_FEATURE_LAYERS)
    np.testing.assert_allclose(outputs[0], d(_images(1, 32)), rtol=1e-6)
    assert [tuple(f.shape[1:]) for f in outputs[1:]] == [(16, 16, 8), (8, 8, 16), (4, 4, 32), (2, 2, 64)]


def test_bad_patch_size_is_one_line():
    with pytest.raises(SRLibError, match="patch_size=0"):
        SRGANDiscriminator(patch_size=0)


# --- content losses --------------------------------------------------------------------------------


def test_vgg_preprocess_is_caffes_convention():
    # 0..255, RGB -> BGR, the ImageNet mean of each BGR channel subtracted (Simonyan & Zisserman's VGG).
    x = _images(2, 8)
    expected = 255.0 * x[..., ::-1] - np.array([103.939, 116.779, 123.68], np.float32)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(losses.vgg_preprocess(x)), expected, rtol=1e-6, atol=1e-4)


@pytest.fixture(scope="module")
def untrained_vgg54():
    return losses.vgg_features("vgg54", weights=None, seed=3)


def test_untrained_vgg_says_so_and_is_seeded(capsys):
    first = losses.vgg_features("vgg22", weights=None, seed=0)
    assert "WARNING: VGG19 features (vgg22) are UNTRAINED" in capsys.readouterr().out
    state = np.random.get_state()[1].copy()
    again, other = (
        losses.vgg_features("vgg22", weights=None, seed=0),
        losses.vgg_features("vgg22", weights=None, seed=1),
    )
    assert np.array_equal(state, np.random.get_state()[1])  # no global seed reset behind the caller's back
    for a, b, c in zip(first.get_weights(), again.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
        if a.ndim == 4:
            assert not np.array_equal(a, c)


def test_vgg_layers_are_the_papers_and_truncated():
    vgg22 = losses.vgg_features("vgg22", weights=None)
    vgg54 = losses.vgg_features("vgg54", weights=None)
    assert vgg22.layers[-1].name == "block2_conv2" and vgg54.layers[-1].name == "block5_conv4"
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in vgg22.layers) == 4
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in vgg54.layers) == 16
    assert tuple(vgg22(np.zeros((1, 32, 32, 3), np.float32)).shape) == (1, 16, 16, 128)
    assert tuple(vgg54(np.zeros((1, 32, 32, 3), np.float32)).shape) == (1, 2, 2, 512)
    assert not vgg54.trainable_variables


def test_vgg_loss_is_feature_mse_rescaled_by_12_75(untrained_vgg54):
    loss = losses.VGGContentLoss("vgg54", features=untrained_vgg54)
    sr, hr = _images(2, 32, seed=1), _images(2, 32, seed=2)

    def phi(x):
        return untrained_vgg54(keras.applications.vgg19.preprocess_input(x * 255.0)).numpy()

    raw = np.mean((phi(sr) - phi(hr)) ** 2)
    value = float(loss(sr, hr))
    np.testing.assert_allclose(value, raw / 12.75**2, rtol=1e-4)
    assert value > 0 and float(loss(hr, hr)) == 0.0


def test_vgg_loss_gradient_flows_to_sr_only(untrained_vgg54):
    loss = losses.VGGContentLoss("vgg54", features=untrained_vgg54)
    sr, hr = tf.Variable(_images(1, 32, seed=1)), tf.Variable(_images(1, 32, seed=2))
    with tf.GradientTape() as tape:
        value = loss(sr, hr)
    grad_sr, grad_hr = tape.gradient(value, [sr, hr])
    assert grad_hr is None and float(tf.reduce_sum(tf.abs(grad_sr))) > 0


@pytest.mark.slow
def test_offline_without_weights_is_one_line_naming_the_fix_or_an_announced_fallback(tmp_path):
    # A real failed download: an empty Keras cache and a proxy that refuses every connection.
    code = (
        "from srlib.losses.perceptual import vgg_features\n"
        "from srlib.errors import SRLibError\n"
        "try:\n    vgg_features('vgg54')\nexcept SRLibError as e:\n    print('ERROR:' + str(e))\n"
        "print('SHAPE:', vgg_features('vgg54', allow_untrained=True, seed=0).output.shape)\n"
    )
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "keras"), TF_CPP_MIN_LOG_LEVEL="3")
    env.update({k: "http://127.0.0.1:9" for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")})
    env.pop("NO_PROXY", None), env.pop("no_proxy", None)
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=120, cwd=REPO
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("ERROR:")]
    assert len(lines) == 1, result.stdout + result.stderr
    message = lines[0]
    assert "srlib pack" in message and "KERAS_HOME" in message
    assert (
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in message and str(tmp_path / "keras" / "models") in message
    )
    # The smoke profile's explicit fallback works offline and says so in one line.
    warnings = [line for line in result.stdout.splitlines() if "UNTRAINED" in line]
    assert len(warnings) == 1 and warnings[0].startswith("WARNING: VGG19 features (vgg54)")
    assert "SHAPE: (None, None, None, 512)" in result.stdout


def test_unknown_content_loss_is_refused():
    with pytest.raises(SRLibError, match="content='vgg33'"):
        losses.content_loss("vgg33")
    assert losses.content_loss("mse") is losses.pixel_mse and losses.content_loss("dfeat") is None


def test_pixel_mse_and_feature_matching_on_known_values():
    a, b = np.zeros((1, 2, 2, 1), np.float32), np.full((1, 2, 2, 1), 0.5, np.float32)
    assert float(losses.pixel_mse(a, b)) == 1.0  # on [-1, 1] (SRGAN sec. 3.2): 4 x the [0, 1] MSE of 0.25
    # Each layer counts the same however large: (0.25 + 1.0) / 2.
    small, large = np.ones((1, 1, 1, 1), np.float32), np.full((1, 4, 4, 8), 0.5, np.float32)
    value = losses.feature_matching_loss([small * 0, large * 0], [small, large])
    np.testing.assert_allclose(float(value), (1.0 + 0.25) / 2)


# --- adversarial losses ----------------------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, np.float64)))


REAL = np.array([[2.0], [0.5], [-0.3]], np.float32)
FAKE = np.array([[-1.0], [1.5], [0.1]], np.float32)


def test_standard_losses_are_bce_and_minus_log_d():
    d_expected = -np.mean(np.log(_sigmoid(REAL))) - np.mean(np.log(1 - _sigmoid(FAKE)))
    g_expected = -np.mean(np.log(_sigmoid(FAKE)))
    np.testing.assert_allclose(float(losses.discriminator_loss(REAL, FAKE)), d_expected, rtol=1e-5)
    np.testing.assert_allclose(float(losses.generator_adversarial_loss(FAKE)), g_expected, rtol=1e-5)


def test_relativistic_average_losses_follow_esrgan_eq_2():
    d_ra_real = _sigmoid(REAL - FAKE.mean())  # D_Ra(x_r, x_f)
    d_ra_fake = _sigmoid(FAKE - REAL.mean())  # D_Ra(x_f, x_r)
    d_expected = -np.mean(np.log(d_ra_real)) - np.mean(np.log(1 - d_ra_fake))
    g_expected = -np.mean(np.log(1 - d_ra_real)) - np.mean(np.log(d_ra_fake))
    np.testing.assert_allclose(float(losses.discriminator_loss(REAL, FAKE, relativistic=True)), d_expected, rtol=1e-5)
    g_value = losses.generator_adversarial_loss(FAKE, REAL, relativistic=True)
    np.testing.assert_allclose(float(g_value), g_expected, rtol=1e-5)
    # Shifting every logit by the same amount changes nothing in the relativistic form, everything in the standard one.
    shifted = float(losses.discriminator_loss(REAL + 3, FAKE + 3, relativistic=True))
    np.testing.assert_allclose(shifted, d_expected, rtol=1e-5)
    assert (
        abs(float(losses.discriminator_loss(REAL + 3, FAKE + 3)) - float(losses.discriminator_loss(REAL, FAKE))) > 0.1
    )
    with pytest.raises(SRLibError, match="real_logits"):
        losses.generator_adversarial_loss(FAKE, relativistic=True)


def test_losses_stay_finite_for_confident_logits():
    real, fake = np.array([[200.0]], np.float32), np.array([[-200.0]], np.float32)
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(0.0, abs=1e-6)
    assert float(losses.generator_adversarial_loss(fake)) == pytest.approx(200.0, rel=1e-6)
    assert np.isfinite(float(losses.generator_adversarial_loss(fake, real, relativistic=True)))
