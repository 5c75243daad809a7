"""PSNR as the SR papers compute it (SRCNN TPAMI 2016, sec. 4; FSRCNN sec. 4.1).

The protocol: convert both images to the Y channel of MATLAB's ``rgb2ycbcr``
(unrounded, 0..255), shave ``scale`` pixels from every border (the region where
the network or the resizer sees padding), then ``10 log10(255^2 / MSE)``.
"""

from __future__ import annotations

import numpy as np

from srlib.image.color import rgb2y
from srlib.image.crop import shave

__all__ = ["psnr", "psnr_y", "rmse_y"]


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Plain PSNR in dB between two same-shaped arrays on a 0..``data_range`` scale."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"psnr: shapes differ, {a.shape} vs {b.shape}")
    mse = np.mean((a - b) ** 2)
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def psnr_y(sr: np.ndarray, hr: np.ndarray, shave_border: int = 0) -> float:
    """PSNR on the Y channel (grayscale images: their one channel) with a border shaved."""
    return psnr(shave(rgb2y(sr), shave_border), shave(rgb2y(hr), shave_border))


def rmse_y(sr: np.ndarray, hr: np.ndarray, shave_border: int = 4) -> float:
    """Root mean squared error on Y (0..255); PIRM 2018 shaves 4 pixels at x4."""
    diff = shave(rgb2y(sr), shave_border) - shave(rgb2y(hr), shave_border)
    return float(np.sqrt(np.mean(diff**2)))
