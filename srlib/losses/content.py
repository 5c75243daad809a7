"""SRGAN's content losses by name: pixel MSE, VGG19 features, or the discriminator's features (Ledig et al. 2017, sec. 2.2.1).

``"mse"`` is the pixel MSE (eq. 4); ``"vgg22"`` / ``"vgg54"`` the VGG19 feature MSE of
:mod:`srlib.losses.perceptual` (eq. 5); ``"dfeat"`` matches intermediate discriminator
features of SR and HR instead (feature matching, Salimans et al., NIPS 2016, sec. 3.1),
which needs no download. The SRGAN step adds ``1e-3`` times the adversarial loss of
:mod:`srlib.losses.adversarial` (eq. 3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras

from srlib.errors import SRLibError
from srlib.losses.perceptual import VGGContentLoss

__all__ = ["CONTENT_LOSSES", "content_loss", "feature_matching_loss", "pixel_mse"]

CONTENT_LOSSES = ("mse", "vgg22", "vgg54", "dfeat")


def pixel_mse(sr, hr):
    """The pixel-wise MSE content loss (eq. 4), on ``[0, 1]`` values."""
    return keras.ops.mean(keras.ops.square(sr - hr))


def feature_matching_loss(sr_features: Sequence, hr_features: Sequence):
    """Mean over layers of the MSE between discriminator features of SR and (fixed) HR.

    Each layer's features are compared at their own scale, so every layer counts the
    same however many values it has.
    """
    if len(sr_features) != len(hr_features) or not sr_features:
        raise SRLibError("feature_matching_loss: give the same non-empty list of layers for SR and HR")
    terms = [keras.ops.mean(keras.ops.square(s - keras.ops.stop_gradient(h))) for s, h in zip(sr_features, hr_features)]
    return keras.ops.mean(keras.ops.stack(terms))


def content_loss(
    name: str, *, vgg_weights: str | None = "imagenet", allow_untrained: bool = False, seed: int = 0
) -> Callable | None:
    """``(sr, hr) -> loss`` for ``"mse"``, ``"vgg22"``, ``"vgg54"``; None for ``"dfeat"`` (computed by the SRGAN step)."""
    if name not in CONTENT_LOSSES:
        raise SRLibError(f"content={name!r} is not a content loss — use one of {', '.join(CONTENT_LOSSES)}")
    if name == "mse":
        return pixel_mse
    if name == "dfeat":
        return None
    return VGGContentLoss(name, weights=vgg_weights, allow_untrained=allow_untrained, seed=seed)
