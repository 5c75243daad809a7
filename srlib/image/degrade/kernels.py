"""Blur kernels of the realistic degradation model (Wang et al., Real-ESRGAN, ICCVW 2021, sec. 3.1).

Every kernel is a ``size x size`` float64 array that sums to one (``size`` odd):

* the Gaussian, isotropic or anisotropic (two standard deviations and a rotation);
* the *generalised* Gaussian ``exp(-(d^2 / 2)^beta)`` of the same Mahalanobis distance ``d``:
  ``beta < 1`` gives heavy tails, ``beta > 1`` a flat top (Liu et al., 2020);
* the *plateau* kernel ``1 / (1 + d^(2 beta))``, flat in the middle with slow tails;
* the 2-D ``sinc`` (an ideal low-pass filter cut at ``cutoff`` radians per pixel), whose
  ripples imitate the ringing and overshoot of sharpened or band-limited images.
"""

from __future__ import annotations

import numpy as np
from scipy.special import j1

__all__ = ["gaussian_kernel", "generalized_gaussian_kernel", "plateau_kernel", "sinc_kernel", "mahalanobis_squared"]


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    if size < 1 or size % 2 == 0:
        raise ValueError(f"kernel size must be odd and positive, got {size}")
    radius = size // 2
    axis = np.arange(-radius, radius + 1, dtype=np.float64)
    return np.meshgrid(axis, axis, indexing="xy")


def mahalanobis_squared(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """``d^2 = p^T S^-1 p`` on the kernel grid, for the covariance ``S`` of the two sigmas rotated by ``theta``."""
    x, y = _grid(size)
    cos, sin = np.cos(theta), np.sin(theta)
    u = cos * x + sin * y  # coordinates along the kernel's own axes
    v = -sin * x + cos * y
    return (u / sigma_x) ** 2 + (v / sigma_y) ** 2


def _normalised(kernel: np.ndarray) -> np.ndarray:
    return kernel / kernel.sum()


def gaussian_kernel(size: int, sigma_x: float, sigma_y: float | None = None, theta: float = 0.0) -> np.ndarray:
    """Gaussian blur; ``sigma_y=None`` gives the isotropic kernel."""
    d2 = mahalanobis_squared(size, sigma_x, sigma_x if sigma_y is None else sigma_y, theta)
    return _normalised(np.exp(-0.5 * d2))


def generalized_gaussian_kernel(
    size: int, sigma_x: float, sigma_y: float | None = None, theta: float = 0.0, beta: float = 1.0
) -> np.ndarray:
    """``exp(-(d^2 / 2)^beta)``: ``beta = 1`` is the Gaussian."""
    d2 = mahalanobis_squared(size, sigma_x, sigma_x if sigma_y is None else sigma_y, theta)
    return _normalised(np.exp(-((0.5 * d2) ** beta)))


def plateau_kernel(
    size: int, sigma_x: float, sigma_y: float | None = None, theta: float = 0.0, beta: float = 1.0
) -> np.ndarray:
    """``1 / (1 + d^(2 beta))``: a flat top with slowly falling tails."""
    d2 = mahalanobis_squared(size, sigma_x, sigma_x if sigma_y is None else sigma_y, theta)
    return _normalised(1.0 / (1.0 + d2**beta))


def sinc_kernel(size: int, cutoff: float) -> np.ndarray:
    """Circular ideal low-pass filter: ``cutoff * J1(cutoff r) / (2 pi r)``, cut at ``cutoff`` (0 < cutoff <= pi)."""
    if not 0 < cutoff <= np.pi:
        raise ValueError(f"sinc cutoff must be in (0, pi], got {cutoff}")
    x, y = _grid(size)
    r = np.hypot(x, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = cutoff * j1(cutoff * r) / (2 * np.pi * r)
    kernel[r == 0] = cutoff**2 / (4 * np.pi)  # the limit at the centre
    return _normalised(kernel)
