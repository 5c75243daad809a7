"""Border crops used by the SR evaluation protocol."""

from __future__ import annotations

import numpy as np

__all__ = ["modcrop", "shave"]


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    """Crop the bottom/right so height and width are multiples of ``scale``.

    The papers' ground truth is ``modcrop(hr, scale)``, so that downscaling by
    ``scale`` and upscaling back returns exactly the HR size.
    """
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"modcrop: scale must be a positive integer, got {scale}")
    h, w = image.shape[:2]
    return image[: h - h % scale, : w - w % scale, ...]


def shave(image: np.ndarray, border: int) -> np.ndarray:
    """Remove ``border`` pixels from every side (the papers shave ``scale`` pixels)."""
    border = int(border)
    if border == 0:
        return image
    h, w = image.shape[:2]
    if 2 * border >= min(h, w):
        raise ValueError(f"shave: border {border} leaves nothing of an image of size {h}x{w}")
    return image[border:-border, border:-border, ...]
