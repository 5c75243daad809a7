"""The operations a degradation chains: blur, resize, noise and JPEG, on float images in [0, 1].

Images here are ``(H, W, C)`` float32 in ``[0, 1]`` (grey as ``C = 1``); every random choice
is made by the caller's ``numpy.random.Generator``, so one seed gives one result.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy.signal import fftconvolve

__all__ = ["blur", "resize", "RESIZE_MODES", "gaussian_noise", "poisson_noise", "jpeg"]

RESIZE_MODES = {
    "area": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}


def blur(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve every channel with ``kernel``, the borders mirrored (no dark frame)."""
    radius = kernel.shape[0] // 2
    padded = np.pad(image, ((radius, radius), (radius, radius), (0, 0)), mode="reflect")
    out = fftconvolve(padded, kernel[:, :, None].astype(np.float32), mode="valid", axes=(0, 1))
    return out.astype(np.float32)


def resize(image: np.ndarray, size: tuple[int, int], mode: str) -> np.ndarray:
    """Resize to ``size = (h, w)`` with Pillow's area (box), bilinear or bicubic filter, channel by channel."""
    h, w = max(1, int(size[0])), max(1, int(size[1]))
    channels = [
        np.asarray(Image.fromarray(image[:, :, c], mode="F").resize((w, h), RESIZE_MODES[mode]))
        for c in range(image.shape[2])
    ]
    return np.stack(channels, axis=2).astype(np.float32)


def gaussian_noise(image: np.ndarray, sigma: float, gray: bool, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise of ``sigma`` grey levels (of 255); ``gray``: the same noise in every channel."""
    shape = image.shape[:2] + ((1,) if gray else image.shape[2:])
    noise = rng.standard_normal(shape).astype(np.float32) * np.float32(sigma / 255.0)
    return np.clip(image + noise, 0.0, 1.0)


def poisson_noise(image: np.ndarray, scale: float, gray: bool, rng: np.random.Generator) -> np.ndarray:
    """Add shot noise: ``scale`` times the deviation of Poisson counts at one photon per grey level.

    ``gray`` draws it once, from the image's mean over channels, for all channels.
    """
    base = image.mean(axis=2, keepdims=True) if gray else image
    counts = np.round(np.clip(base, 0.0, 1.0) * 255.0)
    noise = (rng.poisson(counts).astype(np.float32) - counts) / 255.0
    return np.clip(image + np.float32(scale) * noise, 0.0, 1.0).astype(np.float32)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode as a JPEG of ``quality`` (1-95), the way a camera or a web upload would."""
    pixels = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)
    picture = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=int(quality))
    decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())), dtype=np.float32) / 255.0
    return decoded.reshape(image.shape)
