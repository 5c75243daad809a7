"""padding="replicate" for SRCNN, FSRCNN and ESPCN: same weights, same interior, no zeros at the border."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from srlib.errors import SRLibError  # noqa: E402
from srlib.models import ESPCN, FSRCNN, SRCNN, build_model, load_model  # noqa: E402
from srlib.models.layers import ReplicatePad  # noqa: E402

PAIRS = [
    pytest.param(lambda padding: ESPCN(3, padding=padding), id="espcn-x3"),
    pytest.param(lambda padding: FSRCNN(3, d=12, s=4, m=2, padding=padding), id="fsrcnn-x3"),
    pytest.param(lambda padding: FSRCNN(2, d=8, s=4, m=1, padding=padding), id="fsrcnn-x2"),
    pytest.param(lambda padding: FSRCNN(4, d=8, s=4, m=3, padding=padding), id="fsrcnn-x4"),
    pytest.param(lambda padding: SRCNN(f1=5, f2=3, f3=3, n1=8, n2=4, padding=padding), id="srcnn-5-3-3"),
]


def _random(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def _scale(model) -> int:
    """How much larger the output is than the input (SRCNN works at HR size: 1)."""
    return model.scale or 1


def _pair(make):
    zeros, replicate = make("zeros"), make("replicate")
    zeros.set_weights([w + 0.05 * np.sign(w + 1e-3) for w in zeros.get_weights()])  # trained-like values
    replicate.set_weights(zeros.get_weights())  # the same weights fit both
    return zeros, replicate


def test_replicate_pad_repeats_the_edge_pixels_for_any_size():
    image = _random((1, 1, 3, 2))
    padded = keras.ops.convert_to_numpy(ReplicatePad(2)(image))
    expected = np.pad(image, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="edge")
    np.testing.assert_array_equal(padded, expected)
    assert ReplicatePad(2).compute_output_shape((None, None, 7, 1)) == (None, None, 11, 1)


@pytest.mark.parametrize("make", PAIRS)
def test_replicate_equals_the_zero_padded_model_on_an_edge_padded_image(make):
    zeros, replicate = _pair(make)
    image = _random((1, 13, 17, 1))
    scale, margin = _scale(zeros), 12  # more LR pixels than either model can see
    out = keras.ops.convert_to_numpy(replicate(image))
    assert out.shape == (1, 13 * scale, 17 * scale, 1)
    padded = np.pad(image, ((0, 0), (margin, margin), (margin, margin), (0, 0)), mode="edge")
    reference = keras.ops.convert_to_numpy(zeros(padded))[
        :, margin * scale : -margin * scale, margin * scale : -margin * scale
    ]
    np.testing.assert_allclose(out, reference, atol=1e-5)
    # Away from the border the two paddings agree; at the border they do not.
    plain = keras.ops.convert_to_numpy(zeros(image))
    inner = slice(6 * scale, -6 * scale)
    np.testing.assert_allclose(out[:, inner, inner], plain[:, inner, inner], atol=1e-5)
    assert np.abs(out - plain).max() > 1e-3


@pytest.mark.parametrize("make", PAIRS)
def test_replicate_models_take_tiny_inputs_and_round_trip(make, tmp_path):
    _, model = _pair(make)
    scale = _scale(model)
    assert tuple(model(_random((2, 1, 2, 1))).shape) == (2, scale, 2 * scale, 1)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.padding == "replicate"
    image = _random((1, 9, 11, 1), seed=3)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(image)), keras.ops.convert_to_numpy(model(image)), atol=1e-6
    )


def test_unknown_padding_is_a_one_line_error():
    for build in (
        lambda: ESPCN(3, padding="mirror"),
        lambda: build_model("fsrcnn", 3, padding="mirror"),
        lambda: build_model("srcnn", 3, padding="mirror"),
    ):
        with pytest.raises(SRLibError, match="padding='mirror' is not known — use one of zeros, replicate"):
            build()
