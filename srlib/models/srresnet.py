"""SRResNet, the generator of SRGAN (Ledig et al., CVPR 2017, sec. 2.2 and fig. 4).

``k9n64`` convolution + PReLU; ``B`` residual blocks (``k3n64`` conv, BN, PReLU,
``k3n64`` conv, BN, identity skip); ``k3n64`` conv + BN and a global skip to the
first PReLU's output; sub-pixel upsampling stages (conv to ``64 * r^2`` channels,
:class:`PixelShuffle`, PReLU); a final ``k9n3`` convolution.

Value range, one choice for the whole course: RGB on ``[0, 1]`` in *and* out, with a
linear last layer. (SRGAN scaled LR to ``[0, 1]`` and HR to ``[-1, 1]`` through a
final tanh; a linear ``[0, 1]`` output keeps SRResNet comparable with SRCNN/FSRCNN/
ESPCN, trained with the same MSE on the same pipeline, and the inference code clips.)
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError
from srlib.models.layers import batch_norm as batch_norm_layer
from srlib.models.layers import prelu
from srlib.models.pixel_shuffle import PixelShuffle, icnr_initializer

__all__ = ["SRResNet", "residual_block", "srresnet_graph", "upsampling_factors", "freeze_upsampler"]


def upsampling_factors(scale: int) -> list[int]:
    """The sub-pixel stages for ``scale``: x2 stages for powers of two (4 -> [2, 2]), one x3 stage for 3."""
    scale = int(scale)
    if scale == 3:
        return [3]
    factors = []
    value = scale
    while value > 1 and value % 2 == 0:
        factors.append(2)
        value //= 2
    if value != 1 or not factors:
        raise SRLibError(f"SRResNet: scale {scale} is not supported — use 2, 3, 4 or 8")
    return factors


def _he_normal(gain: float = 1.0) -> keras.initializers.Initializer:
    """He-normal initialisation with every weight multiplied by ``gain`` (variance by ``gain**2``)."""
    return keras.initializers.VarianceScaling(scale=2.0 * gain * gain, mode="fan_in", distribution="truncated_normal")


def _conv(filters: int, kernel_size: int, name: str, gain: float = 1.0, **kwargs) -> keras.layers.Conv2D:
    return keras.layers.Conv2D(
        filters, kernel_size, padding="same", kernel_initializer=_he_normal(gain), name=name, **kwargs
    )


def residual_block(
    x, filters: int, *, batch_norm: bool = True, gain: float = 1.0, skip: bool = True, name: str = "block"
):
    """One residual block of SRResNet (fig. 4; He et al. 2016): ``x + BN(conv(PReLU(BN(conv(x)))))``.

    Two ``k3n{filters}`` convolutions, the first followed by BN and PReLU, the second by BN,
    then the identity skip. Without BN the convolutions carry biases (BN's beta replaces
    them otherwise). ``gain`` scales the second convolution's initial weights (see
    :class:`SRResNet`'s ``branch_init_scale``); ``skip=False`` drops the addition, the
    ablation chapter 03 measures. Layers are named ``{name}_conv_1``, ``{name}_bn_1``, ...
    """

    def normalised(y, suffix: str):
        return batch_norm_layer(f"{name}_{suffix}")(y) if batch_norm else y

    y = _conv(filters, 3, f"{name}_conv_1", use_bias=not batch_norm)(x)
    y = prelu(f"{name}_prelu")(normalised(y, "bn_1"))
    y = normalised(_conv(filters, 3, f"{name}_conv_2", gain, use_bias=not batch_norm)(y), "bn_2")
    return keras.layers.Add(name=f"{name}_add")([x, y]) if skip else y


def srresnet_graph(
    inputs, scale: int, num_blocks: int, filters: int, batch_norm: bool, gain: float, *, skips: bool = True
):
    """SRResNet's layers (fig. 4) applied to ``inputs``; returns the output tensor.

    :class:`SRResNet` is this graph; ``skips=False`` drops every block's skip (the global skip
    stays), the network chapter 03's ablation trains."""
    channels = int(inputs.shape[-1])
    features = prelu("head_prelu")(_conv(filters, 9, "head_conv")(inputs))
    x = features
    for b in range(1, num_blocks + 1):
        x = residual_block(x, filters, batch_norm=batch_norm, gain=gain, skip=skips, name=f"block_{b}")
    x = _conv(filters, 3, "body_conv", gain, use_bias=not batch_norm)(x)
    x = batch_norm_layer("body_bn")(x) if batch_norm else x
    x = keras.layers.Add(name="global_skip")([features, x])
    for k, factor in enumerate(upsampling_factors(scale), start=1):
        x = keras.layers.Conv2D(
            filters * factor * factor,
            3,
            padding="same",
            kernel_initializer=icnr_initializer(factor),  # no checkerboard at the start (Aitken et al. 2017)
            name=f"upsample_{k}_conv",
        )(x)
        x = prelu(f"upsample_{k}_prelu")(PixelShuffle(factor, name=f"upsample_{k}_shuffle")(x))
    return keras.layers.Conv2D(channels, 9, padding="same", kernel_initializer=_he_normal(gain), name="tail_conv")(x)


@keras.saving.register_keras_serializable(package="srlib")
class SRResNet(keras.Model):
    """SRResNet (SRGAN fig. 4): RGB LR on ``[0, 1]`` in, RGB SR on ``[0, 1]`` (unclipped) out.

    ``num_blocks`` residual blocks of ``filters`` channels; ``scale`` 2, 3, 4 or 8.

    ``batch_norm=False`` drops every BatchNorm layer, as EDSR does (Lim et al.,
    CVPRW 2017, sec. 3.1): BN normalises the features and so takes away the range
    flexibility an SR network needs (its output is an image, not a class score), it
    couples a patch's output to its batch's statistics during training, and it costs
    memory (about 40 % in EDSR's measurement). Without BN the convolutions use biases.

    ``branch_init_scale`` multiplies the initial weights of the last convolution of every
    residual branch, of the body convolution and of the output convolution. Without BN
    nothing keeps the sum of 16 residual branches in range at the start; EDSR (sec. 3.2)
    scales its branches by 0.1 for the same reason. Here it is only the *initial* scale, so
    the trained network is the plain SRResNet. Default: 0.1 without BN, 1.0 with BN.
    """

    input_mode = "lr"
    # Measured on a 2-core CPU (batch 16, 24x24 LR): 606 ms per training step without XLA, 1002 ms with it.
    prefers_xla = False

    def __init__(
        self,
        scale: int = 4,
        num_blocks: int = 16,
        filters: int = 64,
        batch_norm: bool = True,
        channels: int = 3,
        branch_init_scale: float | None = None,
        name: str = "srresnet",
        **kwargs,
    ) -> None:
        upsampling_factors(scale)  # a one-line error for a scale SRResNet cannot do
        gain = float(branch_init_scale if branch_init_scale is not None else (1.0 if batch_norm else 0.1))

        inputs = keras.Input(shape=(None, None, channels), name="lr")
        outputs = srresnet_graph(inputs, scale, num_blocks, filters, batch_norm, gain)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.scale, self.num_blocks, self.filters = int(scale), int(num_blocks), int(filters)
        self.batch_norm, self.channels = bool(batch_norm), int(channels)
        self.branch_init_scale = gain

    def get_config(self) -> dict:
        return {
            "scale": self.scale,
            "num_blocks": self.num_blocks,
            "filters": self.filters,
            "batch_norm": self.batch_norm,
            "channels": self.channels,
            "branch_init_scale": self.branch_init_scale,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> SRResNet:
        return cls(**config)


def freeze_upsampler(model: keras.Model) -> list[str]:
    """Keep an SRResNet's upsampler — pixel-shuffle stages and last convolution — fixed; returns their names.

    Only the LR-grid layers (head and residual body) then train. Short adversarial
    fine-tunes need it (chapter 04, the shipped SRGAN): with the whole generator trainable,
    the cheapest way to look less smooth is a grid at the pixel shuffle's period.
    """
    frozen = [layer.name for layer in model.layers if layer.name.startswith(("upsample_", "tail_conv"))]
    for name in frozen:
        model.get_layer(name).trainable = False
    return frozen
