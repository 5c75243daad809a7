"""FSRCNN (Dong, Loy, Tang, ECCV 2016, sec. 3.2): an hourglass network on the LR image.

Feature extraction ``Conv(5, d)``, shrinking ``Conv(1, s)``, ``m`` mapping layers
``Conv(3, s)``, expanding ``Conv(1, d)``, each followed by PReLU, then a 9x9
deconvolution with stride ``scale`` that produces the HR image. Written
``FSRCNN(d, s, m)``; the paper's models are FSRCNN(56, 12, 4) and FSRCNN-s(32, 5, 1).
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError
from srlib.models.layers import check_padding, conv, deconvolution, pad_input, prelu

__all__ = ["FSRCNN", "FSRCNN_S"]


@keras.saving.register_keras_serializable(package="srlib")
class FSRCNN(keras.Model):
    """FSRCNN(d, s, m) for one ``scale``; input an LR image of any size, output ``scale`` times larger.

    The layer named ``deconvolution`` is the one the paper trains with a 10x smaller
    learning rate (sec. 3.3); :data:`DECONV_LR_MULTIPLIER` records that.

    ``padding="zeros"`` zero-pads every layer. ``"replicate"`` pads the LR input once
    (edge pixels repeated) by the convolutions' radius plus :data:`DECONV_MARGIN`, runs
    'valid' convolutions, and crops the deconvolution's output by the margin times the
    scale: the paper trains on sub-images without padding (sec. 3.3), so no output pixel
    sees zeros. The weights are the same either way.
    """

    input_mode = "lr"  # the network's input is the LR image itself
    # Measured on CPU: XLA makes the training step ~4x faster (the deconvolution's gradient above all).
    prefers_xla = True
    DECONV_LR_MULTIPLIER = {"deconvolution": 0.1}
    DECONV_MARGIN = 2  # LR pixels of features kept around the image for the 9x9 deconvolution (it reaches 4/scale)

    def __init__(
        self,
        scale: int,
        d: int = 56,
        s: int = 12,
        m: int = 4,
        channels: int = 1,
        padding: str = "zeros",
        name: str = "fsrcnn",
        **kwargs,
    ) -> None:
        scale = int(scale)
        if scale < 1:
            raise SRLibError(f"FSRCNN: scale must be a positive integer, got {scale}")
        padding = check_padding(padding, "FSRCNN")
        inputs = keras.Input(shape=(None, None, channels), name="lr")
        x, conv_padding = pad_input(inputs, padding, 2 + m + self.DECONV_MARGIN)
        x = prelu("feature_extraction_prelu")(conv(d, 5, "feature_extraction", padding=conv_padding)(x))
        x = prelu("shrinking_prelu")(conv(s, 1, "shrinking")(x))
        for k in range(1, m + 1):
            x = prelu(f"mapping_{k}_prelu")(conv(s, 3, f"mapping_{k}", padding=conv_padding)(x))
        x = prelu("expanding_prelu")(conv(d, 1, "expanding")(x))
        outputs = deconvolution(channels, scale, name="deconvolution")(x)
        if padding == "replicate":
            outputs = keras.layers.Cropping2D(self.DECONV_MARGIN * scale, name="crop_margin")(outputs)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.scale, self.d, self.s, self.m, self.channels, self.padding = scale, d, s, m, channels, padding

    def get_config(self) -> dict:
        return {
            "scale": self.scale,
            "d": self.d,
            "s": self.s,
            "m": self.m,
            "channels": self.channels,
            "padding": self.padding,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> FSRCNN:
        return cls(**config)


def FSRCNN_S(scale: int, channels: int = 1, **kwargs) -> FSRCNN:
    """FSRCNN-s, the paper's small real-time model: FSRCNN(d=32, s=5, m=1)."""
    kwargs.setdefault("name", "fsrcnn_s")
    return FSRCNN(scale, d=32, s=5, m=1, channels=channels, **kwargs)
