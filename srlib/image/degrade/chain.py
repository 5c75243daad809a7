"""Realistic LR images: Real-ESRGAN's second-order degradation (Wang et al., ICCVW 2021, sec. 3).

A camera photo that was resized, compressed and shared again has been degraded more than
once. The model applies a *first-order* degradation — blur, resize, noise, JPEG — and then a
second one with milder settings, and ends at the LR size with a final resize, a sinc filter
(ringing) and JPEG in random order (sec. 3.2-3.3). :class:`Stage` holds one order's ranges,
:data:`FIRST` and :data:`SECOND` the paper's values; every draw comes from one
``numpy.random.Generator``, so a seed fixes the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from srlib.image.degrade import kernels
from srlib.image.degrade.ops import blur, gaussian_noise, jpeg, poisson_noise, resize

__all__ = ["Stage", "FIRST", "SECOND", "real_degradation", "random_kernel", "KERNEL_TYPES"]

# Kernel families and how often each is drawn (sec. 3.1); "aniso" rotates two sigmas.
KERNEL_TYPES = {
    "iso": 0.45, "aniso": 0.25, "generalized_iso": 0.12, "generalized_aniso": 0.03,
    "plateau_iso": 0.12, "plateau_aniso": 0.03,
}  # fmt: skip


@dataclass(frozen=True)
class Stage:
    """The random ranges of one order of the degradation."""

    blur_probability: float
    sigma: tuple[float, float]  # Gaussian standard deviation, pixels
    sinc_probability: float  # a sinc kernel instead of a blur kernel
    resize_probabilities: tuple[float, float, float]  # up, down, keep
    resize_range: tuple[float, float]
    gaussian_noise_probability: float
    noise_sigma: tuple[float, float]  # grey levels of 255
    poisson_scale: tuple[float, float]
    gray_noise_probability: float
    jpeg_quality: tuple[int, int]


FIRST = Stage(1.0, (0.2, 3.0), 0.1, (0.2, 0.7, 0.1), (0.15, 1.5), 0.5, (1.0, 30.0), (0.05, 3.0), 0.4, (30, 95))
SECOND = Stage(0.8, (0.2, 1.5), 0.1, (0.3, 0.4, 0.3), (0.3, 1.2), 0.5, (1.0, 25.0), (0.05, 2.5), 0.4, (30, 95))
FINAL_SINC_PROBABILITY = 0.8


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _sinc(rng: np.random.Generator, size: int) -> np.ndarray:
    low = np.pi / 3 if size < 13 else np.pi / 5  # a larger kernel can resolve a lower cut-off
    return kernels.sinc_kernel(size, _uniform(rng, (low, np.pi)))


def random_kernel(rng: np.random.Generator, stage: Stage) -> np.ndarray:
    """One blur kernel: size 7-21 (odd), a family drawn by :data:`KERNEL_TYPES`, or a sinc."""
    size = int(rng.choice(np.arange(7, 22, 2)))
    if rng.random() < stage.sinc_probability:
        return _sinc(rng, size)
    family = str(rng.choice(list(KERNEL_TYPES), p=list(KERNEL_TYPES.values())))
    sigma_x = _uniform(rng, stage.sigma)
    sigma_y, theta = (_uniform(rng, stage.sigma), _uniform(rng, (-np.pi, np.pi))) if "aniso" in family else (None, 0.0)
    if family.startswith("generalized"):
        return kernels.generalized_gaussian_kernel(size, sigma_x, sigma_y, theta, _uniform(rng, (0.5, 4.0)))
    if family.startswith("plateau"):
        return kernels.plateau_kernel(size, sigma_x, sigma_y, theta, _uniform(rng, (1.0, 2.0)))
    return kernels.gaussian_kernel(size, sigma_x, sigma_y, theta)


def _random_resize(image: np.ndarray, rng: np.random.Generator, stage: Stage, reference: tuple[int, int]) -> np.ndarray:
    direction = rng.choice(3, p=stage.resize_probabilities)
    factor = [_uniform(rng, (1.0, stage.resize_range[1])), _uniform(rng, (stage.resize_range[0], 1.0)), 1.0][direction]
    mode = str(rng.choice(["area", "bilinear", "bicubic"]))
    return resize(image, (round(reference[0] * factor), round(reference[1] * factor)), mode)


def _noise(image: np.ndarray, rng: np.random.Generator, stage: Stage) -> np.ndarray:
    gray = rng.random() < stage.gray_noise_probability
    if rng.random() < stage.gaussian_noise_probability:
        return gaussian_noise(image, _uniform(rng, stage.noise_sigma), gray, rng)
    return poisson_noise(image, _uniform(rng, stage.poisson_scale), gray, rng)


def _one_order(image: np.ndarray, rng: np.random.Generator, stage: Stage, reference: tuple[int, int]) -> np.ndarray:
    if rng.random() < stage.blur_probability:
        image = blur(image, random_kernel(rng, stage))
    image = np.clip(_random_resize(image, rng, stage, reference), 0.0, 1.0)  # sinc and bicubic overshoot
    image = _noise(image, rng, stage)
    return jpeg(np.clip(image, 0.0, 1.0), int(rng.integers(stage.jpeg_quality[0], stage.jpeg_quality[1] + 1)))


def real_degradation(hr: np.ndarray, scale: int, rng: np.random.Generator) -> np.ndarray:
    """The uint8 LR image (``ceil(H / scale) x ceil(W / scale)``) of uint8 ``hr`` ``(H, W[, C])``."""
    image = hr.astype(np.float32)[..., None] / 255.0 if hr.ndim == 2 else hr.astype(np.float32) / 255.0
    h, w = image.shape[:2]
    target = (math.ceil(h / scale), math.ceil(w / scale))
    image = _one_order(image, rng, FIRST, (h, w))
    image = _one_order(image, rng, SECOND, target)  # the second order's sizes are relative to the LR size

    def back_to_size(x: np.ndarray) -> np.ndarray:
        x = resize(x, target, str(rng.choice(["area", "bilinear", "bicubic"])))
        return blur(x, _sinc(rng, int(rng.choice(np.arange(7, 22, 2))))) if rng.random() < FINAL_SINC_PROBABILITY else x

    quality = int(rng.integers(SECOND.jpeg_quality[0], SECOND.jpeg_quality[1] + 1))
    if rng.random() < 0.5:  # sec. 3.3: the order of the last resize and the JPEG is random
        image = jpeg(np.clip(back_to_size(image), 0.0, 1.0), quality)
    else:
        image = back_to_size(jpeg(np.clip(image, 0.0, 1.0), quality))
    lr = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)
    return lr[..., 0] if hr.ndim == 2 else lr
