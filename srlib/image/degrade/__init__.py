"""Degradations: how an HR image becomes the LR image a model sees.

``degrade(hr, scale, "bicubic")`` is the papers' (and the course's default) MATLAB bicubic
downscaling; ``"real"`` is Real-ESRGAN's second-order chain of blur, resize, noise and JPEG
(:mod:`srlib.image.degrade.chain`). ``image_seed(name, seed)`` derives a per-image seed from
the image's name, so a realistic test set is the same for everyone. The parts (kernels, operations,
the chain's stages) are re-exported here for chapter 06.
"""

from __future__ import annotations

import hashlib

import numpy as np

from srlib.errors import SRLibError
from srlib.image.crop import modcrop
from srlib.image.degrade.chain import FIRST, SECOND, Stage, random_kernel, real_degradation
from srlib.image.degrade.kernels import gaussian_kernel, generalized_gaussian_kernel, plateau_kernel, sinc_kernel
from srlib.image.degrade.ops import blur, gaussian_noise, jpeg, poisson_noise, resize
from srlib.image.resize import imresize

__all__ = [
    "DEGRADATIONS",
    "degrade",
    "image_seed",
    "check_degradation",
    "check_seed",
    # the parts, for chapter 06 (a package the chapters may import from)
    "gaussian_kernel",
    "generalized_gaussian_kernel",
    "plateau_kernel",
    "sinc_kernel",
    "blur",
    "resize",
    "gaussian_noise",
    "poisson_noise",
    "jpeg",
    "Stage",
    "FIRST",
    "SECOND",
    "random_kernel",
    "real_degradation",
]

DEGRADATIONS = ("bicubic", "real")


def check_degradation(name: str) -> str:
    """``name`` if it is a known degradation, else a one-line error listing them."""
    if name not in DEGRADATIONS:
        raise SRLibError(f"unknown degradation {name!r} — use one of {', '.join(DEGRADATIONS)}")
    return name


def check_seed(seed: object) -> int:
    """A seed as an int in ``0 .. 2**32 - 1``, else a one-line error."""
    fractional = isinstance(seed, float) and not seed.is_integer()
    try:
        value = int(seed)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = None
    if value is None or fractional or isinstance(seed, bool) or not 0 <= value < 2**32:
        raise SRLibError(f"seed {seed!r} is not a whole number from 0 to 4294967295 — give e.g. --seed 0")
    return value


def image_seed(name: str, seed: int = 0) -> int:
    """A seed for image ``name``: the same on every machine, different for every image and ``seed``."""
    digest = hashlib.sha256(f"{check_seed(seed)}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def degrade(hr: np.ndarray, scale: int, degradation: str = "bicubic", seed: int = 0) -> np.ndarray:
    """The uint8 LR image of uint8 ``hr`` at ``scale`` (``hr`` modcropped first, as the papers do)."""
    check_degradation(degradation)
    hr = modcrop(np.asarray(hr), int(scale))
    if degradation == "bicubic":
        return imresize(hr, 1 / int(scale))
    return real_degradation(hr, int(scale), np.random.default_rng(check_seed(seed)))
