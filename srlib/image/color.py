"""MATLAB's ``rgb2ycbcr`` / ``ycbcr2rgb`` (ITU-R BT.601, studio swing).

SR papers measure PSNR/SSIM on the luma channel Y of MATLAB's ``rgb2ycbcr``,
where Y spans 16..235 (not 0..255 as in JPEG's YCbCr). Images here are handled
on the 0..255 scale: uint8 in gives float64 out, *unrounded*, which is what the
papers' evaluation code computes (``rgb2ycbcr(im2double(im)) * 255``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["rgb2ycbcr", "ycbcr2rgb", "rgb2y", "RGB2YCBCR", "YCBCR_OFFSET"]

# Rows give Y, Cb, Cr from R, G, B on the 0..1 scale, times 255 (MATLAB's T matrix).
RGB2YCBCR = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ]
)
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0])


def _as_0_255(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float64)
    if np.issubdtype(image.dtype, np.floating):
        return image.astype(np.float64)
    raise TypeError(f"expected a uint8 or float (0..255) image, got {image.dtype}")


def rgb2ycbcr(rgb: np.ndarray) -> np.ndarray:
    """RGB (uint8, or float on 0..255) to YCbCr as float64 on 0..255, Y in 16..235."""
    rgb = _as_0_255(rgb)
    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise ValueError(f"rgb2ycbcr: expected an (H, W, 3) image, got shape {rgb.shape}")
    return rgb @ (RGB2YCBCR.T / 255.0) + YCBCR_OFFSET


def rgb2y(image: np.ndarray) -> np.ndarray:
    """The Y channel used for evaluation; a single-channel image is returned as it is.

    Grayscale images (``(H, W)`` or ``(H, W, 1)``) have no colour to convert, so the
    course evaluates them on their one channel, as the Set14 scripts do for 'bridge'.
    """
    image = _as_0_255(image)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[-1] == 1:
        return image[..., 0]
    if image.ndim == 3 and image.shape[-1] == 3:
        return image @ (RGB2YCBCR[0] / 255.0) + YCBCR_OFFSET[0]
    raise ValueError(f"rgb2y: expected a grayscale or RGB image, got shape {image.shape}")


def ycbcr2rgb(ycbcr: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb2ycbcr`: float YCbCr on 0..255 to float RGB on 0..255 (unclipped)."""
    ycbcr = _as_0_255(ycbcr)
    if ycbcr.ndim != 3 or ycbcr.shape[-1] != 3:
        raise ValueError(f"ycbcr2rgb: expected an (H, W, 3) image, got shape {ycbcr.shape}")
    inverse = np.linalg.inv(RGB2YCBCR / 255.0)
    return (ycbcr - YCBCR_OFFSET) @ inverse.T
