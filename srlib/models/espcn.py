"""ESPCN (Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network", CVPR 2016, sec. 2.1-2.2 and 3.2).

Every convolution runs in LR space; only the last one produces ``channels * scale^2``
feature maps, which the periodic shuffle (:class:`~srlib.models.pixel_shuffle.PixelShuffle`)
turns into the HR image. The paper's network (sec. 3.2): ``l = 3``,
``(f1, n1) = (5, 64)``, ``(f2, n2) = (3, 32)``, ``f3 = 3``, tanh activations, on the
Y channel. Input and output are on ``[0, 1]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from srlib.errors import SRLibError
from srlib.models.layers import check_padding, pad_input
from srlib.models.pixel_shuffle import PixelShuffle, icnr_initializer

__all__ = ["ESPCN"]


@keras.saving.register_keras_serializable(package="srlib")
class ESPCN(keras.Model):
    """ESPCN for one ``scale``: LR image ``(H, W, channels)`` in, ``(scale*H, scale*W, channels)`` out.

    ``filters`` are the hidden layers' widths ``(n1, n2)``, ``kernels`` the sizes
    ``(f1, f2, f3)``. The last convolution is linear (it is shuffled into pixel
    values); ``icnr=True`` initialises it with ICNR (Aitken et al. 2017) so the
    untrained network has no checkerboard; ``icnr=False`` keeps Keras' default.
    ``padding="replicate"`` pads the input once by the receptive radius (edge pixels
    repeated) and makes every convolution 'valid', as the paper's training on
    sub-images without padding (sec. 3.2) and its border-free loss imply;
    ``"zeros"`` zero-pads every convolution. The weights are the same either way.
    """

    input_mode = "lr"  # the network's input is the LR image itself

    def __init__(
        self,
        scale: int,
        channels: int = 1,
        filters: Sequence[int] = (64, 32),
        kernels: Sequence[int] = (5, 3, 3),
        activation: str = "tanh",
        icnr: bool = True,
        padding: str = "zeros",
        name: str = "espcn",
        **kwargs,
    ) -> None:
        scale, filters, kernels = int(scale), tuple(int(f) for f in filters), tuple(int(k) for k in kernels)
        if scale < 1:
            raise SRLibError(f"ESPCN: scale must be a positive integer, got {scale}")
        if len(kernels) != len(filters) + 1:
            raise SRLibError(f"ESPCN: give one kernel size per layer: {len(filters) + 1} kernels for filters={filters}")
        padding = check_padding(padding, "ESPCN")
        inputs = keras.Input(shape=(None, None, channels), name="lr")
        x, conv_padding = pad_input(inputs, padding, sum(k // 2 for k in kernels))
        for k, (width, size) in enumerate(zip(filters, kernels), start=1):
            x = keras.layers.Conv2D(width, size, padding=conv_padding, activation=activation, name=f"conv_{k}")(x)
        last_init = icnr_initializer(scale, keras.initializers.GlorotUniform) if icnr else "glorot_uniform"
        x = keras.layers.Conv2D(
            channels * scale * scale,
            kernels[-1],
            padding=conv_padding,
            kernel_initializer=last_init,
            name="subpixel_conv",
        )(x)
        outputs = PixelShuffle(scale, name="pixel_shuffle")(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.scale, self.channels, self.filters, self.kernels = scale, channels, filters, kernels
        self.activation_name, self.icnr, self.padding = activation, icnr, padding

    def get_config(self) -> dict:
        return {
            "scale": self.scale,
            "channels": self.channels,
            "filters": list(self.filters),
            "kernels": list(self.kernels),
            "activation": self.activation_name,
            "icnr": self.icnr,
            "padding": self.padding,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> ESPCN:
        return cls(**config)
