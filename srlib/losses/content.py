"""SRGAN's content losses by name: pixel MSE, VGG19 features, or the discriminator's features (Ledig et al. 2017, sec. 2.2.1).

``"mse"`` is the pixel MSE of eq. 4 on the paper's scale: SRGAN scales HR images to
``[-1, 1]`` (sec. 3.2), srlib's images are on ``[0, 1]``, so :func:`pixel_mse` maps both
images by ``2x - 1`` first — four times the ``[0, 1]`` MSE. With it the adversarial weight
``1e-3`` (eq. 3) balances the two terms as in the paper. ``"vgg22"`` / ``"vgg54"`` are the
VGG19 feature MSE of :mod:`srlib.losses.perceptual` (eq. 5). ``"dfeat"`` is not in SRGAN:
it matches intermediate discriminator features of each SR image to those of its own HR
image, the "feature matching loss" of pix2pixHD (Wang et al., CVPR 2018, sec. 3.2; they take
the L1 distance, srlib the squared one), and needs no download. (Salimans et al.'s feature matching, NIPS 2016 sec. 3.1, matches the
*batch means* of the features instead, without pairing.) The SRGAN step adds ``1e-3``
times the adversarial loss of :mod:`srlib.losses.adversarial`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras

from srlib.errors import SRLibError
from srlib.losses.perceptual import VGGContentLoss

__all__ = ["CONTENT_LOSSES", "content_loss", "feature_matching_loss", "pixel_mse", "to_paper_range"]

CONTENT_LOSSES = ("mse", "vgg22", "vgg54", "dfeat")


def to_paper_range(image01):
    """An image on ``[0, 1]`` mapped to SRGAN's HR scale ``[-1, 1]`` (sec. 3.2): ``2x - 1``."""
    return 2.0 * image01 - 1.0


def pixel_mse(sr, hr):
    """The pixel-wise MSE content loss (eq. 4) on ``[-1, 1]`` images, from ``[0, 1]`` inputs (4 x the [0, 1] MSE)."""
    return keras.ops.mean(keras.ops.square(to_paper_range(sr) - to_paper_range(hr)))


def feature_matching_loss(sr_features: Sequence, hr_features: Sequence):
    """pix2pixHD-style feature matching (Wang et al. 2018, sec. 3.2, squared): mean over layers of the MSE between the
    discriminator's features of each SR image and of its own (fixed) HR image.

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
