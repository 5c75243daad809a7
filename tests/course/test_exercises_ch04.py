"""Chapter 04's exercises: references agree with srlib/Keras and with sampling, typical mistakes get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.course import exercises
from srlib.course.exercises.ch04 import (
    discriminator_loss,
    expected_mse,
    generator_adversarial_loss,
    vgg_feature_shape,
)

IDS = ["04.1", "04.2", "04.3", "04.4"]


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
    import keras

    backbone = keras.applications.VGG19(include_top=False, weights=None, input_shape=(height, width, 3))
    for layer, keras_name in (("vgg22", "block2_conv2"), ("vgg54", "block5_conv4")):
        assert vgg_feature_shape(height, width, layer) == tuple(backbone.get_layer(keras_name).output.shape[1:])


def test_adversarial_losses_match_srlib_losses():
    import keras

    from srlib.losses import srgan as losses

    rng = np.random.default_rng(4)
    real, fake = rng.normal(0, 3, (6, 1)), rng.normal(0, 3, (6, 1))
    srlib_g = keras.ops.convert_to_numpy(losses.generator_adversarial_loss(fake.astype(np.float32)))
    srlib_d = keras.ops.convert_to_numpy(losses.discriminator_loss(real.astype(np.float32), fake.astype(np.float32)))
    assert generator_adversarial_loss(fake) == pytest.approx(float(srlib_g), rel=1e-5)
    assert discriminator_loss(real, fake) == pytest.approx(float(srlib_d), rel=1e-5)
    # At D's point of indifference (logit 0, D = 1/2) the losses are log 2 and 2 log 2.
    assert generator_adversarial_loss(np.zeros(3)) == pytest.approx(np.log(2))
    assert discriminator_loss(np.zeros(3), np.zeros(3)) == pytest.approx(2 * np.log(2))


# --- typical mistakes: (exercise, wrong answer, words the hint must contain) ----------------------


def _mean_is_a2(amplitude, guess):
    return amplitude**2


def _sample_like_mean(amplitude, guess):
    return amplitude**2 / 2


def _sample_twice(amplitude, guess):
    return amplitude**2 / 2 if guess == "mean" else 2 * amplitude**2


def _five_poolings(height, width, layer):
    pools = 1 if layer == "vgg22" else 5
    return height // 2**pools, width // 2**pools, 128 if layer == "vgg22" else 512


def _vgg22_two_poolings(height, width, layer):
    pools = 2 if layer == "vgg22" else 4
    return height // 2**pools, width // 2**pools, 128 if layer == "vgg22" else 512


def _vgg22_64_channels(height, width, layer):
    pools = 1 if layer == "vgg22" else 4
    return height // 2**pools, width // 2**pools, 64 if layer == "vgg22" else 512


def _width_first(height, width, layer):
    pools = 1 if layer == "vgg22" else 4
    return width // 2**pools, height // 2**pools, 128 if layer == "vgg22" else 512


def _saturating(fake_logits):
    return np.mean(np.log(1 - 1 / (1 + np.exp(-fake_logits))))


def _naive_log_sigmoid(fake_logits):
    return np.mean(-np.log(1 / (1 + np.exp(-fake_logits))))


def _sum_not_mean(fake_logits):
    return np.sum(np.logaddexp(0, -fake_logits))


def _discriminator_labels_swapped(real_logits, fake_logits):
    return np.mean(np.logaddexp(0, real_logits)) + np.mean(np.logaddexp(0, -fake_logits))


def _discriminator_mean_of_all(real_logits, fake_logits):
    return np.mean(np.concatenate([np.logaddexp(0, -real_logits), np.logaddexp(0, fake_logits)]))


def _discriminator_real_only(real_logits, fake_logits):
    return np.mean(np.logaddexp(0, -real_logits))


def _discriminator_naive(real_logits, fake_logits):
    d_real, d_fake = 1 / (1 + np.exp(-real_logits)), 1 / (1 + np.exp(-fake_logits))
    return np.mean(-np.log(d_real)) + np.mean(-np.log(1 - d_fake))


MISTAKES = [
    ("04.1", _mean_is_a2, "sin² is 1/2 on average"),
    ("04.1", _sample_like_mean, "misses twice"),
    ("04.1", _sample_twice, "not 2 a**2"),
    ("04.2", _five_poolings, "four poolings"),
    ("04.2", _vgg22_two_poolings, "only block 1's pooling"),
    ("04.2", _vgg22_64_channels, "128 channels"),
    ("04.2", _width_first, "height first"),
    ("04.3", _saturating, "saturates"),
    ("04.3", _naive_log_sigmoid, "overflows"),
    ("04.3", _sum_not_mean, "not the sum"),
    ("04.4", _discriminator_labels_swapped, "real and fake swapped"),
    ("04.4", _discriminator_mean_of_all, "concatenated batch"),
    ("04.4", _discriminator_real_only, "also has to reject"),
    ("04.4", _discriminator_naive, "overflows"),
]


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    with np.errstate(all="ignore"):
        assert exercises.check(exercise_id, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✗ Exercise {exercise_id}") and "not yet" in out
    assert hint in out.replace("\n  ", " ")


def test_crashing_and_non_function_answers_are_reported(capsys):
    def broken(fake_logits):
        return fake_logits[5 // 0]

    assert exercises.check("04.3", broken) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert exercises.check("04.4", 1.386) is False
    assert "function itself" in capsys.readouterr().out
    assert exercises.check("04.2", lambda height, width, layer: None) is False
    assert "return" in capsys.readouterr().out
    assert exercises.check("04.3", lambda fake_logits: fake_logits) is False  # an array, not one number
    assert "one number" in capsys.readouterr().out
