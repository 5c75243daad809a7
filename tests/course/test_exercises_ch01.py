"""Chapter 01's exercises: references pass (and agree with Keras and the library), typical mistakes get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.image import imresize, rgb2y
from srlib.course import exercises
from srlib.course.exercises.ch01 import PARAMETER_CASES, bicubic_input, srcnn_parameters, valid_output_size

IDS = ["01.1", "01.2", "01.3"]


def test_registry_lists_chapter_01():
    assert set(IDS) <= set(exercises.exercise_ids())


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_solution_passes(exercise_id, capsys):
    assert exercises.check(exercise_id, exercises.get(exercise_id).reference) is True
    assert capsys.readouterr().out.startswith(f"✓ Exercise {exercise_id}")


@pytest.mark.parametrize("exercise_id,name", list(zip(IDS, ["bicubic_input", "srcnn_parameters", "valid_output_size"])))
def test_solution_source_is_runnable(exercise_id, name):
    source = exercises.solution(exercise_id)
    assert source.startswith(f"def {name}(")
    namespace: dict = {}
    exec(source, namespace)
    assert exercises.check(exercise_id, namespace[name], quiet=True)


def test_parameter_reference_matches_keras():
    from srlib.models import SRCNN

    for f1, f2, f3, n1, n2, c in PARAMETER_CASES:
        assert SRCNN(f1, f2, f3, n1, n2, channels=c).count_params() == srcnn_parameters(f1, f2, f3, n1, n2, c)


def test_valid_size_reference_matches_keras():
    import keras

    for size, f1, f2, f3 in [(33, 9, 1, 5), (33, 9, 5, 5), (32, 9, 3, 5)]:
        layers = [keras.layers.Conv2D(1, f, padding="valid") for f in (f1, f2, f3)]
        x = np.zeros((1, size, size, 1), np.float32)
        for layer in layers:
            x = layer(x)
        assert x.shape[1] == valid_output_size(size, f1, f2, f3)


def test_input_reference_matches_the_inference_path():
    """bicubic_input is what srlib's upscaler feeds SRCNN: an identity network returns bicubic Y."""
    lr = np.random.default_rng(0).integers(0, 256, (12, 15, 3), dtype=np.uint8)
    x = bicubic_input(lr, 3)
    assert x.shape == (36, 45, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[..., 0] * 255, imresize(rgb2y(lr), 3), atol=1e-3)


# --- typical mistakes ---------------------------------------------------------------------------------


def _repeat_rgb(lr, scale):
    return np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1)


def _no_divide(lr, scale):
    return imresize(rgb2y(lr), scale)[..., None]


def _no_axis(lr, scale):
    return imresize(rgb2y(lr), scale) / 255


def _nearest_y(lr, scale):
    return (np.repeat(np.repeat(rgb2y(lr), scale, 0), scale, 1) / 255)[..., None]


def _not_upscaled(lr, scale):
    return (rgb2y(lr) / 255)[..., None]


def _full_range_luma(lr, scale):
    return (imresize(lr.astype(np.float64) @ np.array([0.299, 0.587, 0.114]), scale) / 255)[..., None]


def _pillow(lr, scale):
    from PIL import Image

    y = np.round(rgb2y(lr)).astype(np.uint8)
    size = (y.shape[1] * scale, y.shape[0] * scale)
    return (np.asarray(Image.fromarray(y).resize(size, Image.Resampling.BICUBIC)) / 255.0)[..., None]


def _uint8_input(lr, scale):
    return np.round(imresize(rgb2y(lr), scale)).astype(np.uint8)[..., None]


def _rgb_first(lr, scale):  # the training pipeline's order: accepted
    return (rgb2y(imresize(lr, scale)) / 255.0)[..., None].astype(np.float32)


def _first_layer(f1, f2, f3, n1, n2, channels=1):
    return f1 * f1 * channels * n1


def _no_biases(f1, f2, f3, n1, n2, channels=1):
    return channels * f1 * f1 * n1 + n1 * f2 * f2 * n2 + n2 * f3 * f3 * channels


def _f_not_squared(f1, f2, f3, n1, n2, channels=1):
    return channels * f1 * n1 + n1 + n1 * f2 * n2 + n2 + n2 * f3 * channels + channels


def _no_input_channels(f1, f2, f3, n1, n2, channels=1):
    return f1 * f1 * n1 + n1 + f2 * f2 * n2 + n2 + f3 * f3 * channels + channels


def _one_bias_per_layer(f1, f2, f3, n1, n2, channels=1):
    return _no_biases(f1, f2, f3, n1, n2, channels) + 3


def _same_size(size, f1, f2, f3):
    return size


def _minus_f(size, f1, f2, f3):
    return size - f1 - f2 - f3


def _one_side(size, f1, f2, f3):
    return size - f1 // 2 - f2 // 2 - f3 // 2


def _plus_one_once(size, f1, f2, f3):
    return size - f1 - f2 - f3 + 1


def _returns_none(*args):
    return None


MISTAKES = [
    ("01.1", _repeat_rgb, "keep only the luma"),  # the chapter's placeholder
    ("01.1", _no_divide, "divide Y by 255"),
    ("01.1", _no_axis, "add the channel axis"),
    ("01.1", _nearest_y, "pixel repetition"),
    ("01.1", _not_upscaled, "still the LR size"),
    ("01.1", _full_range_luma, "16..235"),
    ("01.1", _pillow, "not MATLAB's bicubic"),
    ("01.1", _uint8_input, "takes floats"),
    ("01.2", _first_layer, "only the first layer's weights"),  # the chapter's placeholder
    ("01.2", _no_biases, "also has a bias"),
    ("01.2", _f_not_squared, "f1 * f1"),
    ("01.2", _no_input_channels, "channels of its input"),
    ("01.2", _one_bias_per_layer, "one bias per filter"),
    ("01.3", _same_size, "'same' zero padding"),  # the chapter's placeholder
    ("01.3", _minus_f, "off by one per layer"),
    ("01.3", _one_side, "on *each* side"),
    ("01.3", _plus_one_once, "applies to every layer"),
    ("01.1", _returns_none, "forget the `return`"),
    ("01.2", _returns_none, "forget the `return`"),
    ("01.3", _returns_none, "forget the `return`"),
]


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    assert exercises.check(exercise_id, answer) is False
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith(f"✗ Exercise {exercise_id}")
    assert "Hint:" in out and hint in out, out


def test_training_pipeline_order_is_accepted():
    assert exercises.check("01.1", _rgb_first, quiet=True) is True


def test_answers_that_are_not_functions_or_crash(capsys):
    assert exercises.check("01.2", 57281) is False
    assert "pass the function without calling it" in capsys.readouterr().out

    def broken(size, f1, f2, f3):
        return size.undefined

    assert exercises.check("01.3", broken) is False
    assert "AttributeError" in capsys.readouterr().out
