"""Building blocks shared by the SR models: initialisers and the x``scale`` deconvolution.

Everything here is a stock Keras layer configured the way the papers describe, so the
models stay plain and save in Keras' native format without custom objects.
"""

from __future__ import annotations

import keras

__all__ = ["he_normal", "conv", "prelu", "deconvolution"]


def he_normal() -> keras.initializers.Initializer:
    """MSRA/He initialisation (He et al. 2015), which FSRCNN uses for layers followed by PReLU."""
    return keras.initializers.HeNormal()


def conv(filters: int, kernel_size: int, name: str, activation: str | None = None) -> keras.layers.Conv2D:
    """A 'same'-padded convolution with He init, so any input size gives the same output size."""
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        padding="same",
        activation=activation,
        kernel_initializer=he_normal(),
        name=name,
    )


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
