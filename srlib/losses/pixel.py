"""A pixel loss that leaves out a border of each training patch, as unpadded training does.

SRCNN (Dong et al., TPAMI 2016, sec. 4.1) and FSRCNN (Dong et al., ECCV 2016, sec. 4.1)
train on small sub-images, and their loss sees only outputs computed from real
pixels. srlib's models pad their convolutions so that they keep the image size.
On a small patch, most outputs then see some padding: on a 24x24 LR patch, an FSRCNN
output pixel is free of it only in the central 8x8 LR pixels. Whole test images are
almost all interior. :class:`BorderCroppedLoss` crops ``border`` output pixels from
each side of prediction and target before the base loss, so the weights are fitted
to the case they are tested on.
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError

__all__ = ["BorderCroppedLoss", "check_border", "pixel_loss"]


def check_border(border: int, patch_size: int | None = None) -> None:
    """Raise a one-line error if ``border`` is negative or leaves nothing of a ``patch_size`` output patch."""
    if border < 0:
        raise SRLibError(f"loss border {border} is negative — give 0 (the whole patch) or a few output pixels")
    if patch_size is not None and 2 * border >= patch_size:
        raise SRLibError(
            f"loss border {border} leaves no pixels of a {patch_size}-pixel output patch — "
            f"use less than {(patch_size + 1) // 2} or larger patches (--lr-patch)"
        )


def pixel_loss(name: str):
    """The loss function called ``name``: a Keras loss name, or a registered srlib loss ("srlib>patch_psnr_loss")."""
    if name.startswith("srlib>"):
        import srlib.losses.psnr  # noqa: F401  (registers srlib's losses with Keras)

        loss = keras.saving.get_registered_object(name)
        if loss is None:
            raise SRLibError(f"loss {name!r} is not one of srlib's losses — use 'srlib>patch_psnr_loss' or a Keras loss name")
        return loss
    return keras.losses.get(name)


@keras.saving.register_keras_serializable(package="srlib")
class BorderCroppedLoss(keras.losses.Loss):
    """``base`` (a Keras loss name) on the outputs with ``border`` pixels cut from every side."""

    def __init__(self, border: int, base: str = "mean_squared_error", name: str = "border_cropped_loss", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.border = int(border)
        self.base = str(base)
        check_border(self.border)  # the patch size is checked where it is known (the recipe)
        self._base_fn = pixel_loss(self.base)

    def call(self, y_true, y_pred):
        b = self.border
        if b:
            y_true = y_true[:, b:-b, b:-b, :]
            y_pred = y_pred[:, b:-b, b:-b, :]
        return self._base_fn(y_true, y_pred)

    def get_config(self) -> dict:
        return {**super().get_config(), "border": self.border, "base": self.base}
