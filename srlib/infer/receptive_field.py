"""Two facts about a convolutional network, read from its layers without running it.

* :func:`receptive_radius` — how far (in LR pixels) an output pixel sees: tiles read that
  many extra pixels on every side, so tiled and untiled results agree.
* :func:`widest_activation` — the floats per LR pixel of its largest layer output: the
  tile-size rule (:mod:`srlib.infer.tiling`) keeps that layer within a memory budget.

Both walk the layers in order and track the upsampling done so far (PixelShuffle, strided
transposed convolutions, UpSampling2D; Shi et al. 2016, sec. 2.2), so a layer working on
the HR grid counts ``factor`` times less per LR pixel of radius and ``factor**2`` times
more of memory. A model whose ``input_mode`` is ``"bicubic"`` (SRCNN) starts on the HR grid.
"""

from __future__ import annotations

from collections.abc import Iterator

import keras

from srlib.infer.resolve import model_input_mode
from srlib.models.pixel_shuffle import PixelShuffle

__all__ = ["receptive_radius", "widest_activation", "BICUBIC_RADIUS"]

BICUBIC_RADIUS = 2  # LR pixels MATLAB's bicubic kernel reads on each side when upscaling


def _layers(layers: list) -> Iterator[keras.layers.Layer]:
    """Every layer in order, nested models opened."""
    for layer in layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer.layers)
        else:
            yield layer


def _grid_walk(model: keras.Model, factor: float) -> Iterator[tuple[keras.layers.Layer, float, float]]:
    """``(layer, factor before it, factor after it)``: HR-grid pixels per LR pixel, along one axis."""
    for layer in _layers(model.layers):
        before = factor
        if isinstance(layer, keras.layers.Conv2DTranspose):
            factor *= layer.strides[0]
        elif isinstance(layer, keras.layers.Conv2D):
            factor /= layer.strides[0]  # a strided convolution downsamples
        elif isinstance(layer, PixelShuffle):
            factor *= layer.scale
        elif isinstance(layer, keras.layers.UpSampling2D):
            factor *= layer.size[0]
        yield layer, before, factor


def _start_factor(model: keras.Model, scale: int | None) -> float:
    if model_input_mode(model) != "bicubic":
        return 1.0
    return float(scale or getattr(model, "scale", None) or 1)


def receptive_radius(model: keras.Model, scale: int | None = None) -> float:
    """How far (in LR pixels) an output pixel can see from its position: an upper bound.

    Sums ``dilation * (k - 1) / 2`` of every convolution, divided by the upsampling done
    before it; a ``bicubic``-input model adds the 2 LR pixels of the bicubic kernel
    (``scale`` then sets its grid; default the model's own ``scale``, else 1).
    """
    bicubic = model_input_mode(model) == "bicubic"
    radius = float(BICUBIC_RADIUS) if bicubic else 0.0
    for layer, before, _ in _grid_walk(model, _start_factor(model, scale)):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            radius += (layer.kernel_size[0] - 1) / 2 / (before * layer.strides[0])
        elif isinstance(layer, keras.layers.Conv2D):
            radius += layer.dilation_rate[0] * (layer.kernel_size[0] - 1) / 2 / before
    return radius


def widest_activation(model: keras.Model, scale: int | None = None) -> float:
    """Floats per LR pixel of the model's largest convolution output (or of its input, if larger).

    A convolution with ``filters`` outputs on a grid ``factor`` times finer than LR holds
    ``filters * factor**2`` floats per LR pixel; the layers between convolutions (PReLU,
    batch norm, additions, the pixel shuffle) keep the size of their input.
    """
    start = _start_factor(model, scale)
    widest = model.inputs[0].shape[-1] * start * start
    for layer, _, after in _grid_walk(model, start):
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
            widest = max(widest, layer.filters * after * after)
    return float(widest)
