"""Sub-pixel convolution: the ``PixelShuffle`` layer and the ICNR initialiser.

ESPCN (Shi et al., CVPR 2016, sec. 2.2) upsamples at the very end of the network: a
convolution in LR space produces ``C * r^2`` channels and the *periodic shuffle*
``PS`` rearranges them into an ``rH x rW x C`` image,

    PS(T)[r*h + i, r*w + j, c] = T[h, w, (r*i + j) * C + c],   0 <= i, j < r

the channel order of ``tf.nn.depth_to_space`` (the paper writes the same map with
the sub-pixel offsets in the other order; only the convention of which learned
channel lands where differs).

Initialised at random, the ``r^2`` sub-pixel kernels differ and the first outputs
show a checkerboard. ICNR (Aitken et al. 2017, "Checkerboard artifact free sub-pixel
convolution", sec. 3) draws one kernel per output channel and copies it to all ``r^2``
sub-pixels, so conv + shuffle starts as conv followed by nearest-neighbour upsampling.
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError

__all__ = ["PixelShuffle", "ICNR", "icnr_initializer"]


@keras.saving.register_keras_serializable(package="srlib")
class PixelShuffle(keras.layers.Layer):
    """Periodic shuffle ``(N, H, W, C*r^2) -> (N, rH, rW, C)`` (ESPCN sec. 2.2), channels last.

    The same rearrangement as ``tf.nn.depth_to_space(x, r)``; it has no weights, and
    it works for any ``H`` and ``W``.
    """

    def __init__(self, scale: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = int(scale)
        if self.scale < 1:
            raise SRLibError(f"PixelShuffle: scale must be a positive integer, got {scale}")

    def call(self, inputs):
        if self.scale == 1:
            return inputs
        return keras.ops.depth_to_space(inputs, self.scale, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        r = self.scale
        if channels is not None and channels % (r * r):
            raise ValueError(f"PixelShuffle(scale={r}): channels ({channels}) must be a multiple of {r * r}")

        def grow(size):
            return None if size is None else size * r

        return (batch, grow(height), grow(width), None if channels is None else channels // (r * r))

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="srlib")
class ICNR(keras.initializers.Initializer):
    """ICNR (Aitken et al. 2017, sec. 3): a conv kernel whose ``scale^2`` sub-pixel copies are equal.

    For a kernel of shape ``(kh, kw, in, C * scale^2)`` it draws ``base`` for
    ``(kh, kw, in, C)`` and tiles it along the last axis, matching the channel order
    of :class:`PixelShuffle`. Use it with a zero (or constant) bias.
    """

    def __init__(self, scale: int, base: keras.initializers.Initializer | str | dict | None = None) -> None:
        self.scale = int(scale)
        self.base = keras.initializers.get(base if base is not None else "he_normal")

    def __call__(self, shape, dtype=None):
        *spatial, channels_out = shape
        copies = self.scale * self.scale
        if channels_out % copies:
            raise ValueError(f"ICNR(scale={self.scale}): {channels_out} output channels is not a multiple of {copies}")
        # The base initialiser sees the kernel of the C-channel convolution, so its fan-in/fan-out are that layer's.
        kernel = self.base(tuple(spatial) + (channels_out // copies,), dtype=dtype)
        return keras.ops.tile(kernel, [1] * len(spatial) + [copies])

    def get_config(self) -> dict:
        return {"scale": self.scale, "base": keras.initializers.serialize(self.base)}

    @classmethod
    def from_config(cls, config: dict) -> ICNR:
        config = dict(config)
        config["base"] = keras.initializers.deserialize(config["base"])
        return cls(**config)


def icnr_initializer(
    scale: int, base: type | keras.initializers.Initializer | str = keras.initializers.HeNormal
) -> ICNR:
    """An :class:`ICNR` initialiser for the convolution before ``PixelShuffle(scale)``.

    ``base`` is an initialiser instance, its class (instantiated with defaults) or a
    Keras name such as ``"glorot_uniform"``.
    """
    if isinstance(base, type):
        base = base()
    return ICNR(scale, base)
