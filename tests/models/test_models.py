"""SRCNN and FSRCNN: shapes for any input size, paper parameter counts, .keras round trips, shipped weights."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from srlib.data import load_images  # noqa: E402
from srlib.errors import SRLibError  # noqa: E402
from srlib.eval.protocol import bicubic_upscaler, evaluate_model  # noqa: E402
from srlib.infer.upscaler import upscaler_for  # noqa: E402
from srlib.models import FSRCNN, FSRCNN_S, SRCNN, build_model, load_model, pretrained  # noqa: E402
from srlib.models.zoo import WEIGHTS_DIR, pretrained_info  # noqa: E402


def _random(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [(7, 7), (10, 13), (1, 5)])
def test_fsrcnn_output_is_exactly_scale_times_the_input(scale, size):
    model = FSRCNN(scale, d=8, s=4, m=1)
    out = model(_random((2, *size, 1)))
    assert tuple(out.shape) == (2, size[0] * scale, size[1] * scale, 1)


def test_srcnn_keeps_the_input_size():
    model = SRCNN.preset("9-1-5")
    assert tuple(model(_random((1, 17, 23, 1))).shape) == (1, 17, 23, 1)


def test_parameter_counts_follow_the_papers():
    # FSRCNN(56,12,4): 5x5x56 + 1x1 56->12 + 4 x 3x3 12->12 + 1x1 12->56 + 9x9 deconv 56->1, biases,
    # and one PReLU slope per channel of each of the 7 activations.
    convs = (25 * 56 + 56) + (56 * 12 + 12) + 4 * (9 * 144 + 12) + (12 * 56 + 56) + (81 * 56 + 1)
    prelus = 56 + 12 + 4 * 12 + 56
    assert FSRCNN(3).count_params() == convs + prelus == 12809
    # SRCNN 9-5-5 (n1=64, n2=32) and 9-1-5.
    assert SRCNN.preset("9-5-5").count_params() == (81 * 64 + 64) + (25 * 64 * 32 + 32) + (25 * 32 + 1)
    assert SRCNN.preset("9-1-5").count_params() == (81 * 64 + 64) + (64 * 32 + 32) + (25 * 32 + 1)
    small = FSRCNN_S(3)
    assert (small.d, small.s, small.m) == (32, 5, 1)


def test_prelu_is_shared_over_space_and_the_deconvolution_is_named():
    model = FSRCNN(2)
    slopes = model.get_layer("mapping_1_prelu").weights[0]
    assert tuple(slopes.shape) == (1, 1, 12)
    assert model.get_layer("deconvolution").strides == (2, 2)


@pytest.mark.parametrize("make", [lambda: FSRCNN(3, d=16, s=6, m=2), lambda: SRCNN.preset("9-1-5", n1=16, n2=8)])
def test_keras_round_trip_gives_identical_outputs_without_custom_objects(tmp_path, make):
    model = make()
    # Move away from the initial weights so the test sees trained-like values.
    model.set_weights([w + 0.01 * np.sign(w + 1e-3) for w in model.get_weights()])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # registered classes: no custom_objects
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    x = _random((1, 12, 9, 1), seed=1)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    np.testing.assert_array_equal(np.asarray(load_model(path)(x)), np.asarray(model(x)))


def test_build_model_names_and_errors():
    assert isinstance(build_model("fsrcnn", 4), FSRCNN) and build_model("fsrcnn", 4).scale == 4
    assert build_model("srcnn", 3).f2 == 5
    with pytest.raises(SRLibError, match="unknown model"):
        build_model("edsr", 3)
    with pytest.raises(SRLibError, match="9-5-5"):
        SRCNN.preset("9-9-9")


def test_pretrained_unknown_weights_name_the_available_ones():
    with pytest.raises(SRLibError, match="available"):
        pretrained("fsrcnn", scale=7)


@pytest.mark.parametrize("name, scale, margin", [("fsrcnn", 3, 1.5), ("srcnn-9-5-5", 3, 1.0)])
def test_shipped_weights_beat_bicubic_on_set5_as_recorded(shared_datasets, name, scale, margin):
    if not (WEIGHTS_DIR / f"{name}_x{scale}.keras").exists():
        pytest.skip(f"{name} x{scale} weights are not shipped")
    images = load_images(shared_datasets / "Set5")
    ours = evaluate_model(upscaler_for(name, scale), images, scale).mean("psnr")
    bicubic = evaluate_model(bicubic_upscaler(scale), images, scale).mean("psnr")
    assert ours > bicubic + margin
    # The JSON beside the weights records what they measure; it must agree with this run.
    record = pretrained_info(name, scale)
    assert abs(record["measured"]["Set5"]["psnr"] - ours) < 0.02
    json.dumps(record)


# The papers' numbers the shipped weights reach (PSNR dB, Y, scale px shaved): issue 3's targets met so far
# (SRCNN: the 91-image model of ECCV 2014; FSRCNN x4), issue 4's floors for the sub-pixel models and issue 24's
# more-data stages.
SHIPPED_FLOORS = [
    ("srcnn-9-5-5", 3, "Set5", 32.39),
    ("srcnn-9-5-5", 3, "Set14", 29.15),  # issue 24's more-data stage (29.147 before it)
    ("fsrcnn", 2, "Set5", 36.94),
    ("fsrcnn", 3, "Set5", 33.06),
    ("fsrcnn", 3, "Set14", 29.43),
    ("fsrcnn", 4, "Set5", 30.55),
    ("espcn", 3, "Set5", 32.55),
    ("srresnet", 4, "Set5", 31.00),
    pytest.param("srresnet", 4, "Set14", 27.80, marks=pytest.mark.slow),  # 10 s on 2 cores
]


@pytest.mark.parametrize("name, scale, dataset, floor", SHIPPED_FLOORS)
def test_shipped_weights_meet_their_floors_as_recorded(shared_datasets, name, scale, dataset, floor):
    if not (WEIGHTS_DIR / f"{name}_x{scale}.keras").exists():
        pytest.skip(f"{name} x{scale} weights are not shipped")
    psnr = evaluate_model(upscaler_for(name, scale), load_images(shared_datasets / dataset), scale).mean("psnr")
    assert psnr >= floor
    assert abs(pretrained_info(name, scale)["measured"][dataset]["psnr"] - psnr) < 0.01
