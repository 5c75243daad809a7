"""Checkerboard energy: how much of an image's spectrum sits at the upsampler's period.

An upsampler by ``scale`` that treats the ``scale x scale`` sub-pixel positions
differently (a transposed convolution whose kernel size is not a multiple of its
stride, or a randomly initialised sub-pixel convolution) adds a pattern repeating
every ``scale`` pixels: the checkerboard of Odena et al. (Distill 2016). Such a
pattern lives at the frequencies ``(k/scale, l/scale)`` cycles per pixel. Nearest-
neighbour upsampling (and so a convolution after it, or ICNR's sub-pixel
convolution, Aitken et al. 2017 sec. 3) has a zero exactly there: its box kernel of
width ``scale`` cancels those frequencies.

:func:`checkerboard_energy` returns the fraction of the non-DC power of the 2-D DFT
at those frequencies: 0 for an image without any ``scale``-periodic pattern, 1 for a
pure ``scale``-periodic pattern on a flat background.
"""

from __future__ import annotations

import numpy as np

from srlib.errors import SRLibError

__all__ = ["checkerboard_energy", "checkerboard_mask"]


def checkerboard_mask(height: int, width: int, scale: int) -> np.ndarray:
    """Boolean ``(height, width)`` mask of the DFT bins at multiples of ``1/scale``, DC excluded."""
    rows = np.zeros(height, bool)
    cols = np.zeros(width, bool)
    rows[:: height // scale] = True
    cols[:: width // scale] = True
    mask = rows[:, None] & cols[None, :]
    mask[0, 0] = False  # the mean is not an artefact
    return mask


def checkerboard_energy(image: np.ndarray, scale: int) -> float:
    """Fraction of the image's non-DC spectral power at the ``scale``-periodic frequencies.

    ``image`` is ``(H, W)`` or ``(H, W, C)`` (channels are summed), with ``H`` and
    ``W`` multiples of ``scale``; returns a number in ``[0, 1]`` (0 for a flat image).
    """
    array = np.asarray(image, dtype=np.float64)
    scale = int(scale)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or scale < 2:
        raise SRLibError(
            f"checkerboard_energy: expected an (H, W) or (H, W, C) image and scale >= 2, got {image.shape}, {scale}"
        )
    height, width = array.shape[:2]
    if height % scale or width % scale:
        raise SRLibError(
            f"checkerboard_energy: image {width}x{height} is not a multiple of the scale {scale} — crop it"
        )
    power = (np.abs(np.fft.fft2(array, axes=(0, 1))) ** 2).sum(axis=-1)
    power[0, 0] = 0.0
    total = power.sum()
    if total <= 1e-12 * max(1.0, float(np.abs(array).max()) ** 2 * height * width):
        return 0.0
    return float(power[checkerboard_mask(height, width, scale)].sum() / total)
