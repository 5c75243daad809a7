"""One method's place on the perception–distortion plane, measured as the PIRM 2018 challenge did.

Blau et al., *The 2018 PIRM Challenge on Perceptual Image Super-resolution*
(ECCVW 2018), sec. 2: at x4, each SR image is scored with the RMSE of its Y channel
against HR and with no-reference perceptual measures, both on the image with a
4-pixel border removed; a method's point is the mean over the test set. (PIRM's
perceptual index also averaged NIQE with Ma et al.'s score; the course uses NIQE
alone.) The same SR images are scored with several NIQE pristine models at once
(srlib's own and, when available, the authors' official one), so the network runs
once per image.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from srlib.errors import SRLibError
from srlib.eval.protocol import Upscaler, check_scale, make_lr
from srlib.image.crop import modcrop, shave
from srlib.metrics.niqe import niqe
from srlib.metrics.psnr import rmse_y

__all__ = ["PIRM_SHAVE", "PlaneScores", "plane_scores"]

PIRM_SHAVE = 4  # pixels removed on every side before RMSE and NIQE (PIRM 2018 evaluation)


@dataclass
class PlaneScores:
    """Per-image and mean RMSE/NIQE of one method; ``sr`` keeps the SR images asked for by name."""

    rmse_per_image: list[float] = field(default_factory=list)
    niqe_per_image: dict[str, list[float]] = field(default_factory=dict)  # pristine model name -> scores
    names: list[str] = field(default_factory=list)
    sr: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rmse(self) -> float:
        """Mean RMSE over the images (the x of the plane)."""
        return float(np.mean(self.rmse_per_image))

    def niqe(self, pristine: str | None = None) -> float:
        """Mean NIQE over the images with the pristine model named ``pristine`` (default: the first one)."""
        key = next(iter(self.niqe_per_image)) if pristine is None else pristine
        if key not in self.niqe_per_image:
            raise SRLibError(f"no NIQE with pristine model {key!r} — measured: {', '.join(self.niqe_per_image)}")
        return float(np.mean(self.niqe_per_image[key]))

    def point(self, pristine: str | None = None) -> tuple[float, float]:
        """``(mean RMSE, mean NIQE)``: the method's point on the plane."""
        return self.rmse, self.niqe(pristine)


def plane_scores(
    upscaler: Upscaler,
    images: Iterable[tuple[str, np.ndarray]],
    scale: int = 4,
    *,
    pristine: Mapping[str, str | os.PathLike | None] | None = None,
    keep: Sequence[str] = (),
    shave_border: int = PIRM_SHAVE,
) -> PlaneScores:
    """Upscale every ``(name, hr)`` from its MATLAB-bicubic LR and score it for the plane.

    ``pristine`` maps a label to a NIQE pristine model (``None``: srlib's own; a path:
    an ``.npz`` such as the official one); default ``{"srlib": None}``. ``keep`` names
    the images whose SR result is kept in ``.sr`` (for pictures), so a test set's SR
    images need not all stay in memory.
    """
    scale = check_scale(scale)
    models = {"srlib": None} if pristine is None else dict(pristine)
    if not models:
        raise SRLibError("plane_scores: pristine={} — give at least one NIQE model, e.g. {'srlib': None}")
    result = PlaneScores(niqe_per_image={label: [] for label in models})
    for name, image in images:
        hr = modcrop(image, scale)
        sr = upscaler(make_lr(hr, scale))
        if sr.shape != hr.shape:
            raise SRLibError(
                f"the model returned {sr.shape} for image {name}, expected {hr.shape} — is it a x{scale} model?"
            )
        result.names.append(name)
        result.rmse_per_image.append(rmse_y(sr, hr, shave_border))
        shaved = shave(sr, shave_border)
        for label, model in models.items():
            result.niqe_per_image[label].append(niqe(shaved, pristine=model))
        if name in keep:
            result.sr[name] = sr
    if not result.names:
        raise SRLibError("plane_scores: no images — check the dataset name or folder")
    return result
