"""Chapter 02's typical mistakes: FSRCNN's parameters (02.1), transposed-conv size (02.2), cost (02.3), transfer (02.4)."""

from __future__ import annotations

from srlib.course.exercises.ch02 import fsrcnn_macs_per_hr_pixel


def _papers_count(d, s, m):
    return 25 * d + s * d + 9 * m * s * s + d * s + 81 * d


def _no_prelu(d, s, m):
    return _papers_count(d, s, m) + d + s + m * s + d + 1


def _conv_size(n, kernel, stride, padding):
    return (n - kernel) // stride + 1


def _same_everywhere(n, kernel, stride, padding):
    return n * stride


def _per_lr_pixel(d, s, m, scale):
    return fsrcnn_macs_per_hr_pixel(d, s, m, scale) * scale**2


def _deconv_per_hr(d, s, m, scale):
    return (25 * d + d * s + 9 * m * s * s + s * d) / scale**2 + 81 * d


def _freeze_nothing(model):
    return model


def _freeze_everything(model):
    for layer in model.layers:
        layer.trainable = False


def _freeze_convs_only(model):
    for layer in model.layers:
        if not layer.name.endswith("_prelu") and layer.name != "deconvolution":
            layer.trainable = False


def _freeze_deconv_only(model):
    model.get_layer("deconvolution").trainable = False


MISTAKES = [
    ("02.1", _papers_count, "paper's count"),
    ("02.1", _no_prelu, "PReLU slopes"),
    ("02.2", _conv_size, "ordinary"),
    ("02.2", _same_everywhere, "'valid'"),
    ("02.3", _per_lr_pixel, "scale**2"),
    ("02.3", _deconv_per_hr, "once per LR"),
    ("02.4", _freeze_nothing, "still trainable"),
    ("02.4", _freeze_everything, "keep it trainable"),
    ("02.4", _freeze_convs_only, "PReLU slopes"),
    ("02.4", _freeze_deconv_only, "other way round"),
]
