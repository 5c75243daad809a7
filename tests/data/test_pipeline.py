"""The tf.data training pipeline: aligned patches, both input modes, augmentation, resumability."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from srlib.data.pipeline import (
    _compiled_gather,
    _degrade_patches,
    _gather_patches,
    prepare_training_images,
    training_dataset,
)
from srlib.errors import SRLibError
from srlib.image.color import rgb2y
from srlib.image.crop import modcrop
from srlib.image.degrade.chain import real_degradation
from srlib.image.resize import imresize


def _hr_images() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    # Noise: every patch occurs once, so a patch's position can be found back. Sizes are not multiples of 3.
    return [rng.integers(0, 256, (41, 35, 3), dtype=np.uint8), rng.integers(0, 256, (29, 38), dtype=np.uint8)]


def _batches(dataset, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.numpy(), y.numpy()) for x, y in dataset.take(count)]


def _find(hr: np.ndarray, patch: np.ndarray) -> list[tuple[int, int]]:
    size = patch.shape[0]
    return [
        (top, left)
        for top in range(hr.shape[0] - size + 1)
        for left in range(hr.shape[1] - size + 1)
        if np.array_equal(hr[top : top + size, left : left + size], patch)
    ]


def _locate(hr_list, target_uint8):
    """(image index, top, left) of an HR patch, searched in every image."""
    hits = []
    for index, hr in enumerate(hr_list):
        patch = target_uint8 if hr.ndim == 3 else target_uint8[..., 0]
        if hr.ndim == 2 and not (np.array_equal(target_uint8[..., 0], target_uint8[..., 1])):
            continue
        hits += [(index, top, left) for top, left in _find(hr, patch)]
    assert len(hits) == 1, hits
    return hits[0]


@pytest.mark.parametrize("input_mode", ["lr", "bicubic"])
def test_patches_are_aligned_crops_of_the_matlab_resized_image(input_mode):
    scale, size = 3, 12
    hr_list = [modcrop(hr, scale) for hr in _hr_images()]
    dataset = training_dataset(_hr_images(), scale=scale, patch_size=size, batch_size=8, input_mode=input_mode,
                               channels="rgb", augment=False, seed=5)  # fmt: skip
    seen_images = set()
    for inputs, targets in _batches(dataset, 3):
        for source, target in zip(inputs, targets):
            target_uint8 = np.round(target * 255).astype(np.uint8)
            np.testing.assert_allclose(target, target_uint8 / 255.0, atol=1e-7)
            index, top, left = _locate(hr_list, target_uint8)
            seen_images.add(index)
            assert top % scale == 0 and left % scale == 0  # HR origin on the LR grid
            lr = imresize(hr_list[index], 1 / scale)
            if input_mode == "lr":
                expected = lr[top // scale : (top + size) // scale, left // scale : (left + size) // scale]
            else:
                expected = imresize(lr, scale)[top : top + size, left : left + size]
            if expected.ndim == 2:
                expected = np.repeat(expected[..., None], 3, axis=-1)
            np.testing.assert_allclose(source, expected / 255.0, atol=1e-7)
    assert seen_images == {0, 1}


def test_y_channel_is_matlab_luma_and_gray_images_keep_their_channel():
    scale, size = 2, 8
    hr_list = [modcrop(hr, scale) for hr in _hr_images()]
    rgb = training_dataset(_hr_images(), scale=scale, patch_size=size, batch_size=16, channels="rgb", augment=False)
    y = training_dataset(_hr_images(), scale=scale, patch_size=size, batch_size=16, channels="y", augment=False)
    ((rgb_in, rgb_target),) = _batches(rgb, 1)
    ((y_in, y_target),) = _batches(y, 1)
    assert y_in.shape == (16, 4, 4, 1) and y_target.shape == (16, 8, 8, 1)
    for k in range(16):
        index, _, _ = _locate(hr_list, np.round(rgb_target[k] * 255).astype(np.uint8))
        for y_patch, rgb_patch in ((y_in[k], rgb_in[k]), (y_target[k], rgb_target[k])):
            values = np.round(rgb_patch * 255)
            expected = values[..., :1] if hr_list[index].ndim == 2 else rgb2y(values)[..., None]
            np.testing.assert_allclose(y_patch, expected / 255.0, atol=2e-6)


@pytest.mark.parametrize("input_mode, input_size", [("lr", 8), ("bicubic", 32)])
@pytest.mark.parametrize("channels, depth", [("y", 1), ("rgb", 3)])
def test_shapes_dtypes_and_range(input_mode, input_size, channels, depth):
    dataset = training_dataset(_hr_images(), scale=4, patch_size=32, batch_size=5, input_mode=input_mode,
                               channels=channels)  # fmt: skip
    assert dataset.element_spec[0].shape.as_list() == [5, input_size, input_size, depth]
    assert dataset.element_spec[1].shape.as_list() == [5, 32, 32, depth]
    ((inputs, targets),) = _batches(dataset, 1)
    assert inputs.dtype == targets.dtype == np.float32
    assert inputs.min() >= 0.0 and inputs.max() <= 1.0 and targets.min() >= 0.0 and targets.max() <= 1.0


def test_batches_depend_only_on_seed_and_step():
    options = dict(scale=2, patch_size=8, batch_size=4, seed=11)
    first = _batches(training_dataset(_hr_images(), **options), 5)
    again = _batches(training_dataset(_hr_images(), **options), 5)
    resumed = _batches(training_dataset(_hr_images(), start_step=3, **options), 2)
    other_seed = _batches(training_dataset(_hr_images(), **{**options, "seed": 12}), 1)
    for (x1, y1), (x2, y2) in zip(first, again):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    for (x1, y1), (x2, y2) in zip(first[3:], resumed):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(first[0][1], first[1][1])  # consecutive batches differ
    assert not np.array_equal(first[0][1], other_seed[0][1])


def test_augmentation_only_flips_and_rotates_input_and_target_together():
    options = dict(scale=3, patch_size=12, batch_size=32, channels="rgb", seed=2)
    ((plain_in, plain_target),) = _batches(training_dataset(_hr_images(), augment=False, **options), 1)
    ((aug_in, aug_target),) = _batches(training_dataset(_hr_images(), augment=True, **options), 1)

    def dihedral(patch, code):
        if code & 1:
            patch = patch[:, ::-1]
        if code & 2:
            patch = patch[::-1]
        return patch.transpose(1, 0, 2) if code & 4 else patch

    used = set()
    for k in range(32):
        codes = [c for c in range(8) if np.array_equal(dihedral(plain_target[k], c), aug_target[k])]
        assert codes, f"patch {k} is not a flip/rotation of the un-augmented patch"
        assert any(np.array_equal(dihedral(plain_in[k], c), aug_in[k]) for c in codes)
        used.add(codes[0])
    assert len(used) >= 4  # the augmentation is really applied, with several transforms


def test_small_images_are_skipped_and_all_too_small_is_an_error():
    big, small = np.zeros((40, 40, 3), np.uint8), np.zeros((20, 50, 3), np.uint8)
    prepared = prepare_training_images([big, small], scale=2, patch_size=24)
    assert prepared.count == 1 and prepared.skipped == 1
    with pytest.raises(SRLibError, match=r"patch_size=48 .*smallest 20x50.*largest 40x40") as info:
        training_dataset([big, small], scale=2, patch_size=48, batch_size=2)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(scale=3, patch_size=32), "patch_size=32 is not a multiple of scale=3"),
        (dict(input_mode="nearest"), "input_mode='nearest'"),
        (dict(channels="ycbcr"), "channels='ycbcr'"),
        (dict(batch_size=0), "batch_size=0"),
    ],
)
def test_bad_options_fail_with_one_line(options, message):
    arguments = {**dict(scale=2, patch_size=16, batch_size=2), **options}
    with pytest.raises(SRLibError, match=message.replace("(", r"\(")):
        training_dataset(_hr_images(), **arguments)


def test_accepts_load_images_pairs_and_prepared_images():
    pairs = [("a", _hr_images()[0]), ("b", _hr_images()[1])]
    prepared = prepare_training_images(pairs, scale=2, patch_size=8, input_mode="bicubic")
    from_pairs = _batches(training_dataset(pairs, scale=2, patch_size=8, batch_size=3, input_mode="bicubic"), 1)
    from_prepared = _batches(training_dataset(prepared, scale=2, patch_size=8, batch_size=3, input_mode="bicubic"), 1)
    np.testing.assert_array_equal(from_pairs[0][0], from_prepared[0][0])
    with pytest.raises(SRLibError, match="prepared images are for scale=2"):
        training_dataset(prepared, scale=4, patch_size=8, batch_size=3, input_mode="bicubic")
    with pytest.raises(SRLibError, match=r"hr_images\[0\]: expected a uint8"):
        training_dataset([np.zeros((16, 16, 3), np.float32)], scale=2, patch_size=8, batch_size=1)


def test_rescaled_copies_follow_the_originals_with_matlab_downscales():
    from srlib.data.pipeline import rescaled_copies
    from srlib.image.resize import imresize

    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), rng.integers(0, 256, (20, 20), dtype=np.uint8)]
    out = rescaled_copies([("a", images[0]), ("b", images[1])], (0.9, 0.6))
    assert [im.shape for im in out] == [(30, 40, 3), (20, 20), (27, 36, 3), (18, 18), (18, 24, 3), (12, 12)]
    np.testing.assert_array_equal(out[0], images[0])
    np.testing.assert_array_equal(out[4], imresize(images[0], 0.6))
    assert all(im.dtype == np.uint8 for im in out)
    assert len(rescaled_copies(images, (1.0, 0.8))) == 4  # 1.0 is the originals, kept once


@pytest.mark.parametrize("factors", [(1.5,), (0.0,), (-0.5, 0.9)])
def test_rescaled_copies_reject_upscaling_or_empty_factors(factors):
    from srlib.data.pipeline import rescaled_copies

    with pytest.raises(SRLibError, match="outside"):
        rescaled_copies([np.zeros((8, 8), np.uint8)], factors)


def test_real_degradation_makes_each_lr_patch_from_its_hr_patch_seeded_by_step():
    options = dict(scale=4, patch_size=32, batch_size=3, seed=5, channels="rgb", augment=False)
    first = _batches(training_dataset(_hr_images()[:1] * 2, degradation="real", **options), 3)
    resumed = _batches(training_dataset(_hr_images()[:1] * 2, degradation="real", start_step=2, **options), 1)
    np.testing.assert_array_equal(first[2][0], resumed[0][0])  # resume sees the same degraded batch
    lr, hr = first[1]
    assert lr.shape == (3, 8, 8, 3) and hr.shape == (3, 32, 32, 3)
    hr_uint8 = np.round(hr * 255).astype(np.uint8)
    expected = real_degradation(hr_uint8[2], 4, np.random.default_rng([5, 1, 2]))  # patch 2 of step 1
    np.testing.assert_allclose(lr[2], expected / 255.0, atol=1e-6)
    np.testing.assert_array_equal(_degrade_patches(hr_uint8, np.int64(1), 5, 4)[2], expected)
    bicubic = _batches(training_dataset(_hr_images()[:1] * 2, **options), 2)[1]
    np.testing.assert_array_equal(bicubic[1], hr)  # the same HR patches: only the LR is made differently
    assert not np.allclose(bicubic[0], lr)
    with pytest.raises(SRLibError, match=r"degradation='real' makes LR patches: use it with input_mode='lr'"):
        training_dataset(_hr_images(), degradation="real", input_mode="bicubic", **options)
    with pytest.raises(SRLibError, match=r"unknown degradation 'blur'"):
        training_dataset(_hr_images(), degradation="blur", **options)


def test_the_xla_compiled_gather_cuts_the_same_pixels_as_tensorflows_gather_for_every_flip():
    rng = np.random.default_rng(5)
    images = [rng.random((13, 17), dtype=np.float32), rng.random((9, 11), dtype=np.float32)]
    flat = tf.constant(np.concatenate([image.ravel() for image in images]))
    offset, width = tf.constant([0, 13 * 17], tf.int64), tf.constant([17, 11], tf.int64)
    image = tf.constant([0, 1, 0, 1, 0, 1, 0, 1], tf.int64)
    top, left = tf.constant([0, 4, 8, 1, 3, 0, 2, 4], tf.int64), tf.constant([12, 6, 0, 2, 9, 1, 5, 0], tf.int64)
    code = tf.range(8, dtype=tf.int64)
    compiled = _compiled_gather(flat, offset, width, image, top, left, 5, code).numpy()
    plain = _gather_patches(flat, offset, width, image, top, left, 5, code).numpy()
    np.testing.assert_array_equal(compiled, plain)
    for k in range(8):
        patch = images[int(image[k])][int(top[k]) : int(top[k]) + 5, int(left[k]) : int(left[k]) + 5]
        if k & 1:
            patch = patch[:, ::-1]
        if k & 2:
            patch = patch[::-1]
        np.testing.assert_array_equal(compiled[k], patch.T if k & 4 else patch)
