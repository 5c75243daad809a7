"""Chapter 03's exercises: references agree with TF/Keras, typical mistakes get their hint, solutions run."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.course import exercises
from srlib.course.exercises.ch03 import (
    espcn_receptive_field,
    pixel_unshuffle,
    subpixel_channels,
)

IDS = ["03.1", "03.2", "03.3"]


@pytest.mark.parametrize("r,channels", [(2, 1), (3, 3), (4, 2)])
def test_unshuffle_inverts_pixel_shuffle(r, channels):
    import keras

    from srlib.models.pixel_shuffle import PixelShuffle

    image = np.random.default_rng(r).random((r * 3, r * 5, channels)).astype(np.float32)
    features = pixel_unshuffle(image, r)
    assert features.shape == (3, 5, r * r * channels)
    assert np.array_equal(keras.ops.convert_to_numpy(PixelShuffle(r)(features[None]))[0], image)


@pytest.mark.parametrize("scale,channels", [(2, 1), (3, 1), (4, 3)])
def test_channel_formula_matches_espcn_and_srresnet(scale, channels):
    from srlib.models.espcn import ESPCN

    model = ESPCN(scale, channels=channels)
    assert model.get_layer("subpixel_conv").filters == subpixel_channels(channels, scale)


def test_receptive_field_matches_inference_radius():
    from srlib.models.espcn import ESPCN
    from srlib.infer.upscaler import receptive_radius

    for kernels in ((5, 3, 3), (9, 5, 5)):
        model = ESPCN(3, kernels=kernels)
        assert espcn_receptive_field(kernels) == 2 * receptive_radius(model) + 1


# --- typical mistakes: (exercise, wrong answer, words the hint must contain) ----------------------


def _reshape_only(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, w // r, r * r * c)


def _offsets_swapped(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, r, w // r, r, c).transpose(0, 2, 3, 1, 4).reshape(h // r, w // r, -1)


def _channel_first(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, r, w // r, r, c).transpose(0, 2, 4, 1, 3).reshape(h // r, w // r, -1)


def _times_scale(channels, scale):
    return channels * scale


def _no_channels(channels, scale):
    return scale * scale


def _sum_of_kernels(kernels):
    return sum(kernels)


def _off_by_one(kernels):
    return sum(k - 1 for k in kernels)


MISTAKES = [
    ("03.1", _reshape_only, "reshape alone"),
    ("03.1", _offsets_swapped, "column offset j came before"),
    ("03.1", _channel_first, "slowest index"),
    ("03.2", _times_scale, "scale**2 values per channel"),
    ("03.2", _no_channels, "for one channel"),
    ("03.3", _sum_of_kernels, "not by k"),
    ("03.3", _off_by_one, "off by one"),
]


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    assert exercises.check(exercise_id, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✗ Exercise {exercise_id}") and "not yet" in out
    assert hint in out.replace("\n  ", " ")


def test_crashing_and_non_function_answers_are_reported(capsys):
    def broken(image, r):
        return image[:, :, 5 // 0]

    assert exercises.check("03.1", broken) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert exercises.check("03.2", 9) is False
    assert "function itself" in capsys.readouterr().out
    assert exercises.check("03.1", lambda image, r: None) is False
    assert "return" in capsys.readouterr().out
