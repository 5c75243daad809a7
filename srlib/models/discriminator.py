"""The SRGAN discriminator (Ledig et al., CVPR 2017, sec. 2.1 and fig. 4).

Eight 3x3 convolutions whose channels double every second layer (``f, f, 2f, 2f, 4f,
4f, 8f, 8f`` with ``f = 64``) and whose strides alternate 1 and 2, each followed by
BatchNorm (all but the first) and LeakyReLU(0.2); then a dense layer of 1024 units,
LeakyReLU and a dense layer with one output. The network returns that output as a
*logit*: the sigmoid of the paper's last layer lives in the losses
(:mod:`srlib.losses.adversarial`), where ``log(sigmoid(z))`` can be computed stably.

Any patch size. The paper flattens the ``(P/16) x (P/16) x 512`` feature map of its
96x96 patches, which ties the first dense layer to one input size.

* ``patch_size=None`` (default): global average pooling over the feature map before
  the dense layers, so the same weights judge any input size (training patches, a
  whole validation image). It changes the paper's first dense layer from
  ``(P/16)^2 * 512 -> 1024`` to ``512 -> 1024``: the discriminator judges the mean
  of its local features, as a patch discriminator averaged over positions would.
* ``patch_size=P``: the paper's exact flatten; the input must be ``P x P``.

Value range: RGB on ``[0, 1]`` like every srlib model; a first ``Rescaling`` layer
maps it to ``[-1, 1]``, the range the paper's discriminator saw.
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError
from srlib.models.layers import batch_norm

__all__ = ["DISCRIMINATOR_FEATURE_LAYERS", "SRGANDiscriminator"]

# The activations after each stride-2 block: the features the "dfeat" content loss matches,
# one per scale (1/2, 1/4, 1/8, 1/16 of the input).
DISCRIMINATOR_FEATURE_LAYERS = ("block_2_act", "block_4_act", "block_6_act", "block_8_act")


@keras.saving.register_keras_serializable(package="srlib")
class SRGANDiscriminator(keras.Model):
    """SRGAN discriminator (fig. 4): RGB on ``[0, 1]`` in, one real-vs-fake logit per image out.

    ``filters`` is the width of the first convolution (64 in the paper); ``patch_size``
    None pools globally (any input size), an integer flattens exactly as the paper
    (that input size only); ``dense_units`` is the hidden dense width (1024).
    """

    def __init__(
        self,
        patch_size: int | None = None,
        filters: int = 64,
        dense_units: int = 1024,
        channels: int = 3,
        name: str = "srgan_discriminator",
        **kwargs,
    ) -> None:
        if patch_size is not None and int(patch_size) < 1:
            raise SRLibError(
                f"SRGANDiscriminator: patch_size={patch_size} — give a positive size, or None for any size"
            )
        size = None if patch_size is None else int(patch_size)
        inputs = keras.Input(shape=(size, size, channels), name="image")
        x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_symmetric_range")(inputs)
        for k in range(8):
            width = filters * 2 ** (k // 2)
            x = keras.layers.Conv2D(
                width,
                3,
                strides=1 if k % 2 == 0 else 2,
                padding="same",
                use_bias=k == 0,  # BN's beta replaces the bias of the other seven
                name=f"block_{k + 1}_conv",
            )(x)
            if k > 0:
                x = batch_norm(f"block_{k + 1}_bn")(x)
            x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"block_{k + 1}_act")(x)
        if size is None:
            x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        else:
            x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(dense_units, name="dense")(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2, name="dense_act")(x)
        outputs = keras.layers.Dense(1, name="logit")(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.patch_size, self.filters, self.dense_units, self.channels = (
            size,
            int(filters),
            int(dense_units),
            int(channels),
        )

    def feature_model(self, layers: tuple[str, ...] = DISCRIMINATOR_FEATURE_LAYERS) -> keras.Model:
        """A model sharing these weights that returns ``[logit, *features of layers]`` in one pass."""
        outputs = [self.output] + [self.get_layer(name).output for name in layers]
        return keras.Model(self.input, outputs, name=f"{self.name}_features")

    def get_config(self) -> dict:
        return {
            "patch_size": self.patch_size,
            "filters": self.filters,
            "dense_units": self.dense_units,
            "channels": self.channels,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> SRGANDiscriminator:
        return cls(**config)
