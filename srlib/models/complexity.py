"""How big and how costly a convolutional SR model is: parameters and multiply-adds per pixel.

FSRCNN (Dong, Loy, Tang, ECCV 2016, sec. 3.3) compares networks by their weights and
by the multiplications one output needs: a ``k x k`` convolution from ``c_in`` to
``c_out`` channels costs ``k*k*c_in*c_out`` multiply-adds (MACs) *at every position
of the grid it runs on*. Where a layer runs therefore matters as much as its size:
SRCNN's layers run on the HR grid, FSRCNN's on the LR grid, ``scale**2`` times
fewer positions. A transposed convolution of stride ``s`` costs ``k*k*c_in*c_out``
per *input* position (each input pixel spreads a ``k x k`` kernel over the output).

:func:`layer_costs` walks a model's layers in order and keeps track of the grid
each one runs on (its area relative to the model's input), so costs can be given
per input pixel, per output pixel or for a whole image. FLOPs are counted as
2 per MAC (one multiply, one add), the common convention; biases and activations
are left out, as in the paper's count.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

__all__ = [
    "LayerCost",
    "layer_costs",
    "parameter_count",
    "macs_per_input_pixel",
    "flops_per_output_pixel",
    "flops_per_image",
    "output_area",
]


@dataclass(frozen=True)
class LayerCost:
    """One layer's weights and work. ``area`` is its grid's size relative to the model input's."""

    name: str
    kind: str  # "conv", "deconv", "pixel_shuffle", "prelu", "other"
    kernel: int  # spatial kernel side (0 when not a convolution)
    in_channels: int
    out_channels: int
    params: int  # every weight of the layer, biases and PReLU slopes included
    macs_per_position: int  # multiply-adds per position of the grid the layer runs on
    area: float  # that grid's area / the model input's area (1 for LR-space layers of FSRCNN)

    @property
    def macs_per_input_pixel(self) -> float:
        return self.macs_per_position * self.area


def _channels(shape) -> int:
    return int(shape[-1])


def layer_costs(model) -> list[LayerCost]:
    """Weights and multiply-adds of every layer of a Keras model whose layers form a chain.

    Handles ``Conv2D`` and ``Conv2DTranspose`` (any stride, 'same' padding) and
    layers with an integer ``scale`` that rearrange depth into space (``PixelShuffle``);
    any other layer (PReLU, additions, normalisation) is listed with its weights and no MACs.
    """
    area = 1.0
    costs = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        params = int(layer.count_params()) if layer.built else 0
        if isinstance(layer, keras.layers.Conv2DTranspose):
            kh, kw = layer.kernel_size
            sh, sw = layer.strides
            c_in, c_out = _channels(layer.input.shape), int(layer.filters)
            # Computed per input position; the output grid is stride**2 times larger.
            costs.append(LayerCost(layer.name, "deconv", kh, c_in, c_out, params, kh * kw * c_in * c_out, area))
            area *= sh * sw
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            sh, sw = layer.strides
            c_in, c_out = _channels(layer.input.shape), int(layer.filters)
            area /= sh * sw  # a strided convolution runs on the smaller output grid
            costs.append(LayerCost(layer.name, "conv", kh, c_in, c_out, params, kh * kw * c_in * c_out, area))
        elif isinstance(getattr(layer, "scale", None), int) and type(layer).__name__ == "PixelShuffle":
            area *= layer.scale**2
            costs.append(
                LayerCost(
                    layer.name,
                    "pixel_shuffle",
                    0,
                    _channels(layer.input.shape),
                    _channels(layer.output.shape),
                    params,
                    0,
                    area,
                )
            )
        else:
            kind = "prelu" if isinstance(layer, keras.layers.PReLU) else "other"
            channels = _channels(layer.output.shape) if hasattr(layer, "output") else 0
            costs.append(LayerCost(layer.name, kind, 0, channels, channels, params, 0, area))
    return costs


def output_area(model) -> float:
    """The model output's area relative to its input's (``scale**2`` for an LR-input SR model, 1 for SRCNN)."""
    area = 1.0
    for cost in layer_costs(model):
        if cost.kind == "deconv":
            sh, sw = model.get_layer(cost.name).strides
            area = cost.area * sh * sw
        elif cost.kind in ("conv", "pixel_shuffle"):
            area = cost.area
    return area


def parameter_count(model, *, weights_only: bool = False) -> int:
    """All parameters (as ``model.count_params()``), or with ``weights_only`` the convolution kernels alone.

    ``weights_only=True`` leaves out biases and PReLU slopes, as the FSRCNN paper's
    count does (FSRCNN(56, 12, 4): 12,464).
    """
    if not weights_only:
        return int(sum(cost.params for cost in layer_costs(model)))
    return int(
        sum(
            cost.kernel**2 * cost.in_channels * cost.out_channels
            for cost in layer_costs(model)
            if cost.kind in ("conv", "deconv")
        )
    )


def macs_per_input_pixel(model) -> float:
    """Multiply-adds per pixel of the model's input (an LR pixel for FSRCNN, an HR pixel for SRCNN)."""
    return float(sum(cost.macs_per_input_pixel for cost in layer_costs(model)))


def flops_per_output_pixel(model) -> float:
    """FLOPs (2 per multiply-add) per pixel of the model's output, e.g. per HR pixel of an SR model."""
    return 2.0 * macs_per_input_pixel(model) / output_area(model)


def flops_per_image(model, height: int, width: int) -> float:
    """FLOPs to run the model on a ``height x width`` input (ignoring the cheaper border of 'same' padding)."""
    return 2.0 * macs_per_input_pixel(model) * int(height) * int(width)
