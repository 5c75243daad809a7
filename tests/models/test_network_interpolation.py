"""Network interpolation (ESRGAN sec. 3.4): theta = (1 - alpha) theta_a + alpha theta_b, same architecture only."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.errors import SRLibError
from srlib.models.network_interpolation import blend_weights, check_alpha, interpolate_weights


def _tiny_srresnet(seed: int, **overrides):
    import keras

    from srlib.models.srresnet import SRResNet

    keras.utils.set_random_seed(seed)
    config = {"num_blocks": 1, "filters": 8, "batch_norm": False, "name": f"tiny_{seed}"} | overrides
    model = SRResNet(2, **config)
    # Away from the initialisation (small, ICNR-tied weights), so the two models differ everywhere.
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def _dense(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])


@pytest.fixture(scope="module")
def pair():
    return _tiny_srresnet(1), _tiny_srresnet(2)


def test_ends_reproduce_the_two_models_exactly(pair):
    a, b = pair
    x = np.random.default_rng(0).random((1, 6, 7, 3)).astype(np.float32)
    for alpha, model in ((0.0, a), (1.0, b), (0, a), (1, b)):
        blended = interpolate_weights(a, b, alpha)
        for got, want in zip(blended.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.asarray(blended(x)), np.asarray(model(x)))


@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.8])
def test_every_weight_is_the_convex_combination(pair, alpha):
    a, b = pair
    blended = interpolate_weights(a, b, alpha)
    for got, wa, wb in zip(blended.get_weights(), a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(got, (1 - alpha) * wa + alpha * wb, rtol=1e-6, atol=1e-7)
        assert got.dtype == wa.dtype


def test_result_is_a_new_model_of_the_same_class_and_inputs_are_untouched(pair):
    a, b = pair
    before = [w.copy() for w in a.get_weights()] + [w.copy() for w in b.get_weights()]
    blended = interpolate_weights(a, b, 0.3)
    assert type(blended) is type(a) and blended is not a
    assert (blended.scale, blended.num_blocks, blended.filters, blended.input_mode) == (2, 1, 8, "lr")
    assert "0.3" in blended.name
    for now, then in zip(a.get_weights() + b.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    blended.set_weights([np.zeros_like(w) for w in blended.get_weights()])  # no shared variables
    assert any(np.any(w != 0) for w in a.get_weights())


def test_a_linear_model_interpolates_its_outputs_too():
    """For a Dense layer the output is linear in the weights, so it blends exactly like them."""
    a, b = _dense(3), _dense(4)
    x = np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32)
    out = interpolate_weights(a, b, 0.4)(x)
    np.testing.assert_allclose(np.asarray(out), 0.6 * np.asarray(a(x)) + 0.4 * np.asarray(b(x)), rtol=1e-5, atol=1e-6)


def test_batch_norm_statistics_are_blended():
    a, b = _tiny_srresnet(5, batch_norm=True), _tiny_srresnet(6, batch_norm=True)
    blended = interpolate_weights(a, b, 0.5)
    moving = [i for i, v in enumerate(a.weights) if "moving_mean" in v.name]
    assert moving
    for i in moving:
        np.testing.assert_allclose(blended.get_weights()[i], (a.get_weights()[i] + b.get_weights()[i]) / 2, rtol=1e-6)


@pytest.mark.parametrize(
    "other,words",
    [
        ({"filters": 16}, "variable"),
        ({"num_blocks": 2}, "variables"),
        ({"batch_norm": True}, "variable"),
    ],
)
def test_different_architectures_are_refused_in_one_line(pair, other, words):
    a, _ = pair
    with pytest.raises(SRLibError) as caught:
        interpolate_weights(a, _tiny_srresnet(9, **other), 0.5)
    message = str(caught.value)
    assert "\n" not in message and "same architecture" in message and words in message


def test_different_classes_are_refused(pair):
    from srlib.models.fsrcnn import FSRCNN

    with pytest.raises(SRLibError, match="FSRCNN.*same architecture"):
        interpolate_weights(FSRCNN(2), pair[0], 0.5)


@pytest.mark.parametrize("alpha", [-0.01, 1.0001, 2, float("nan"), float("inf"), "0.5", None, True])
def test_alpha_outside_the_unit_interval_is_refused(pair, alpha):
    with pytest.raises(SRLibError, match="alpha"):
        interpolate_weights(*pair, alpha)


def test_check_alpha_accepts_numpy_numbers():
    assert check_alpha(np.float32(0.25)) == 0.25 and check_alpha(np.int64(1)) == 1.0


def test_blend_weights_copies_integer_state_and_checks_shapes():
    a = [np.array([1.0, 3.0], np.float32), np.array([7, 8], np.int64)]
    b = [np.array([3.0, 5.0], np.float32), np.array([1, 2], np.int64)]
    mixed = blend_weights(a, b, 0.5)
    np.testing.assert_array_equal(mixed[0], [2.0, 4.0])
    np.testing.assert_array_equal(mixed[1], [7, 8])
    with pytest.raises(SRLibError, match="shape"):
        blend_weights(a, [b[0][:1], b[1]], 0.5)
    with pytest.raises(SRLibError, match="same architecture"):
        blend_weights(a, b[:1], 0.5)
