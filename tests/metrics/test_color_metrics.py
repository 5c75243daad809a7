"""Colour conversion, crops and the PSNR/SSIM conventions."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.image.color import rgb2y, rgb2ycbcr, ycbcr2rgb
from srlib.image.crop import modcrop, shave
from srlib.metrics import psnr, psnr_y, rmse_y, ssim, ssim_y
from srlib.metrics.ssim import gaussian_window


def test_rgb2ycbcr_matlab_values():
    # MATLAB: rgb2ycbcr(uint8([255 255 255])) -> [235 128 128]; black -> [16 128 128];
    # pure red -> Y = 16 + 65.481 = 81.481, Cb = 128 - 37.797 = 90.203, Cr = 240.
    pixels = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]]], dtype=np.uint8)
    ycc = rgb2ycbcr(pixels)
    np.testing.assert_allclose(ycc[0, 0], [235, 128, 128], atol=1e-9)
    np.testing.assert_allclose(ycc[0, 1], [16, 128, 128], atol=1e-9)
    np.testing.assert_allclose(ycc[0, 2], [81.481, 90.203, 240.0], atol=1e-9)
    np.testing.assert_allclose(rgb2y(pixels), ycc[..., 0])


def test_ycbcr_round_trip_and_grayscale_y():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    np.testing.assert_allclose(ycbcr2rgb(rgb2ycbcr(rgb)), rgb, atol=1e-9)
    gray = rng.integers(0, 256, (6, 5), dtype=np.uint8)
    np.testing.assert_array_equal(rgb2y(gray), gray)
    np.testing.assert_array_equal(rgb2y(gray[..., None]), gray)
    with pytest.raises(ValueError):
        rgb2y(np.zeros((4, 4, 4)))


def test_modcrop_and_shave():
    image = np.arange(7 * 10).reshape(7, 10)
    assert modcrop(image, 3).shape == (6, 9)
    assert modcrop(image, 2).shape == (6, 10)
    np.testing.assert_array_equal(shave(image, 2), image[2:-2, 2:-2])
    assert shave(image, 0) is image
    with pytest.raises(ValueError):
        shave(image, 4)


def test_psnr_definition():
    a = np.zeros((10, 10))
    b = np.full((10, 10), 5.0)
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 25))
    assert psnr(a, a) == float("inf")


def test_psnr_y_shaves_the_border():
    hr = np.full((20, 20, 3), 100, dtype=np.uint8)
    sr = hr.copy()
    sr[:3] = 0  # damage only the top border
    assert psnr_y(sr, hr, 3) == float("inf")
    assert psnr_y(sr, hr, 2) < 40
    assert rmse_y(sr, hr, 3) == 0.0


def test_ssim_window_and_known_values():
    w = gaussian_window()
    assert w.shape == (11, 11) and w.sum() == pytest.approx(1.0)
    assert w[5, 5] == w.max()
    rng = np.random.default_rng(0)
    a = rng.random((32, 32)) * 255
    assert ssim(a, a) == pytest.approx(1.0)
    # A direct, unvectorised SSIM of one window position equals the map value there.
    b = np.clip(a + rng.normal(0, 20, a.shape), 0, 255)
    x, y = a[:11, :11], b[:11, :11]
    mx, my = (w * x).sum(), (w * y).sum()
    vx, vy = (w * x * x).sum() - mx**2, (w * y * y).sum() - my**2
    cxy = (w * x * y).sum() - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    one = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    assert ssim(x, y) == pytest.approx(one, abs=1e-12)
    assert 0 < ssim_y(b.astype(np.uint8), a.astype(np.uint8)) < 1


def test_ssim_rejects_images_smaller_than_window():
    with pytest.raises(ValueError):
        ssim(np.zeros((8, 8)), np.zeros((8, 8)))
