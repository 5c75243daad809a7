"""Chapter 01's typical mistakes: SRCNN's input (01.1), its parameter count (01.2), its output size (01.3)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from srlib.image import imresize, rgb2y


def _repeat_rgb(lr, scale):
    return np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1)


def _no_divide(lr, scale):
    return imresize(rgb2y(lr), scale)[..., None]


def _no_axis(lr, scale):
    return imresize(rgb2y(lr), scale) / 255


def _nearest_y(lr, scale):
    return (np.repeat(np.repeat(rgb2y(lr), scale, 0), scale, 1) / 255)[..., None]


def _not_upscaled(lr, scale):
    return (rgb2y(lr) / 255)[..., None]


def _full_range_luma(lr, scale):
    return (imresize(lr.astype(np.float64) @ np.array([0.299, 0.587, 0.114]), scale) / 255)[..., None]


def _pillow(lr, scale):
    y = np.round(rgb2y(lr)).astype(np.uint8)
    size = (y.shape[1] * scale, y.shape[0] * scale)
    return (np.asarray(Image.fromarray(y).resize(size, Image.Resampling.BICUBIC)) / 255.0)[..., None]


def _uint8_input(lr, scale):
    return np.round(imresize(rgb2y(lr), scale)).astype(np.uint8)[..., None]


def _rgb_first(lr, scale):
    return (rgb2y(imresize(lr, scale)) / 255.0)[..., None].astype(np.float32)


def _first_layer(f1, f2, f3, n1, n2, channels=1):
    return f1 * f1 * channels * n1


def _no_biases(f1, f2, f3, n1, n2, channels=1):
    return channels * f1 * f1 * n1 + n1 * f2 * f2 * n2 + n2 * f3 * f3 * channels


def _f_not_squared(f1, f2, f3, n1, n2, channels=1):
    return channels * f1 * n1 + n1 + n1 * f2 * n2 + n2 + n2 * f3 * channels + channels


def _no_input_channels(f1, f2, f3, n1, n2, channels=1):
    return f1 * f1 * n1 + n1 + f2 * f2 * n2 + n2 + f3 * f3 * channels + channels


def _one_bias_per_layer(f1, f2, f3, n1, n2, channels=1):
    return _no_biases(f1, f2, f3, n1, n2, channels) + 3


def _same_size(size, f1, f2, f3):
    return size


def _minus_f(size, f1, f2, f3):
    return size - f1 - f2 - f3


def _one_side(size, f1, f2, f3):
    return size - f1 // 2 - f2 // 2 - f3 // 2


def _plus_one_once(size, f1, f2, f3):
    return size - f1 - f2 - f3 + 1


MISTAKES = [
    ("01.1", _repeat_rgb, "keep only the luma"),  # the chapter's placeholder
    ("01.1", _no_divide, "divide Y by 255"),
    ("01.1", _no_axis, "add the channel axis"),
    ("01.1", _nearest_y, "pixel repetition"),
    ("01.1", _not_upscaled, "still the LR size"),
    ("01.1", _full_range_luma, "16..235"),
    ("01.1", _pillow, "not MATLAB's bicubic"),
    ("01.1", _uint8_input, "takes floats"),
    ("01.2", _first_layer, "only the first layer's weights"),  # the chapter's placeholder
    ("01.2", _no_biases, "also has a bias"),
    ("01.2", _f_not_squared, "f1 * f1"),
    ("01.2", _no_input_channels, "channels of its input"),
    ("01.2", _one_bias_per_layer, "one bias per filter"),
    ("01.3", _same_size, "'same' zero padding"),  # the chapter's placeholder
    ("01.3", _minus_f, "off by one per layer"),
    ("01.3", _one_side, "on *each* side"),
    ("01.3", _plus_one_once, "applies to every layer"),
]

# Upscaling RGB first and then taking Y is the training pipeline's order; the checker accepts it.
ALSO_CORRECT = [("01.1", _rgb_first)]
