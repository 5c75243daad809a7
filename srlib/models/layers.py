"""Building blocks shared by the SR models: initialisers and the x``scale`` deconvolution.

Everything here is a stock Keras layer configured the way the papers describe, so the
models stay plain and save in Keras' native format without custom objects.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from srlib.errors import SRLibError

__all__ = ["he_normal", "conv", "prelu", "deconvolution", "batch_norm", "ReplicatePad", "PADDINGS", "check_padding",
           "pad_input"]  # fmt: skip

# How a model fills the border its convolutions need: "zeros" (each convolution pads with zeros, Keras'
# 'same') or "replicate" (the input is padded once by repeating its edge pixels, then every convolution
# is 'valid'; the SRCNN/FSRCNN test code pads with "replicate" the same way).
PADDINGS = ("zeros", "replicate")


def he_normal() -> keras.initializers.Initializer:
    """MSRA/He initialisation (He et al. 2015), which FSRCNN uses for layers followed by PReLU."""
    return keras.initializers.HeNormal()


def check_padding(padding: str, model: str) -> str:
    """``padding`` if it is one of :data:`PADDINGS`, else a one-line error naming the choices."""
    if padding not in PADDINGS:
        raise SRLibError(f"{model}: padding={padding!r} is not known — use one of {', '.join(PADDINGS)}")
    return padding


def pad_input(x, padding: str, width: int) -> tuple:
    """A model's input under a checked ``padding``, and the padding its convolutions then use.

    ``"zeros"``: the input as it is, convolutions 'same'. ``"replicate"``: the input padded
    by ``width`` edge pixels (the model's receptive radius), convolutions 'valid'.
    """
    if padding == "zeros":
        return x, "same"
    return ReplicatePad(width, name="replicate_pad")(x), "valid"


def conv(
    filters: int, kernel_size: int, name: str, activation: str | None = None, padding: str = "same"
) -> keras.layers.Conv2D:
    """A convolution with He init; 'same' padding keeps the size, 'valid' trims ``kernel_size // 2`` per side."""
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        padding=padding,
        activation=activation,
        kernel_initializer=he_normal(),
        name=name,
    )


def batch_norm(name: str) -> keras.layers.BatchNormalization:
    """Batch normalisation (Ioffe & Szegedy 2015) with SRGAN's momentum 0.9.

    Built under a ``tf.distribute`` strategy with several replicas, its batch statistics are
    those of the global batch (``synchronized``), so data-parallel training normalises as one
    device with the whole batch would; elsewhere it is Keras' plain layer."""
    replicated = tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1
    return keras.layers.BatchNormalization(momentum=0.9, synchronized=replicated, name=name)


def prelu(name: str) -> keras.layers.PReLU:
    """PReLU with one slope per channel, shared over the spatial axes (FSRCNN sec. 3.2)."""
    # Sharing over H and W keeps the layer size-independent (a per-pixel slope would fix the input size).
    return keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)


def deconvolution(channels: int, scale: int, kernel_size: int = 9, name: str = "deconvolution") -> keras.layers.Layer:
    """The 9x9 transposed convolution with stride ``scale`` that ends FSRCNN (sec. 3.2).

    With 'same' padding a transposed convolution of stride ``s`` maps an ``h x w`` input
    to exactly ``s*h x s*w``, for every input size. FSRCNN initialises it with a
    zero-mean Gaussian of standard deviation 0.001 (sec. 3.3).
    """
    return keras.layers.Conv2DTranspose(
        channels,
        kernel_size,
        strides=scale,
        padding="same",
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
        name=name,
    )


@keras.saving.register_keras_serializable(package="srlib")
class ReplicatePad(keras.layers.Layer):
    """Pads height and width by ``width`` pixels that repeat the nearest edge pixel.

    A network padded once this way and then built from 'valid' convolutions sees, at the
    image border, pixels that look like image content instead of zeros; so the border
    needs no behaviour of its own and training patches teach the interior only. Any input
    size works, even one pixel (unlike mirror padding, which needs ``width`` < size).
    """

    def __init__(self, width: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.width = int(width)

    def call(self, x):
        w = self.width
        if w == 0:
            return x
        x = ops.concatenate([ops.repeat(x[:, :1], w, axis=1), x, ops.repeat(x[:, -1:], w, axis=1)], axis=1)
        return ops.concatenate([ops.repeat(x[:, :, :1], w, axis=2), x, ops.repeat(x[:, :, -1:], w, axis=2)], axis=2)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda size: None if size is None else size + 2 * self.width  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "width": self.width}
