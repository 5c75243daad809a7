"""The one upscaler: tiling and its size rule, colour handling, self-ensemble, file I/O and memory (chapter 03)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import srlib
from srlib.errors import SRLibError
from srlib.image.color import rgb2ycbcr
from srlib.image.resize import imresize
from srlib.infer.files import upscale_file
from srlib.infer.planes import bicubic_upscale
from srlib.infer.receptive_field import receptive_radius, widest_activation
from srlib.infer.self_ensemble import dihedral_transforms, self_ensemble
from srlib.infer.tiling import MAX_TILE, tile_boxes, tile_side
from srlib.infer.upscaler import upscale, upscaler_for
from srlib.models.espcn import ESPCN
from srlib.models.fsrcnn import FSRCNN
from srlib.models.srcnn import SRCNN
from srlib.models.srresnet import SRResNet


def _photo(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A smooth random picture with some texture, uint8."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((height // 8 + 2, width // 8 + 2, channels)) * 255
    smooth = imresize(coarse, size=(height, width))
    return np.clip(smooth + rng.normal(0, 12, smooth.shape), 0, 255).astype(np.uint8)


def _seeded(build):
    keras.utils.set_random_seed(0)
    return build()


def _diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.abs(a.astype(int) - b.astype(int)).max())


@pytest.mark.parametrize(
    "build, scale",
    [
        (lambda: ESPCN(3), 3),
        (lambda: FSRCNN(2, d=16, s=8, m=2), 2),
        (lambda: SRCNN(n1=16, n2=8), 3),
        (lambda: SRResNet(4, num_blocks=2, filters=16), 4),
    ],
    ids=["espcn-y", "fsrcnn-y", "srcnn-bicubic", "srresnet-rgb"],
)
def test_tiled_equals_untiled(build, scale):
    model = _seeded(build)
    image = _photo(45, 62)
    whole = upscale(image, model, scale, tile=0)
    assert whole.shape == (45 * scale, 62 * scale, 3) and whole.dtype == np.uint8
    tiled = upscale(image, model, scale, tile=16)  # 3 x 4 tiles, default overlap = receptive radius
    assert _diff(tiled, whole) <= 1


def test_small_overlap_shows_the_seams_the_default_avoids():
    """With less overlap than the receptive field the tiles differ: the default overlap matters."""
    model = _seeded(lambda: SRResNet(2, num_blocks=4, filters=16))
    image = _photo(40, 40)
    assert receptive_radius(model) > 8
    whole = upscale(image, model, 2, tile=0)
    assert _diff(upscale(image, model, 2, tile=16, overlap=0), whole) > 1
    assert _diff(upscale(image, model, 2, tile=16), whole) <= 1


def test_receptive_radius():
    assert receptive_radius(ESPCN(3)) == 2 + 1 + 1
    assert receptive_radius(SRCNN(), scale=3) == 2 + (4 + 2 + 2) / 3  # bicubic taps + 9-5-5 at HR size
    # 9x9 head, 2 x 16 + 1 3x3 convs, 3x3 at x1 and x2, 9x9 at x4.
    assert receptive_radius(SRResNet(4)) == 4 + 33 + 1 + 0.5 + 4 / 4


@pytest.mark.parametrize("shape, scale", [((7, 5, 2), 2), ((1, 4, 1), 3), ((13, 11, 3), 4)])
def test_sparse_bicubic_equals_imresize(shape, scale):
    planes = np.random.default_rng(0).random(shape) * 255
    np.testing.assert_allclose(bicubic_upscale(planes, scale), imresize(planes, scale), rtol=0, atol=1e-9)


def test_tile_boxes_cover_each_pixel_once():
    for length, tile in [(100, 32), (33, 16), (5, 128), (64, 64)]:
        grid = tile_boxes(length, tile, overlap=4)
        covered = np.zeros(length, int)
        for start, stop, read_start, read_stop in grid:
            covered[start:stop] += 1
            assert read_start == max(0, start - 4) and read_stop == min(length, stop + 4)
            assert stop - start <= tile
        assert (covered == 1).all()
        sizes = [stop - start for start, stop, _, _ in grid]
        assert max(sizes) - min(sizes) <= 1


def test_widest_activation_counts_floats_per_lr_pixel():
    assert widest_activation(FSRCNN(3)) == 56  # d = 56 maps on the LR grid; the deconvolution's 1 x 9 is fewer
    assert widest_activation(SRCNN(), scale=3) == 64 * 9  # 64 maps on the HR grid
    assert widest_activation(SRResNet(4)) == 256 * 4  # 256 maps at x2 before the second shuffle


def test_tile_rule_keeps_the_widest_output_in_budget_and_test_images_untiled():
    assert tile_side(widest_activation(SRResNet(4)), overlap=40) == 176  # (176 + 80)^2 * 1024 * 4 B * 4 = 1 GiB
    assert tile_side(widest_activation(FSRCNN(3)), overlap=8) == MAX_TILE
    up = upscaler_for(_seeded(lambda: ESPCN(2)), 2)
    assert up.tile == MAX_TILE and up.overlap == 4
    image = _photo(24, MAX_TILE + 40)  # wider than one tile: two tiles, no seam
    assert _diff(up(image), upscale(image, up.model, 2, tile=0)) <= 1


def test_upscaler_runs_the_network_on_y_and_bicubic_on_chroma():
    scale = 3
    model = FSRCNN(scale, d=8, s=4, m=1)
    deconvolution = model.get_layer("deconvolution")
    # Mid-grey output with visible texture, so few pixels clip when converted to RGB.
    deconvolution.set_weights([np.random.default_rng(3).normal(0, 0.01, deconvolution.kernel.shape), np.array([0.45])])
    rng = np.random.default_rng(2)
    # Textured but unsaturated colours, so converting the SR back to RGB rarely clips.
    lr = (90 + 80 * rng.random((10, 12, 1)) + 20 * rng.random((10, 12, 3))).astype(np.uint8)
    sr = upscaler_for(model, scale)(lr)
    assert sr.shape == (30, 36, 3) and sr.dtype == np.uint8

    ycbcr = rgb2ycbcr(lr)
    expected_y = np.asarray(model(ycbcr[None, ..., :1].astype(np.float32) / 255.0))[0, ..., 0] * 255.0
    expected_cbcr = imresize(ycbcr[..., 1:], scale)
    got = rgb2ycbcr(sr)
    inside = (sr.min(axis=-1) > 0) & (sr.max(axis=-1) < 255)  # away from RGB clipping
    assert inside.mean() > 0.9
    # uint8 rounding of R, G, B moves Y, Cb, Cr by at most ~1 level.
    assert np.abs(got[..., 0] - expected_y)[inside].max() < 1.5
    assert np.abs(got[..., 1:] - expected_cbcr)[inside].max() < 2.0


def test_upscaler_handles_grayscale_and_checks_scale():
    model = SRCNN.preset("9-1-5", n1=8, n2=4)
    up = upscaler_for(model, 2)
    gray = np.full((8, 9), 100, np.uint8)
    assert up(gray).shape == (16, 18)
    assert up(gray[..., None]).shape == (16, 18, 1)
    with pytest.raises(SRLibError, match="x3"):
        upscaler_for(FSRCNN(3, d=8, s=4, m=1), 2)
    with pytest.raises(SRLibError, match="uint8"):
        up(gray.astype(np.float32))


def test_a_model_without_a_declared_scale_is_checked_on_its_output():
    inputs = keras.Input((None, None, 1))
    plain = keras.Model(inputs, keras.layers.UpSampling2D(3)(keras.layers.Conv2D(1, 3, padding="same")(inputs)))
    assert upscale(_photo(6, 7), plain, 3).shape == (18, 21, 3)
    with pytest.raises(SRLibError, match="not x2"):
        upscale(_photo(6, 7), plain, 2)


def test_grayscale_input():
    image = _photo(18, 21, channels=1)[..., 0]
    y_model = _seeded(lambda: ESPCN(2))
    sr = upscale(image, y_model, 2, tile=0)
    assert sr.shape == (36, 42) and sr.dtype == np.uint8
    expected = np.clip(
        np.floor(y_model(image[None, ..., None] / np.float32(255)).numpy()[0, ..., 0] * 255 + 0.5), 0, 255
    )
    assert _diff(sr, expected) <= 1
    rgb_model = _seeded(lambda: ESPCN(2, channels=3, filters=(8, 8)))
    sr = upscale(image, rgb_model, 2, tile=8)
    # Replicated to RGB, through the network, then the channel mean.
    rgb = rgb_model(np.repeat(image[None, ..., None], 3, axis=-1) / np.float32(255)).numpy()[0] * 255
    assert sr.shape == (36, 42)
    assert _diff(sr, np.clip(np.floor(rgb.mean(axis=-1) + 0.5), 0, 255)) <= 1


def test_rgba_alpha_is_upscaled_with_bicubic():
    model = _seeded(lambda: ESPCN(3))
    rgb, alpha = _photo(20, 17), _photo(20, 17, channels=1, seed=3)
    sr = upscale(np.concatenate([rgb, alpha], axis=-1), model, 3, tile=8)
    assert sr.shape == (60, 51, 4)
    np.testing.assert_array_equal(sr[..., 3], imresize(alpha, 3)[..., 0])
    assert _diff(sr[..., :3], upscale(rgb, model, 3, tile=0)) <= 1


@pytest.mark.parametrize("size", [(1, 1), (3, 5), (7, 2)])
def test_tiny_images(size):
    for model, scale in [(_seeded(lambda: ESPCN(2)), 2), (_seeded(lambda: SRResNet(4, num_blocks=1, filters=8)), 4)]:
        image = _photo(8, 8)[: size[0], : size[1]]
        sr = upscale(image, model, scale)
        assert sr.shape == (size[0] * scale, size[1] * scale, 3)


def test_dihedral_transforms_written_out():
    x = np.arange(2 * 3 * 2).reshape(2, 3, 2)
    written_out = [
        x,
        x[::-1],
        x[:, ::-1],
        x[::-1, ::-1],
        x.transpose(1, 0, 2),
        x.transpose(1, 0, 2)[::-1],
        x.transpose(1, 0, 2)[:, ::-1],
        x.transpose(1, 0, 2)[::-1, ::-1],
    ]
    produced = [forward(x) for forward, _ in dihedral_transforms()]
    assert sorted(p.tobytes() + bytes(p.shape) for p in produced) == sorted(
        w.tobytes() + bytes(w.shape) for w in written_out
    )
    for forward, inverse in dihedral_transforms():
        np.testing.assert_array_equal(inverse(forward(x)), x)


def test_self_ensemble_is_the_average_of_the_8_passes():
    # A position-dependent "network", so the 8 passes differ.
    def predict(x):
        ramp = np.arange(x.shape[0])[:, None, None] * 0.5 + np.arange(x.shape[1])[None, :, None] * 0.25
        return np.kron(x, np.ones((2, 2, 1))) + np.kron(ramp, np.ones((2, 2, 1)))

    x = np.random.default_rng(0).random((4, 6, 1))
    passes = [
        predict(x),
        predict(x[::-1])[::-1],
        predict(x[:, ::-1])[:, ::-1],
        predict(x[::-1, ::-1])[::-1, ::-1],
        predict(x.transpose(1, 0, 2)).transpose(1, 0, 2),
        predict(x.transpose(1, 0, 2)[::-1])[::-1].transpose(1, 0, 2),
        predict(x.transpose(1, 0, 2)[:, ::-1])[:, ::-1].transpose(1, 0, 2),
        predict(x.transpose(1, 0, 2)[::-1, ::-1])[::-1, ::-1].transpose(1, 0, 2),
    ]
    np.testing.assert_allclose(self_ensemble(predict, x), np.mean(passes, axis=0), atol=1e-12)
    assert np.abs(self_ensemble(predict, x) - predict(x)).max() > 0.1


def test_upscale_self_ensemble_averages_network_passes():
    model = _seeded(lambda: SRResNet(2, num_blocks=1, filters=8))
    image = _photo(12, 10)
    x = image.astype(np.float64)
    passes = [
        inverse(model(np.ascontiguousarray(forward(x))[None].astype(np.float32) / 255).numpy()[0] * 255.0)
        for forward, inverse in dihedral_transforms()
    ]
    expected = np.clip(np.floor(np.mean(passes, axis=0) + 0.5), 0, 255)
    assert _diff(upscale(image, model, 2, tile=0, self_ensemble=True), expected) <= 1
    assert _diff(upscale(image, model, 2, tile=6, self_ensemble=True), expected) <= 1


def _symmetrise(kernel: np.ndarray) -> np.ndarray:
    """Average a (kh, kw, in, out) kernel over the 8 flips/rotations of its spatial axes."""
    return np.mean([forward(kernel) for forward, _ in dihedral_transforms()], axis=0)


def test_self_ensemble_leaves_an_equivariant_model_unchanged():
    """Symmetric kernels + ICNR (nearest-neighbour) shuffle commute with flips and rotations."""
    model = _seeded(lambda: ESPCN(2, channels=3, filters=(8, 8)))
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            layer.set_weights([_symmetrise(kernel), bias])
    image = _photo(10, 13)
    plain = upscale(image, model, 2, tile=0)
    assert _diff(upscale(image, model, 2, tile=0, self_ensemble=True), plain) <= 1
    # ... while an ordinary (non-equivariant) model is changed by it.
    other = _seeded(lambda: ESPCN(2, channels=3, filters=(8, 8)))
    assert _diff(upscale(image, other, 2, tile=0, self_ensemble=True), upscale(image, other, 2, tile=0)) > 1


def test_scale_errors():
    model = _seeded(lambda: ESPCN(3))
    image = _photo(8, 8)
    for bad in (1, 2.5, 0):
        with pytest.raises(SRLibError, match="scale"):
            upscale(image, model, bad)
    with pytest.raises(SRLibError, match="upscales x3, not x2"):
        upscale(image, model, 2)
    with pytest.raises(SRLibError, match="not supported"):
        SRResNet(5)


def test_bad_image_errors():
    model = _seeded(lambda: ESPCN(2))
    with pytest.raises(SRLibError, match="uint8"):
        upscale(np.zeros((4, 4, 3), np.float32), model, 2)
    with pytest.raises(SRLibError, match="shape"):
        upscale(np.zeros((4, 4, 5), np.uint8), model, 2)


def test_model_from_a_keras_file(tmp_path):
    model = _seeded(lambda: ESPCN(2))
    model.save(tmp_path / "espcn_x2.keras")
    image = _photo(12, 9)
    from_file = upscale(image, str(tmp_path / "espcn_x2.keras"), 2, tile=4, progress=True)
    np.testing.assert_array_equal(from_file, upscale(image, model, 2, tile=4))
    with pytest.raises(SRLibError, match="no pretrained weights|unknown model"):
        upscale(image, "no-such-model", 2)


def test_the_learner_namespace_upscales():
    model = _seeded(lambda: ESPCN(2))
    image = _photo(9, 11)
    np.testing.assert_array_equal(srlib.upscale(image, model, 2), upscaler_for(model, 2, tile=0)(image))
    np.testing.assert_array_equal(srlib.infer.upscaler_for(model, 2)(image), upscale(image, model, 2, tile=0))


def test_upscale_file_rgba_and_16_bit(tmp_path):
    from PIL import Image

    model = _seeded(lambda: ESPCN(2))
    rgba = np.concatenate([_photo(10, 12), _photo(10, 12, channels=1, seed=5)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "in.png")
    out = upscale_file(tmp_path / "in.png", tmp_path / "out.png", model, 2, tile=4)
    with Image.open(out) as written:
        assert written.mode == "RGBA" and written.size == (24, 20)
        np.testing.assert_array_equal(np.asarray(written), upscale(rgba, model, 2, tile=0))
    gray16 = _photo(9, 7, channels=1)[..., 0].astype(np.uint16) * 257
    Image.fromarray(gray16).save(tmp_path / "gray16.png")
    out = upscale_file(tmp_path / "gray16.png", tmp_path / "gray.png", model, 2)
    with Image.open(out) as written:  # 16-bit stays 16-bit, and agrees with the 8-bit result to a grey level
        assert written.mode == "I;16" and written.size == (14, 18)
        eight = upscale((gray16 // 257).astype(np.uint8), model, 2)
        assert np.abs(np.asarray(written) / 257.0 - eight).max() <= 1.0


def test_upscale_file_checks_paths_before_any_work(tmp_path):
    from PIL import Image

    Image.fromarray(_photo(6, 6)).save(tmp_path / "in.png")
    # The model name is not even looked up: the output path is checked first.
    with pytest.raises(SRLibError, match="folder .*missing.* does not exist"):
        upscale_file(tmp_path / "in.png", tmp_path / "missing" / "out.png", "no-such-model", 2)
    with pytest.raises(SRLibError, match="is a folder"):
        upscale_file(tmp_path / "in.png", tmp_path, "no-such-model", 2)
    with pytest.raises(SRLibError, match="unknown image suffix"):
        upscale_file(tmp_path / "in.png", tmp_path / "out.xyz", "no-such-model", 2)
    with pytest.raises(SRLibError, match="does not exist or is not a file"):
        upscale_file(tmp_path / "nope.png", tmp_path / "out.png", "no-such-model", 2)
    with pytest.raises(SRLibError, match="--scale 7 is not supported|scale"):
        upscale_file(tmp_path / "in.png", tmp_path / "out.png", "no-such-model", 1)
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(SRLibError, match="permission denied"):
            upscale_file(tmp_path / "in.png", locked / "out.png", "no-such-model", 2)
    with pytest.raises(SRLibError, match="no-such-model"):  # only now the model
        upscale_file(tmp_path / "in.png", tmp_path / "out.png", "no-such-model", 2)
    assert not (tmp_path / "out.png").exists()


_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import keras, numpy as np
    from srlib.models.srresnet import SRResNet
    from srlib.infer.upscaler import upscaler_for
    size, scale, blocks = (int(a) for a in sys.argv[1:4])
    tile = None if sys.argv[4] == "rule" else int(sys.argv[4])
    keras.utils.set_random_seed(0)
    up = upscaler_for(SRResNet(scale, num_blocks=blocks), scale, tile=tile)
    image = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    up(image[:8, :8])  # TensorFlow's own start-up memory and the tracing, before the measurement
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    start = time.perf_counter()
    sr = up(image)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"shape": list(sr.shape), "seconds": seconds, "rss_before_bytes": before, "max_rss_bytes": peak}))
    """
)


def measure_upscale_memory(size: int, scale: int, tile: int | None, num_blocks: int = 16) -> dict:
    """Max resident memory of a fresh process upscaling a ``size x size`` RGB image with SRResNet (tile None: the rule)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(size), str(scale), str(num_blocks), "rule" if tile is None else str(tile)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_memory_stays_bounded_by_small_tiles():
    """160x160 at x4 in 40-pixel tiles: the widest output of a padded tile is (40 + 2 * 12)^2 * 1024 floats = 16 MiB.

    Untiled, this pass grows the resident memory by ~0.4 GB (measured); in these tiles, by well under 128 MiB.
    """
    result = measure_upscale_memory(160, 4, tile=40, num_blocks=2)
    assert result["shape"] == [640, 640, 3]
    growth = result["max_rss_bytes"] - result["rss_before_bytes"]
    assert growth < 128 * 2**20, result


@pytest.mark.slow
def test_memory_1024_at_x4_within_3_gb():
    """The chapter's promise: a 1024x1024 photo at x4 (4096x4096) with SRResNet on a CPU in <= 3 GB (the tile rule)."""
    result = measure_upscale_memory(1024, 4, tile=None)
    print(f"1024x1024 x4 SRResNet: {result['seconds']:.0f} s, max RSS {result['max_rss_bytes'] / 2**30:.2f} GiB")
    assert result["shape"] == [4096, 4096, 3]
    assert result["max_rss_bytes"] <= 3 * 2**30, result
