"""Pixel losses by name: a Keras loss name or one of srlib's registered losses.

The papers train with MSE (SRCNN, Dong et al., TPAMI 2016, sec. 3.3; FSRCNN, Dong et al.,
ECCV 2016, sec. 3.3); EDSR (Lim et al., 2017, sec. 4.2) uses L1. srlib adds the per-patch
PSNR loss of :mod:`srlib.losses.psnr`, registered with Keras as ``srlib>patch_psnr_loss``.
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError
from srlib.losses.psnr import patch_psnr_loss  # noqa: F401  (importing it registers it with Keras)

__all__ = ["pixel_loss"]


def pixel_loss(name: str):
    """The loss function called ``name``: a Keras loss name, or a registered srlib loss ("srlib>patch_psnr_loss")."""
    if name.startswith("srlib>"):
        loss = keras.saving.get_registered_object(name)
        if loss is None:
            raise SRLibError(
                f"loss {name!r} is not one of srlib's losses — use 'srlib>patch_psnr_loss' or a Keras loss name"
            )
        return loss
    return keras.losses.get(name)
