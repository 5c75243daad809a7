"""srlib.course.twins: a learner's plain-Keras network checked against srlib's by weight transfer."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from srlib.course.twins import (
    closest_variant,
    compare_networks,
    copy_weights,
    seeded_weights,
    train_side_by_side,
    weight_shapes,
)
from srlib.models.fsrcnn import FSRCNN
from srlib.models.srcnn import SRCNN

INPUT = np.random.default_rng(0).random((1, 24, 24, 1), np.float32)


def plain_srcnn(f1=9, f2=5, f3=5, n1=64, n2=32, padding="same", last="linear", middle="relu"):
    """What a learner writes in chapter 01 (with the knobs of the typical mistakes)."""
    x = keras.Input((None, None, 1))
    y = keras.layers.Conv2D(n1, f1, padding=padding, activation="relu")(x)
    y = keras.layers.Conv2D(n2, f2, padding=padding, activation=middle)(y)
    return keras.Model(x, keras.layers.Conv2D(1, f3, padding=padding, activation=last)(y))


@pytest.fixture(scope="module")
def reference():
    keras.utils.set_random_seed(0)  # its initial weights, so the side-by-side training below is the same every run
    return SRCNN.preset("9-5-5")


def test_the_right_network_passes_and_gets_srlib_s_output(reference):
    feedback = compare_networks(plain_srcnn(), reference, INPUT)
    assert feedback.correct and "57,281 parameters" in feedback.message


@pytest.mark.parametrize(
    ("wrong", "message", "hint"),
    [
        (dict(f2=1), r"weight array 3 .* has shape \(1, 1, 64, 32\); srlib's .* \(5, 5, 64, 32\)", "kernel sizes"),
        (dict(n1=32, n2=64), r"weight array 1 .*\(9, 9, 1, 32\)", "filter counts"),
        (dict(padding="valid"), r"gives \(1, 8, 8, 1\); srlib's gives \(1, 24, 24, 1\)", 'padding="same"'),
        (dict(last="relu"), r"output differs by up to", "activation"),
        (dict(middle="linear"), r"output differs by up to", "activation"),
    ],
    ids=["9-1-5 for 9-5-5", "n1 and n2 swapped", "valid padding", "ReLU on the output", "no ReLU in the middle"],
)
def test_each_typical_mistake_fails_with_its_hint(reference, wrong, message, hint):
    feedback = compare_networks(plain_srcnn(**wrong), reference, INPUT)
    assert not feedback.correct
    assert re.search(message, feedback.message), feedback.message
    assert hint in feedback.hint


def test_a_missing_layer_or_a_non_model_is_named(reference):
    x = keras.Input((None, None, 1))
    two_layers = keras.Model(
        x, keras.layers.Conv2D(1, 5, padding="same")(keras.layers.Conv2D(64, 9, padding="same")(x))
    )
    feedback = compare_networks(two_layers, reference, INPUT)
    assert "4 weight arrays, srlib's has 6" in feedback.message and "use_bias" in feedback.hint
    assert "expected a keras.Model, got function" in compare_networks(plain_srcnn, reference, INPUT).message


def test_prelu_slopes_are_weight_arrays_too():
    fsrcnn = FSRCNN(scale=3, d=8, s=4, m=1)
    assert any(len(shape) == 3 and shape[:2] == (1, 1) for shape in weight_shapes(fsrcnn))  # shared-axes slopes
    assert copy_weights(fsrcnn, FSRCNN(scale=3, d=8, s=4, m=1)) is None


def test_trained_side_by_side_the_twins_learn_alike(reference):
    rng = np.random.default_rng(1)
    batches = [(rng.random((2, 20, 20, 1), np.float32), rng.random((2, 20, 20, 1), np.float32)) for _ in range(3)]
    mine, theirs = train_side_by_side(plain_srcnn(), reference, batches)
    np.testing.assert_allclose(mine, theirs, rtol=1e-5)
    assert mine[-1] < mine[0]
    wrong, _ = train_side_by_side(plain_srcnn(last="relu"), SRCNN.preset("9-5-5"), batches)
    assert not np.allclose(wrong, theirs, rtol=1e-5)


def test_seeded_weights_make_every_batch_norm_statistic_count():
    x = keras.Input((None, None, 4))
    model = keras.Model(x, keras.layers.BatchNormalization()(keras.layers.Conv2D(4, 3, padding="same")(x)))
    seeded_weights(model)
    gamma, beta, mean, variance = model.layers[-1].get_weights()
    assert np.all(variance >= 0.5) and not np.allclose(mean, 0) and not np.allclose(gamma, 1)
    again = [w.copy() for w in seeded_weights(model).get_weights()]
    assert all(np.array_equal(a, b) for a, b in zip(again, model.get_weights()))  # the same seed, the same weights


def test_closest_variant_names_the_wrong_network_by_output_or_by_shapes(reference):
    seeded_weights(reference)
    variants = {
        "no ReLU in the middle": lambda: plain_srcnn(middle="linear"),
        "a 1x1 mapping": lambda: plain_srcnn(f2=1),
    }
    by_output = plain_srcnn(middle="linear")
    copy_weights(reference, by_output)
    assert closest_variant(by_output, reference, INPUT, variants) == "no ReLU in the middle"
    assert closest_variant(plain_srcnn(f2=1), reference, INPUT, variants) == "a 1x1 mapping"
    assert closest_variant(plain_srcnn(last="relu"), reference, INPUT, variants) is None
