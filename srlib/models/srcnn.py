"""SRCNN (Dong, Loy, He, Tang, TPAMI 2016, sec. 3.1): three convolutions on the bicubic-upscaled Y.

Patch extraction (``f1 x f1``, ``n1`` filters, ReLU), non-linear mapping (``f2 x f2``,
``n2`` filters, ReLU) and reconstruction (``f3 x f3``, ``channels`` filters, linear).
The input is already at HR size: the LR image upscaled by MATLAB bicubic.
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError
from srlib.models.layers import check_padding, conv, pad_input

__all__ = ["SRCNN", "SRCNN_PRESETS"]

# "f1-f2-f3" names used in the paper's tables (sec. 4.3.2).
SRCNN_PRESETS = {"9-1-5": (9, 1, 5), "9-3-5": (9, 3, 5), "9-5-5": (9, 5, 5)}


@keras.saving.register_keras_serializable(package="srlib")
class SRCNN(keras.Model):
    """SRCNN ``f1-f2-f3`` with ``n1``/``n2`` filters; maps a bicubic-upscaled image to its SR.

    The paper trains with 'valid' convolutions (a 33x33 input gives a 21x21 output,
    compared with the centre of the label). Here the output always has the input's
    size, so whole images and patches go through unchanged and no label cropping is
    needed. ``padding="zeros"`` gets there by zero-padding every layer (Keras' 'same'),
    so border pixels see zeros. ``"replicate"`` pads the input once by the receptive
    radius, ``(f1 + f2 + f3 - 3) / 2``, repeating edge pixels as the paper's test code
    does, then runs 'valid' convolutions: every output pixel sees image-like content, so
    training never spends capacity on zero borders (the paper's cropped labels avoid them
    too). The weights are the same either way.

    ``SRCNN.preset("9-5-5")`` builds the paper's named configurations.
    """

    input_mode = "bicubic"  # the network's input is the LR image upscaled to HR size
    # Measured on CPU: oneDNN runs these wide 9x9/5x5 convolutions ~2.4x faster than XLA's code.
    prefers_xla = False

    def __init__(
        self,
        f1: int = 9,
        f2: int = 5,
        f3: int = 5,
        n1: int = 64,
        n2: int = 32,
        channels: int = 1,
        padding: str = "zeros",
        name: str = "srcnn",
        **kwargs,
    ) -> None:
        padding = check_padding(padding, "SRCNN")
        inputs = keras.Input(shape=(None, None, channels), name="bicubic")
        x, conv_padding = pad_input(inputs, padding, (f1 + f2 + f3 - 3) // 2)
        x = conv(n1, f1, "patch_extraction", activation="relu", padding=conv_padding)(x)
        x = conv(n2, f2, "nonlinear_mapping", activation="relu", padding=conv_padding)(x)
        # The paper initialises the last layer with a tiny Gaussian (std 0.001): the output starts near zero.
        outputs = keras.layers.Conv2D(
            channels,
            f3,
            padding=conv_padding,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
            name="reconstruction",
        )(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.f1, self.f2, self.f3, self.n1, self.n2, self.channels = f1, f2, f3, n1, n2, channels
        self.padding = padding
        self.scale = None  # SRCNN works at any scale: the bicubic upscaling sets it

    @classmethod
    def preset(cls, preset: str, channels: int = 1, **kwargs) -> SRCNN:
        """``SRCNN.preset("9-1-5")`` or ``"9-5-5"``, ``n1=64, n2=32`` as in the paper."""
        if preset not in SRCNN_PRESETS:
            raise SRLibError(f"unknown SRCNN preset {preset!r} — use one of {', '.join(SRCNN_PRESETS)}")
        f1, f2, f3 = SRCNN_PRESETS[preset]
        return cls(f1=f1, f2=f2, f3=f3, channels=channels, **kwargs)

    def get_config(self) -> dict:
        return {
            "f1": self.f1,
            "f2": self.f2,
            "f3": self.f3,
            "n1": self.n1,
            "n2": self.n2,
            "channels": self.channels,
            "padding": self.padding,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> SRCNN:
        return cls(**config)
