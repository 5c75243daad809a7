"""srlib.imresize against MATLAB's imresize(..., 'bicubic') semantics.

Three kinds of evidence: values worked out by hand from MATLAB's algorithm
(kernel, pixel-centre mapping, symmetric padding), a slow loop-by-loop
transliteration of MATLAB's ``contributions``/``resizeAlongDim`` checked on
odd sizes and every scale from 1/4 to 4, and properties MATLAB's output has.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from srlib.image.resize import imresize, output_size, resize_weights


def keys_cubic(x: float) -> float:
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax**3 - 2.5 * ax**2 + 1
    if ax <= 2:
        return -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2
    return 0.0


def matlab_resize_1d(v: list[float], scale: float, out_len: int) -> list[float]:
    """Loop-by-loop MATLAB: u = x/scale + 0.5(1 - 1/scale), taps ceil(width)+2, mirror [1..n, n..1]."""
    n = len(v)
    width = 4.0 / scale if scale < 1 else 4.0
    out = []
    for x in range(1, out_len + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        taps = math.ceil(width) + 2
        total, weight_sum = 0.0, 0.0
        for j in range(taps):
            idx = left + j
            w = scale * keys_cubic(scale * (u - idx)) if scale < 1 else keys_cubic(u - idx)
            # Symmetric padding, 1-based: 0 -> 1, -1 -> 2, n+1 -> n, n+2 -> n-1.
            k = idx
            while k < 1 or k > n:
                k = 1 - k if k < 1 else 2 * n + 1 - k
            total += w * v[k - 1]
            weight_sum += w
        out.append(total / weight_sum)
    return out


def matlab_resize_2d(image: np.ndarray, scale: float) -> np.ndarray:
    """Rows (dimension 1) first, then columns: MATLAB's order when both scales are equal."""
    h, w = image.shape
    oh, ow = output_size(h, scale), output_size(w, scale)
    cols = np.array([matlab_resize_1d(list(image[:, c]), scale, oh) for c in range(w)]).T
    return np.array([matlab_resize_1d(list(cols[r, :]), scale, ow) for r in range(oh)])


# --- worked by hand -------------------------------------------------------------------------


def test_upscale_by_two_first_pixels_by_hand():
    # x = 1: u = 0.75, taps at -2..3 with distances 2.75, 1.75, 0.75, -0.25, -1.25, -2.25:
    # weights 0, -3/128, 29/128, 111/128, -9/128, 0; index -1 mirrors to v2, 0 to v1.
    # out1 = (29 + 111)/128 v1 + (-3 - 9)/128 v2 = 140/128 v1 - 12/128 v2
    # x = 2: u = 1.25, distances 2.25, 1.25, 0.25, -0.75, -1.75, -2.75 from taps -1..4:
    # out2 = (-9 + 111)/128 v1 + 29/128 v2 - 3/128 v3
    v = np.array([[1.0, 2.0, 3.0, 4.0]])
    out = imresize(v, 2)
    assert out.shape == (2, 8)
    expected1 = float(Fraction(140, 128) * 1 - Fraction(12, 128) * 2)
    expected2 = float(Fraction(102, 128) * 1 + Fraction(29, 128) * 2 - Fraction(3, 128) * 3)
    assert out[0, 0] == pytest.approx(expected1, abs=1e-12)
    assert out[0, 1] == pytest.approx(expected2, abs=1e-12)
    # Rows are resized too (1 -> 2 rows): a constant column stays constant.
    np.testing.assert_allclose(out[0], out[1], atol=1e-12)
    # Symmetry: the ramp's mirror image resizes to the mirrored output.
    np.testing.assert_allclose(imresize(v[:, ::-1], 2)[0], out[0, ::-1], atol=1e-12)


def test_downscale_by_two_weights_by_hand():
    # Shrinking by 1/2 stretches the kernel to width 8: h(d) = 0.5 * cubic(0.5 d).
    # Output pixel 1 sits at u = 2 - 0.5 = 1.5; taps -3..6 have distances 4.5, 3.5, ..., -4.5.
    weights, indices = resize_weights(8, 4, 0.5)
    d = np.array([3.5, 2.5, 1.5, 0.5, -0.5, -1.5, -2.5, -3.5])
    h = np.array([0.5 * keys_cubic(0.5 * x) for x in d])
    # Taps at distance 4.5 (weight 0 everywhere) are dropped, as MATLAB does.
    assert weights.shape == (4, 8)
    np.testing.assert_allclose(weights[0], h / h.sum(), atol=1e-15)
    # Taps -2..5 (1-based) mirror to 3 2 1 1 2 3 4 5 -> 0-based 2 1 0 0 1 2 3 4.
    np.testing.assert_array_equal(indices[0], [2, 1, 0, 0, 1, 2, 3, 4])


def test_output_size_is_ceil_of_in_times_scale():
    assert output_size(5, 0.5) == 3
    assert output_size(7, 1 / 3) == 3
    assert output_size(480, 1 / 4) == 120
    assert output_size(255, 1 / 3) == 85
    assert output_size(3, 4) == 12
    assert imresize(np.zeros((7, 5)), 0.5).shape == (4, 3)
    assert imresize(np.zeros((7, 5, 3)), 1.5).shape == (11, 8, 3)


# --- against the loop transliteration, odd sizes, every scale ----------------------------------


@pytest.mark.parametrize("scale", [1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4, 1.0, 1.5, 2.0, 3.0, 4.0])
@pytest.mark.parametrize("shape", [(7, 5), (13, 11), (9, 16)])
def test_matches_matlab_algorithm_float(scale, shape):
    rng = np.random.default_rng(int(scale * 100) + shape[0])
    image = rng.random(shape)
    np.testing.assert_allclose(imresize(image, scale), matlab_resize_2d(image, scale), atol=1e-6, rtol=0)


def test_scale_one_is_identity_and_constants_stay_constant():
    rng = np.random.default_rng(0)
    image = rng.random((9, 7, 3))
    np.testing.assert_allclose(imresize(image, 1), image, atol=1e-12)
    for scale in (0.25, 1 / 3, 0.5, 2, 3, 4):
        np.testing.assert_allclose(imresize(np.full((9, 7), 0.3), scale), 0.3, atol=1e-12)


def test_uint8_is_rounded_per_dimension_like_imresizemex():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (11, 9), dtype=np.uint8)
    out = imresize(image, 1 / 3)
    assert out.dtype == np.uint8
    # MATLAB rounds (halves up) and saturates after the first dimension, then resizes the second.
    rows = np.clip(
        np.floor(np.array([matlab_resize_1d(list(image[:, c].astype(float)), 1 / 3, 4) for c in range(9)]).T + 0.5),
        0,
        255,
    )
    expected = np.clip(np.floor(np.array([matlab_resize_1d(list(rows[r]), 1 / 3, 3) for r in range(4)]) + 0.5), 0, 255)
    np.testing.assert_array_equal(out, expected.astype(np.uint8))
    # And within one grey level of the float computation.
    diff = np.abs(out.astype(float) - np.clip(imresize(image.astype(float), 1 / 3), 0, 255))
    assert diff.max() <= 1.0


def test_smaller_scale_dimension_goes_first():
    # With scale (1/2, 2), MATLAB shrinks rows first; with (2, 1/2) it shrinks columns first.
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (10, 10), dtype=np.uint8)
    out = imresize(image, (0.5, 2))
    cols_first = imresize(imresize(image, (0.5, 1)), (1, 2))
    np.testing.assert_array_equal(out, cols_first)


def test_size_argument_and_errors():
    assert imresize(np.zeros((10, 10)), size=(5, 20)).shape == (5, 20)
    with pytest.raises(ValueError):
        imresize(np.zeros((4, 4)), 0)
    with pytest.raises(ValueError):
        imresize(np.zeros((4,)), 2)
    with pytest.raises(TypeError):
        imresize(np.zeros((4, 4), dtype=np.int16), 2)


def _gathered_reference(image, scale):
    """imresize the direct way: every tap gathered at once, summed over the taps axis (as srlib did before)."""
    from srlib.image.resize import _dimension_order, _scales_and_shape

    scales, out_shape = _scales_and_shape(image.shape, scale, None)
    out = image.astype(np.float64)
    for axis in _dimension_order(scales):
        weights, indices = resize_weights(out.shape[axis], out_shape[axis], scales[axis], True)
        moved = np.moveaxis(out, axis, 0)
        gathered = moved[indices] * weights.reshape(weights.shape + (1,) * (moved.ndim - 1))
        out = np.moveaxis(gathered.sum(axis=1), 0, axis)
        if image.dtype == np.uint8:
            out = np.clip(np.floor(out + 0.5), 0, 255)
    return out.astype(np.uint8) if image.dtype == np.uint8 else out


@pytest.mark.parametrize("block", [1, 7, 32_768])
@pytest.mark.parametrize("shape, dtype, scale", [((37, 53, 3), np.uint8, 1 / 3), ((29, 31), np.float64, 2.5)])
def test_blocked_taps_give_the_gathered_sum_to_the_bit(monkeypatch, block, shape, dtype, scale):
    from srlib.image import resize

    monkeypatch.setattr(resize, "CACHE_BLOCK_VALUES", block)  # blocks of 1 row, of a few rows, of all rows
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, shape).astype(np.uint8) if dtype == np.uint8 else rng.random(shape)
    np.testing.assert_array_equal(imresize(image, scale), _gathered_reference(image, scale))


def test_a_large_photo_is_resized_within_150_mb():
    """Issue 23 item 4: 2040x1356 RGB at 1/4 (a DIV2K-sized image) with at most 150 MB of extra memory."""
    import tracemalloc

    image = np.random.default_rng(0).integers(0, 256, (1356, 2040, 3), dtype=np.uint8)
    tracemalloc.start()
    try:
        out = imresize(image, 1 / 4)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (339, 510, 3) and peak < 150 * 2**20
