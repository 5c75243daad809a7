"""checkerboard_energy: 1 for a pure period-`scale` pattern, ~0 for smooth and nearest-upsampled images."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.errors import SRLibError
from srlib.metrics.checkerboard import checkerboard_energy, checkerboard_mask


def _smooth(size=48, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    return np.sin(2 * np.pi * (x + rng.random())) + 0.5 * np.cos(2 * np.pi * 2 * y)  # periodic, low frequencies only


def test_mask_counts_scale_squared_minus_dc():
    assert checkerboard_mask(12, 12, 3).sum() == 8
    assert checkerboard_mask(12, 8, 2)[6, 4]


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_pure_periodic_pattern_is_all_checkerboard(scale):
    tile = np.random.default_rng(scale).random((scale, scale))
    assert checkerboard_energy(np.tile(tile, (8, 8)) + 5.0, scale) == pytest.approx(1.0)


def test_smooth_and_nearest_upsampled_images_have_none():
    smooth = _smooth()
    assert checkerboard_energy(smooth, 3) < 1e-12
    nearest = np.kron(_smooth(16), np.ones((3, 3)))  # a box of width 3 cancels the 1/3 frequencies
    assert checkerboard_energy(nearest, 3) < 1e-12


def test_fraction_of_added_pattern():
    smooth = _smooth()
    pattern = np.tile(np.array([[1.0, -1.0], [-1.0, 1.0]]), (24, 24))  # the (1/2, 1/2) checkerboard
    mixed = smooth + 0.5 * pattern
    expected = (0.5**2 * pattern.size) / ((0.5**2 * pattern.size) + (smooth - smooth.mean()).var() * smooth.size)
    assert checkerboard_energy(mixed, 2) == pytest.approx(expected, rel=1e-6)
    assert checkerboard_energy(np.stack([mixed] * 3, axis=-1), 2) == pytest.approx(expected, rel=1e-6)


def test_flat_image_and_bad_input():
    assert checkerboard_energy(np.full((6, 6), 7.0), 3) == 0.0
    with pytest.raises(SRLibError, match="multiple of the scale"):
        checkerboard_energy(np.zeros((7, 6)), 3)
