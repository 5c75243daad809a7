"""The exercises' reference solutions agree with what srlib and Keras compute (the d2l "from scratch = concise" check).

A chapter teaches an idea by having the learner write it out; the checker's reference is that
written-out version, so here each one is compared with the library code or framework it stands for.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from srlib import losses as srlib_losses
from srlib.course.exercises.ch01 import PARAMETER_CASES, bicubic_input, srcnn_parameters, valid_output_size
from srlib.course.exercises.ch02 import CONFIGS, fsrcnn_macs_per_hr_pixel, fsrcnn_parameters, transposed_output_size
from srlib.course.exercises.ch03 import build_espcn, build_srresnet, pixel_unshuffle, residual_block
from srlib.course.exercises.ch04 import discriminator_loss, expected_mse, generator_adversarial_loss, vgg_feature_shape
from srlib.course.exercises.ch05 import blend_images, mscn, niqe_score, pareto_front
from srlib.course.exercises.ch06 import KERNEL_CASES, anisotropic_gaussian, first_order, jpeg_block
from srlib.course.twins import compare_networks
from srlib.data.photos import skimage_data_dir
from srlib.image import imresize, read_image, rgb2y
from srlib.image.degrade import gaussian_kernel
from srlib.image.degrade import jpeg as degrade_jpeg
from srlib.metrics.niqe import load_pristine, niqe, niqe_features, niqe_luma
from srlib.metrics.niqe import mscn as srlib_mscn
from srlib.models import FSRCNN, SRCNN
from srlib.models.complexity import flops_per_output_pixel
from srlib.models.espcn import ESPCN
from srlib.models.pixel_shuffle import PixelShuffle
from srlib.models.srresnet import residual_block as srlib_residual_block
from srlib.models.zoo import pretrained

# --- chapter 01: SRCNN (Dong et al. 2014, sec. 3) -----------------------------------------------


def test_srcnn_parameter_count_equals_keras():
    for f1, f2, f3, n1, n2, c in PARAMETER_CASES:
        assert SRCNN(f1, f2, f3, n1, n2, channels=c).count_params() == srcnn_parameters(f1, f2, f3, n1, n2, c)


@pytest.mark.parametrize("size,f1,f2,f3", [(33, 9, 1, 5), (33, 9, 5, 5), (32, 9, 3, 5)])
def test_valid_output_size_equals_keras(size, f1, f2, f3):
    x = np.zeros((1, size, size, 1), np.float32)
    for kernel in (f1, f2, f3):
        x = keras.layers.Conv2D(1, kernel, padding="valid")(x)
    assert x.shape[1] == valid_output_size(size, f1, f2, f3)


def test_bicubic_input_is_what_the_upscaler_feeds_srcnn():
    lr = np.random.default_rng(0).integers(0, 256, (12, 15, 3), dtype=np.uint8)
    x = bicubic_input(lr, 3)
    assert x.shape == (36, 45, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[..., 0] * 255, imresize(rgb2y(lr), 3), atol=1e-3)


# --- chapter 02: FSRCNN (Dong et al. 2016, sec. 3.2-3.3) ----------------------------------------


@pytest.mark.parametrize("d,s,m", CONFIGS)
def test_fsrcnn_parameter_formula_equals_keras(d, s, m):
    assert fsrcnn_parameters(d, s, m) == FSRCNN(3, d=d, s=s, m=m).count_params()


@pytest.mark.parametrize("d,s,m", CONFIGS)
def test_fsrcnn_cost_formula_equals_the_complexity_module(d, s, m):
    expected = flops_per_output_pixel(FSRCNN(3, d=d, s=s, m=m)) / 2
    assert fsrcnn_macs_per_hr_pixel(d, s, m, 3) == pytest.approx(expected)


@pytest.mark.parametrize(
    "n,kernel,stride,padding", [(2, 3, 2, "valid"), (5, 9, 3, "same"), (7, 9, 2, "valid"), (4, 4, 4, "same")]
)
def test_transposed_output_size_equals_keras(n, kernel, stride, padding):
    layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)
    out = layer(np.zeros((1, n, n, 1), np.float32))
    assert out.shape[1] == transposed_output_size(n, kernel, stride, padding)


# --- chapter 03: sub-pixel convolution (Shi et al. 2016, sec. 2.2) ------------------------------


@pytest.mark.parametrize("r,channels", [(2, 1), (3, 3), (4, 2)])
def test_unshuffle_inverts_pixel_shuffle(r, channels):
    image = np.random.default_rng(r).random((r * 3, r * 5, channels)).astype(np.float32)
    features = pixel_unshuffle(image, r)
    assert features.shape == (3, 5, r * r * channels)
    assert np.array_equal(keras.ops.convert_to_numpy(PixelShuffle(r)(features[None]))[0], image)


@pytest.mark.parametrize("scale,channels,activation", [(3, 1, "tanh"), (2, 3, "relu")])
def test_written_out_espcn_is_srlibs(scale, channels, activation):
    x = np.random.default_rng(scale).random((1, 9, 11, channels)).astype(np.float32)
    assert compare_networks(
        build_espcn(scale, channels, activation), ESPCN(scale, channels, activation=activation), x
    ).correct


def test_written_out_srresnet_runs_the_shipped_weights():
    """The chapter copies the shipped SRResNet into the learner's network: the reference must give its output."""
    x = np.random.default_rng(0).random((1, 12, 10, 3)).astype(np.float32)
    verdict = compare_networks(build_srresnet(4, 16, 64, batch_norm=False), pretrained("srresnet", 4), x)
    assert verdict.correct, verdict.message


def test_written_out_block_is_srlibs_and_skips_by_choice():
    for batch_norm, skip in ((True, True), (False, False)):
        x = keras.Input((None, None, 8))
        mine, theirs = keras.Model(x, residual_block(x, 8, batch_norm, skip)), keras.Model(
            x, srlib_residual_block(x, 8, batch_norm=batch_norm, skip=skip))  # fmt: skip
        features = np.random.default_rng(1).random((1, 7, 9, 8)).astype(np.float32)
        assert compare_networks(mine, theirs, features).correct
    assert len([layer for layer in mine.layers if isinstance(layer, keras.layers.Add)]) == 0


# --- chapter 04: SRGAN (Ledig et al. 2017, sec. 2.2) --------------------------------------------


def test_expected_mse_matches_sampled_phases():
    # Monte Carlo over random phases: the flat guess has the texture's variance, a sharp guess twice it.
    rng = np.random.default_rng(0)
    amplitude = 0.3
    truth = amplitude * np.sin(rng.uniform(0, 2 * np.pi, 200_000))
    other = amplitude * np.sin(rng.uniform(0, 2 * np.pi, 200_000))
    assert np.mean(truth**2) == pytest.approx(expected_mse(amplitude, "mean"), rel=0.01)
    assert np.mean((truth - other) ** 2) == pytest.approx(expected_mse(amplitude, "sample"), rel=0.01)


@pytest.mark.parametrize("height,width", [(96, 96), (64, 48), (100, 75)])
def test_vgg_feature_shape_matches_keras_vgg19(height, width):
    backbone = keras.applications.VGG19(include_top=False, weights=None, input_shape=(height, width, 3))
    for layer, keras_name in (("vgg22", "block2_conv2"), ("vgg54", "block5_conv4")):
        assert vgg_feature_shape(height, width, layer) == tuple(backbone.get_layer(keras_name).output.shape[1:])


def test_adversarial_losses_match_srlib_losses():
    rng = np.random.default_rng(4)
    real, fake = rng.normal(0, 3, (6, 1)), rng.normal(0, 3, (6, 1))
    srlib_g = keras.ops.convert_to_numpy(srlib_losses.generator_adversarial_loss(fake.astype(np.float32)))
    srlib_d = keras.ops.convert_to_numpy(
        srlib_losses.discriminator_loss(real.astype(np.float32), fake.astype(np.float32))
    )
    assert generator_adversarial_loss(fake) == pytest.approx(float(srlib_g), rel=1e-5)
    assert discriminator_loss(real, fake) == pytest.approx(float(srlib_d), rel=1e-5)
    # At D's point of indifference (logit 0, D = 1/2) the losses are log 2 and 2 log 2.
    assert generator_adversarial_loss(np.zeros(3)) == pytest.approx(np.log(2))
    assert discriminator_loss(np.zeros(3), np.zeros(3)) == pytest.approx(2 * np.log(2))


# --- chapter 05: NIQE (Mittal et al. 2013), the plane (Blau & Michaeli 2018), interpolation (ESRGAN) ----


def test_mscn_reference_equals_srlib_on_a_photo():
    y = rgb2y(read_image(skimage_data_dir() / "camera.png")[:150, :200]).astype(np.float64)
    np.testing.assert_allclose(mscn(y), srlib_mscn(y)[0], atol=1e-9)


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_niqe_score_on_srlib_features_is_srlib_niqe(name):
    photo = read_image(skimage_data_dir() / f"{name}.png")
    features, _ = niqe_features(niqe_luma(photo))
    assert not np.isnan(features).any()  # srlib leaves out blocks with a NaN feature; the reference need not
    mu, cov = load_pristine(None)
    assert niqe_score(features, mu, cov) == pytest.approx(niqe(photo), rel=1e-9)


def test_blend_reference_at_the_ends_and_halfway():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 256, (2, 5, 6, 3), dtype=np.uint8)
    assert np.array_equal(blend_images(a, b, 0.0), a) and np.array_equal(blend_images(a, b, 1.0), b)
    halfway = blend_images(a, b, 0.5).astype(int)
    assert np.all(np.abs(halfway - (a.astype(int) + b) / 2) <= 0.5)


def test_front_on_random_points():
    rng = np.random.default_rng(1)
    for _ in range(20):
        points = [tuple(p) for p in rng.integers(0, 5, (7, 2)).astype(float)]
        front = pareto_front(points)
        for i in range(len(points)):
            beaten = any(np.all(np.array(q) <= points[i]) and np.any(np.array(q) < points[i]) for q in points)
            assert (i in front) == (not beaten)


# --- chapter 06: realistic degradations (Wang et al. 2021, sec. 3.1) ----------------------------


@pytest.mark.parametrize("size,sigma_x,sigma_y,theta", KERNEL_CASES)
def test_anisotropic_reference_equals_srlib_kernel(size, sigma_x, sigma_y, theta):
    np.testing.assert_allclose(anisotropic_gaussian(size, sigma_x, sigma_y, theta),
                               gaussian_kernel(size, sigma_x, sigma_y, theta), atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("quality", [10, 30, 50, 75, 95])
def test_jpeg_block_reference_agrees_with_pillows_codec_on_grey_images(quality):
    """Blockwise on a grey photo, the reference is within a tenth of a grey level of Pillow's encode-decode on
    average: the same table and quality rule; only the codec's integer DCT rounds differently, now and then."""
    grey = read_image(skimage_data_dir() / "camera.png")[:128, :128].astype(np.float64)
    blocks = grey.reshape(16, 8, 16, 8).transpose(0, 2, 1, 3)
    mine = np.stack([[jpeg_block(b, quality) for b in row] for row in blocks]).transpose(0, 2, 1, 3).reshape(128, 128)
    pillow = degrade_jpeg(grey[..., None].astype(np.float32) / 255.0, quality)[..., 0] * 255.0
    difference = np.abs(np.clip(np.round(mine), 0, 255) - pillow)
    assert difference.mean() < 0.1 and np.percentile(difference, 99) <= 1.0


def test_first_order_reference_is_a_real_degradation_stage():
    hr = read_image(skimage_data_dir() / "astronaut.png")[:96, :128].astype(np.float32) / 255.0
    kernel = gaussian_kernel(11, 1.5)
    lr = first_order(hr, kernel, 4, 10.0, 50, np.random.default_rng(0))
    assert lr.shape == (24, 32, 3) and lr.dtype == np.float32 and lr.min() >= 0.0 and lr.max() <= 1.0
    again = first_order(hr, kernel, 4, 10.0, 50, np.random.default_rng(0))
    np.testing.assert_array_equal(lr, again)  # one seed, one result
