"""One LR image (or tile) to its SR, plane by plane: Y/CbCr, RGB, grayscale and alpha.

* A Y-channel model (SRCNN/FSRCNN sec. 4: "only the luminance channel") upscales Y of
  MATLAB's ``rgb2ycbcr``; Cb and Cr are upscaled with MATLAB bicubic, then the image is
  converted back to RGB. A grayscale image goes through it on its one channel.
* An RGB model (SRResNet) takes RGB; a grayscale image is replicated to three channels
  and the output's channel mean kept.
* An alpha channel is upscaled with MATLAB bicubic on its uint8 values, apart from the network.
* A ``bicubic``-input model (SRCNN) gets the bicubic-upscaled planes, the others the LR planes.

Networks work on ``[0, 1]``; results are rounded half up and clipped to uint8.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import keras
import numpy as np
import scipy.sparse
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.image.color import rgb2ycbcr, ycbcr2rgb
from srlib.image.resize import imresize, resize_weights
from srlib.infer.resolve import model_channels, model_input_mode
from srlib.infer.self_ensemble import self_ensemble as ensemble

__all__ = ["bicubic_upscale", "network_on_planes", "plane_upscaler"]

Planes = Callable[[np.ndarray], np.ndarray]


@functools.lru_cache(maxsize=64)
def _upscale_matrix(length: int, scale: int) -> scipy.sparse.csr_matrix:
    """MATLAB's bicubic upscaling of one axis as a sparse ``(scale * length, length)`` matrix."""
    weights, indices = resize_weights(length, length * scale, float(scale))
    rows = np.repeat(np.arange(length * scale), weights.shape[1])
    # Mirrored taps at the borders repeat a column; the sparse matrix sums them, as imresize does.
    return scipy.sparse.csr_matrix((weights.ravel(), (rows, indices.ravel())), shape=(length * scale, length))


def bicubic_upscale(planes: np.ndarray, scale: int) -> np.ndarray:
    """``imresize(planes, scale)`` for float ``(h, w, c)`` planes and an integer ``scale``, as float64.

    The weights of :func:`~srlib.image.resize.resize_weights` applied as two sparse products instead of
    gathered copies: equal to :func:`~srlib.image.resize.imresize` up to float rounding (~1e-13),
    and 5-20 times faster on the tiles of a large image.
    """
    height, width, channels = planes.shape
    rows = _upscale_matrix(height, scale) @ planes.reshape(height, width * channels)
    rows = rows.reshape(height * scale, width, channels).transpose(1, 0, 2).reshape(width, -1)
    both = _upscale_matrix(width, scale) @ rows
    return np.ascontiguousarray(both.reshape(width * scale, height * scale, channels).transpose(1, 0, 2))


def _traced_forward(model: keras.Model, channels: int) -> Callable:
    """``model(x, training=False)`` traced once for every input size.

    Tracing takes 0.4-1.4 s for the course's models; each call is then about 1.7 times
    faster than eager Keras, with bitwise the same output on a CPU.
    """
    return tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec((1, None, None, channels), tf.float32)],
    )


def network_on_planes(model: keras.Model, scale: int, self_ensemble: bool = False) -> Planes:
    """``float (h, w, C) on 0..255 -> float (sh, sw, C) on 0..255`` through the network.

    ``self_ensemble`` averages the 8 flips and rotations (EDSR sec. 3.3); bicubic commutes
    with them, so a bicubic-input model's planes are upscaled first.
    """
    forward = _traced_forward(model, model_channels(model))
    bicubic = model_input_mode(model) == "bicubic"
    factor = 1 if bicubic else scale  # what the network itself upsamples

    def once(planes: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(planes[None], dtype=np.float32) / np.float32(255.0)
        sr = forward(x).numpy()[0].astype(np.float64) * 255.0
        if sr.shape[:2] != (planes.shape[0] * factor, planes.shape[1] * factor):
            raise SRLibError(
                f"model {model.name} maps {planes.shape[1]}x{planes.shape[0]} to {sr.shape[1]}x{sr.shape[0]}, "
                f"not x{factor} — use a model trained for x{scale}"
            )
        return sr

    def run(planes: np.ndarray) -> np.ndarray:
        if bicubic:
            planes = bicubic_upscale(planes, scale)
        return ensemble(once, planes) if self_ensemble else once(planes)

    return run


def plane_upscaler(model: keras.Model, scale: int, self_ensemble: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """``uint8 (h, w, colour [+ alpha]) -> uint8 (sh, sw, same)``, colour 1 (gray) or 3 (RGB).

    A uint16 image (a 16-bit photo) goes through the same path on 0..255 floats and comes
    back as uint16: its extra precision is kept, not rounded to 8 bits on the way.
    """
    network = network_on_planes(model, scale, self_ensemble)
    channels = model_channels(model)

    def upscale_planes(lr: np.ndarray) -> np.ndarray:
        colour = 1 if lr.shape[-1] <= 2 else 3
        peak = 65535.0 if lr.dtype == np.uint16 else 255.0
        planes = lr[..., :colour].astype(np.float64) * (255.0 / peak)
        if channels == 1 and colour == 3:
            ycbcr = rgb2ycbcr(planes)
            y = network(ycbcr[..., :1])
            sr = ycbcr2rgb(np.concatenate([y, bicubic_upscale(ycbcr[..., 1:], scale)], axis=-1))
        elif channels == colour:
            sr = network(planes)
        else:  # an RGB model on a grayscale image: replicate, then the channel mean
            sr = network(np.repeat(planes, 3, axis=-1)).mean(axis=-1, keepdims=True)
        if peak != 255.0:
            sr = sr * (peak / 255.0)
        if lr.shape[-1] > colour:  # alpha: uint8 in, MATLAB's imresize rounds after each dimension
            alpha = lr[..., colour:] if lr.dtype == np.uint8 else lr[..., colour:].astype(np.float64)
            sr = np.concatenate([sr, imresize(alpha, scale).astype(np.float64)], axis=-1)
        return np.clip(np.floor(sr + 0.5), 0, peak).astype(lr.dtype)

    return upscale_planes
