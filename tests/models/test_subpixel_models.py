"""Sub-pixel convolution models: PixelShuffle, ICNR, ESPCN and SRResNet (chapter 03)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.models.espcn import ESPCN
from srlib.models.pixel_shuffle import ICNR, PixelShuffle, icnr_initializer
from srlib.models.srresnet import SRResNet, upsampling_factors


def _written_out_shuffle(t: np.ndarray, r: int) -> np.ndarray:
    """PS(T)[r*h + i, r*w + j, c] = T[h, w, (r*i + j)*C + c], as reshape and transpose."""
    n, h, w, depth = t.shape
    c = depth // (r * r)
    return t.reshape(n, h, w, r, r, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * r, w * r, c)


@pytest.mark.parametrize("scale, channels", [(2, 1), (3, 3), (4, 2)])
def test_pixel_shuffle_matches_written_out_and_depth_to_space(scale, channels):
    t = np.random.default_rng(scale).random((2, 5, 7, channels * scale * scale)).astype(np.float32)
    shuffled = PixelShuffle(scale)(t).numpy()
    assert shuffled.shape == (2, 5 * scale, 7 * scale, channels)
    np.testing.assert_array_equal(shuffled, _written_out_shuffle(t, scale))
    np.testing.assert_array_equal(shuffled, tf.nn.depth_to_space(t, scale).numpy())
    # One element by the formula, so the reshape itself is checked too.
    i, j, h, w, c = scale - 1, 0, 3, 4, channels - 1
    assert shuffled[1, scale * h + i, scale * w + j, c] == t[1, h, w, (scale * i + j) * channels + c]


def test_pixel_shuffle_rejects_channels_not_multiple_of_scale_squared():
    with pytest.raises(ValueError, match="multiple of 4"):
        PixelShuffle(2).compute_output_shape((None, None, None, 6))


@pytest.mark.parametrize("scale", [2, 3])
def test_icnr_initial_conv_plus_shuffle_is_nearest_neighbour(scale):
    keras.utils.set_random_seed(1)
    channels = 3
    conv = keras.layers.Conv2D(channels * scale * scale, 3, padding="same", kernel_initializer=icnr_initializer(scale))
    x = np.random.default_rng(0).random((1, 9, 11, 5)).astype(np.float32)
    sr = PixelShuffle(scale)(conv(x)).numpy()
    blocks = sr.reshape(1, 9, scale, 11, scale, channels)
    # Every scale x scale block is constant: exactly a nearest-neighbour upsampling of its top-left pixel.
    np.testing.assert_array_equal(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))
    nearest = np.repeat(np.repeat(sr[:, ::scale, ::scale], scale, axis=1), scale, axis=2)
    np.testing.assert_array_equal(sr, nearest)
    assert np.std(sr) > 0  # and not trivially constant


def test_plain_init_is_not_nearest_neighbour():
    """Without ICNR the sub-pixels differ: the checkerboard ICNR removes."""
    keras.utils.set_random_seed(1)
    conv = keras.layers.Conv2D(4, 3, padding="same")
    sr = PixelShuffle(2)(conv(np.random.default_rng(0).random((1, 6, 6, 2)).astype(np.float32))).numpy()
    assert np.abs(sr[:, 0::2, 0::2] - sr[:, 1::2, 1::2]).max() > 1e-3


def test_icnr_serialises_with_its_base():
    initializer = icnr_initializer(3, keras.initializers.GlorotUniform)
    again = keras.initializers.deserialize(keras.initializers.serialize(initializer))
    assert isinstance(again, ICNR) and again.scale == 3
    assert isinstance(again.base, keras.initializers.GlorotUniform)
    kernel = keras.ops.convert_to_numpy(again((3, 3, 4, 18)))
    np.testing.assert_array_equal(kernel[..., :2], kernel[..., 16:])


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_espcn_shapes_and_paper_parameter_count(scale):
    model = ESPCN(scale)
    assert model(np.zeros((1, 7, 10, 1), np.float32)).shape == (1, 7 * scale, 10 * scale, 1)
    # (5x5x1x64 + 64) + (3x3x64x32 + 32) + (3x3x32xr^2 + r^2), sec. 3.2's l = 3 network.
    assert model.count_params() == (25 * 64 + 64) + (9 * 64 * 32 + 32) + (9 * 32 + 1) * scale * scale
    assert model.get_layer("conv_1").activation.__name__ == "tanh"
    assert model.input_mode == "lr"


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_srresnet_shapes(scale):
    model = SRResNet(scale, num_blocks=1)
    assert model(np.zeros((1, 5, 6, 3), np.float32)).shape == (1, 5 * scale, 6 * scale, 3)


def test_srresnet_structure_follows_fig4():
    model = SRResNet(4)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.kernel_size[0] for c in (convs[0], convs[-1])] == [9, 9]
    assert sum(layer.name.startswith("block_") and layer.name.endswith("_add") for layer in model.layers) == 16
    assert len([layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]) == 2 * 16 + 1
    shuffles = [layer.scale for layer in model.layers if isinstance(layer, PixelShuffle)]
    assert shuffles == [2, 2]
    assert model.get_layer("upsample_1_conv").filters == 256
    # 16 blocks x 2 x (3x3x64x64 conv + BN) + head, body, upsampling and tail: about 1.5 M weights.
    assert 1.5e6 < model.count_params() < 1.6e6


def test_srresnet_upsampling_stages():
    assert upsampling_factors(2) == [2]
    assert upsampling_factors(3) == [3]
    assert upsampling_factors(4) == [2, 2]
    for bad in (5, 6, 1):
        with pytest.raises(SRLibError, match="not supported"):
            upsampling_factors(bad)


def test_srresnet_without_batch_norm():
    with_bn, without = SRResNet(2, num_blocks=2), SRResNet(2, num_blocks=2, batch_norm=False)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in without.layers)
    assert without.get_layer("block_1_conv_1").use_bias and not with_bn.get_layer("block_1_conv_1").use_bias
    assert without.count_params() < with_bn.count_params()


@pytest.mark.parametrize(
    "build",
    [
        lambda: ESPCN(3),
        lambda: ESPCN(2, channels=3, filters=(16, 8), icnr=False),
        lambda: SRResNet(4, num_blocks=2, filters=16),
        lambda: SRResNet(3, num_blocks=1, filters=8, batch_norm=False),
    ],
    ids=["espcn-x3", "espcn-rgb-x2", "srresnet-x4", "srresnet-nobn-x3"],
)
def test_save_load_round_trip(build, tmp_path):
    keras.utils.set_random_seed(0)
    model = build()
    x = np.random.default_rng(0).random((1, 6, 5, model.inputs[0].shape[-1])).astype(np.float32)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)  # no custom_objects: the classes are registered
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_srresnet_branch_init_scale_shrinks_only_the_branch_ends():
    keras.utils.set_random_seed(0)
    plain = SRResNet(2, num_blocks=2, batch_norm=False, branch_init_scale=1.0)
    keras.utils.set_random_seed(0)
    scaled = SRResNet(2, num_blocks=2, batch_norm=False)  # default without BN: 0.1
    assert scaled.branch_init_scale == 0.1 and SRResNet(2, num_blocks=1).branch_init_scale == 1.0

    def spread(model, name):
        return float(np.std(model.get_layer(name).get_weights()[0]))

    for name in ("block_1_conv_2", "block_2_conv_2", "body_conv", "tail_conv"):
        assert spread(scaled, name) == pytest.approx(0.1 * spread(plain, name), rel=0.05)
    assert spread(scaled, "block_1_conv_1") == pytest.approx(spread(plain, "block_1_conv_1"), rel=0.05)
    restored = SRResNet.from_config(scaled.get_config())
    assert restored.branch_init_scale == 0.1


def test_freeze_upsampler_fixes_the_pixel_shuffle_stages_and_last_conv_only():
    from srlib.models.srresnet import SRResNet, freeze_upsampler

    model = SRResNet(4, num_blocks=1, filters=8, batch_norm=False)
    frozen = freeze_upsampler(model)
    stages = [f"upsample_{k}_{part}" for k in (1, 2) for part in ("conv", "shuffle", "prelu")]
    assert frozen == [*stages, "tail_conv"]
    for layer in model.layers:
        if layer.weights:
            assert layer.trainable == (layer.name not in frozen), layer.name
    assert model.get_layer("head_conv").trainable and model.get_layer("block_1_conv_1").trainable
