"""SSIM as in Wang et al. 2004 (IEEE TIP, sec. III-C) and their ``ssim_index.m``.

An 11x11 Gaussian window (sigma 1.5), constants K1 = 0.01 and K2 = 0.03 on the
0..255 range, 'valid' filtering (no padding) and the mean of the SSIM map. SR
papers apply it to the Y channel with ``scale`` pixels shaved.
"""

from __future__ import annotations

import numpy as np

from srlib.image.color import rgb2y
from srlib.image.crop import shave

__all__ = ["ssim", "ssim_y", "gaussian_window", "gaussian_1d", "filter_valid"]


def gaussian_1d(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalised 1-D Gaussian; its outer product with itself is :func:`gaussian_window`."""
    half = (size - 1) / 2.0
    x = np.arange(-half, half + 1)
    g = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return g / g.sum()


def gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalised 2-D Gaussian, MATLAB's ``fspecial('gaussian', size, sigma)``."""
    g = gaussian_1d(size, sigma)
    return np.outer(g, g)


def filter_valid(image: np.ndarray, g: np.ndarray) -> np.ndarray:
    """'valid' correlation with the separable window ``outer(g, g)`` (MATLAB ``filter2(w, x, 'valid')``)."""
    rows = np.lib.stride_tricks.sliding_window_view(image, g.size, axis=0) @ g
    return np.lib.stride_tricks.sliding_window_view(rows, g.size, axis=1) @ g


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Mean SSIM of two single-channel images (float, 0..``data_range``)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"ssim: expected two 2-D images of one shape, got {a.shape} and {b.shape}")
    g = gaussian_1d()
    if min(a.shape) < g.size:
        raise ValueError(f"ssim: image {a.shape} is smaller than the {g.size}x{g.size} window")
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2

    def filt(x: np.ndarray) -> np.ndarray:
        return filter_valid(x, g)

    mu_a, mu_b = filt(a), filt(b)
    var_a = filt(a * a) - mu_a**2
    var_b = filt(b * b) - mu_b**2
    cov = filt(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


def ssim_y(sr: np.ndarray, hr: np.ndarray, shave_border: int = 0) -> float:
    """SSIM on the Y channel (grayscale images: their one channel) with a border shaved."""
    return ssim(shave(rgb2y(sr), shave_border), shave(rgb2y(hr), shave_border))
