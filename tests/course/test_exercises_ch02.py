"""Chapter 02's exercises: references agree with Keras/srlib, typical mistakes get their hint, solutions run."""

from __future__ import annotations

import pytest

from srlib.course import exercises
from srlib.course.exercises.ch02 import (
    CONFIGS,
    fsrcnn_macs_per_hr_pixel,
    fsrcnn_parameters,
    transposed_output_size,
)

IDS = ["02.1", "02.2", "02.3", "02.4"]


@pytest.mark.parametrize("d,s,m", CONFIGS)
def test_parameter_formula_equals_keras(d, s, m):
    from srlib.models import FSRCNN

    assert fsrcnn_parameters(d, s, m) == FSRCNN(3, d=d, s=s, m=m).count_params()


@pytest.mark.parametrize("d,s,m", CONFIGS)
def test_cost_formula_equals_complexity_module(d, s, m):
    from srlib.models import FSRCNN
    from srlib.models.complexity import flops_per_output_pixel

    assert fsrcnn_macs_per_hr_pixel(d, s, m, 3) == pytest.approx(flops_per_output_pixel(FSRCNN(3, d=d, s=s, m=m)) / 2)


@pytest.mark.parametrize("n,kernel,stride,padding", [(2, 3, 2, "valid"), (5, 9, 3, "same"), (7, 9, 2, "valid"), (4, 4, 4, "same")])
def test_output_size_equals_keras(n, kernel, stride, padding):
    import keras
    import numpy as np

    layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)
    out = layer(np.zeros((1, n, n, 1), np.float32))
    assert out.shape[1] == transposed_output_size(n, kernel, stride, padding)


# --- typical mistakes: (exercise, wrong answer, words the hint must contain) ----------------------


def _papers_count(d, s, m):
    return 25 * d + s * d + 9 * m * s * s + d * s + 81 * d


def _no_prelu(d, s, m):
    return _papers_count(d, s, m) + d + s + m * s + d + 1


def _conv_size(n, kernel, stride, padding):
    return (n - kernel) // stride + 1


def _same_everywhere(n, kernel, stride, padding):
    return n * stride


def _per_lr_pixel(d, s, m, scale):
    return fsrcnn_macs_per_hr_pixel(d, s, m, scale) * scale**2


def _deconv_per_hr(d, s, m, scale):
    return (25 * d + d * s + 9 * m * s * s + s * d) / scale**2 + 81 * d


def _freeze_nothing(model):
    return model


def _freeze_everything(model):
    for layer in model.layers:
        layer.trainable = False


def _freeze_convs_only(model):
    for layer in model.layers:
        if not layer.name.endswith("_prelu") and layer.name != "deconvolution":
            layer.trainable = False


def _freeze_deconv_only(model):
    model.get_layer("deconvolution").trainable = False


MISTAKES = [
    ("02.1", _papers_count, "paper's count"),
    ("02.1", _no_prelu, "PReLU slopes"),
    ("02.2", _conv_size, "ordinary"),
    ("02.2", _same_everywhere, "'valid'"),
    ("02.3", _per_lr_pixel, "scale**2"),
    ("02.3", _deconv_per_hr, "once per LR"),
    ("02.4", _freeze_nothing, "still trainable"),
    ("02.4", _freeze_everything, "keep it trainable"),
    ("02.4", _freeze_convs_only, "PReLU slopes"),
    ("02.4", _freeze_deconv_only, "other way round"),
]


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    assert exercises.check(exercise_id, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✗ Exercise {exercise_id}") and "not yet" in out
    assert hint in out.replace("\n  ", " ")


def test_crashing_and_non_function_answers_are_reported(capsys):
    def broken(d, s, m):
        return d / 0

    assert exercises.check("02.1", broken) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert exercises.check("02.2", 42) is False
    assert "function itself" in capsys.readouterr().out
