"""The papers' evaluation protocol, in one place.

For each HR image: ``modcrop`` to a multiple of ``scale``; make LR with MATLAB's
bicubic ``imresize(hr, 1/scale)`` on the uint8 image; super-resolve; measure
PSNR and SSIM on the Y channel of MATLAB ``rgb2ycbcr`` with ``scale`` pixels
shaved (SRCNN TPAMI 2016 sec. 4.1; the same convention in FSRCNN, ESPCN, SRGAN
and the EDSR re-evaluation). Done this way, bicubic reproduces the published
table (Set5 x2 33.66 dB) to 0.02 dB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from srlib.errors import SRLibError
from srlib.image.crop import modcrop, shave
from srlib.image.degrade import check_degradation, degrade, image_seed
from srlib.image.resize import imresize
from srlib.metrics.niqe import niqe
from srlib.metrics.psnr import psnr_y, rmse_y
from srlib.metrics.ssim import ssim_y

__all__ = [
    "Upscaler",
    "make_lr",
    "bicubic_upscaler",
    "check_scale",
    "evaluate_pair",
    "evaluate_model",
    "Evaluation",
    "METRICS",
]

Upscaler = Callable[[np.ndarray], np.ndarray]
"""Maps a uint8 LR image to a uint8 SR image ``scale`` times larger."""

# The smallest shaved HR side SSIM's 11x11 window can work on.
_MIN_SHAVED_SIDE = 11


def check_scale(scale: int, supported: Sequence[int] | None = None, what: str = "bicubic") -> int:
    """Return ``scale`` as an int, or raise a one-line error naming what is supported."""
    try:
        value = int(scale)
    except (TypeError, ValueError):
        raise SRLibError(f"--scale {scale!r} is not a whole number — use 2, 3 or 4") from None
    if value != scale or value < 2:
        raise SRLibError(f"--scale {scale} is not supported — use a whole number of at least 2 (2, 3 or 4)")
    if supported is not None and value not in supported:
        options = ", ".join(str(s) for s in supported)
        raise SRLibError(f"--scale {value} is not available for {what} — use one of {options}")
    return value


def make_lr(hr: np.ndarray, scale: int) -> np.ndarray:
    """The LR input of the protocol: MATLAB bicubic ``imresize(hr, 1/scale)`` of a modcropped image."""
    return imresize(modcrop(hr, scale), 1.0 / scale)


def bicubic_upscaler(scale: int) -> Upscaler:
    """The baseline every chapter compares against: MATLAB bicubic upscaling."""

    def upscale(lr: np.ndarray) -> np.ndarray:
        return imresize(lr, scale)

    return upscale


def niqe_shaved(sr: np.ndarray, hr: np.ndarray, shave_border: int) -> float:
    """NIQE of the SR image alone (no reference), border shaved as in the PIRM 2018 scripts."""
    return niqe(shave(sr, shave_border))


# Metric name -> function(sr, hr, shave_border). PSNR, SSIM and RMSE compare with HR; NIQE does not.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray, int], float]] = {
    "psnr": psnr_y,
    "ssim": ssim_y,
    "rmse": rmse_y,
    "niqe": niqe_shaved,
}


def evaluate_pair(sr: np.ndarray, hr: np.ndarray, scale: int, metrics: Sequence[str] = ("psnr", "ssim")) -> dict:
    """Metrics of one SR image against its modcropped HR: Y channel, ``scale`` pixels shaved."""
    return {m: float(METRICS[m](sr, hr, scale)) for m in metrics}


@dataclass
class Evaluation:
    """Per-image and mean metrics of one model on one image set."""

    scale: int
    metrics: tuple[str, ...]
    images: list[dict] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        return float(np.mean([row[metric] for row in self.images]))

    def as_dict(self) -> dict:
        """The JSON layout of ``srlib evaluate --json``: means first, then ``images``."""
        summary: dict = {m: self.mean(m) for m in self.metrics}
        summary["images"] = self.images
        return summary


def _check_size(name: str, hr: np.ndarray, scale: int) -> None:
    h, w = hr.shape[:2]
    if min(h, w) < scale:
        raise SRLibError(f"image {name} is {w}x{h}, smaller than the scale {scale} — remove it from the folder")
    if min(h, w) - 2 * scale < _MIN_SHAVED_SIDE:
        raise SRLibError(
            f"image {name} is {w}x{h}: too small to evaluate at x{scale} "
            f"(needs at least {_MIN_SHAVED_SIDE + 2 * scale} pixels a side) — remove it from the folder"
        )


def evaluate_model(
    upscaler: Upscaler,
    images: Iterable[tuple[str, np.ndarray]],
    scale: int,
    metrics: Sequence[str] = ("psnr", "ssim"),
    progress: Callable[[Iterable], Iterable] | None = None,
    degradation: str = "bicubic",
    seed: int = 0,
) -> Evaluation:
    """Run the protocol over ``(name, hr)`` pairs (or ``(name, hr, lr)`` with the LR given); per-image and mean metrics.

    ``degradation="real"`` makes each LR image with Real-ESRGAN's chain
    (:mod:`srlib.image.degrade`) seeded by the image's name and ``seed``, so the realistic
    test set is the same on every machine; ``"bicubic"`` is the papers' protocol.
    """
    scale = check_scale(scale)
    check_degradation(degradation)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise SRLibError(f"--metrics: unknown metric {unknown[0]!r} — use any of {', '.join(METRICS)}")
    result = Evaluation(scale=scale, metrics=tuple(metrics))
    items = list(images)
    if not items:
        raise SRLibError("no images to evaluate — check the data folder or dataset name")
    for name, image, *given in progress(items) if progress else items:
        hr = modcrop(image, scale)
        _check_size(name, hr, scale)
        if given:  # an LR image made beforehand (a training run's fixed, degraded validation set)
            lr = given[0]
        elif degradation == "bicubic":
            lr = make_lr(hr, scale)
        else:
            lr = degrade(hr, scale, degradation, image_seed(name, seed))
        sr = upscaler(lr)
        if sr.shape != hr.shape:
            raise SRLibError(
                f"the model returned {sr.shape} for image {name}, expected {hr.shape} — is it a x{scale} model?"
            )
        result.images.append({"name": name, **evaluate_pair(sr, hr, scale, metrics)})
    return result
