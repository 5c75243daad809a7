"""Look inside a convolutional SR model: its first-layer filters and its feature maps, as tiled grids.

SRCNN's paper (Dong et al., TPAMI 2016, sec. 4) shows the learned first-layer
filters as a grid of small images, and the feature maps of the first two layers; these
functions compute those grids (plain arrays) and draw them.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from srlib.errors import SRLibError

__all__ = ["first_layer_filters", "grid_figure", "layer_outputs", "tile_grid"]


def tile_grid(stack: np.ndarray, columns: int | None = None, pad: int = 1, normalise: str = "each") -> np.ndarray:
    """Tile ``(n, h, w)`` planes into one 2-D image, separated by ``pad`` pixels of NaN (drawn blank).

    ``normalise="each"`` rescales every plane to 0..1 on its own (so weak filters stay
    visible), ``"all"`` uses one range for the whole stack, ``"none"`` keeps the values.
    """
    stack = np.asarray(stack, dtype=np.float64)
    if stack.ndim != 3 or stack.shape[0] == 0:
        raise SRLibError(f"tile_grid: expected a non-empty (n, h, w) stack of planes, got shape {stack.shape}")
    if normalise not in ("each", "all", "none"):
        raise SRLibError(f"tile_grid: normalise={normalise!r} — use 'each', 'all' or 'none'")
    if normalise == "each":
        low = stack.min(axis=(1, 2), keepdims=True)
        span = stack.max(axis=(1, 2), keepdims=True) - low
        stack = (stack - low) / np.where(span > 0, span, 1.0)
    elif normalise == "all":
        span = stack.max() - stack.min()
        stack = (stack - stack.min()) / (span if span > 0 else 1.0)
    count, height, width = stack.shape
    columns = int(columns or int(np.ceil(np.sqrt(count))))
    rows = -(-count // columns)
    grid = np.full((rows * (height + pad) - pad, columns * (width + pad) - pad), np.nan)
    for index, plane in enumerate(stack):
        top, left = (index // columns) * (height + pad), (index % columns) * (width + pad)
        grid[top : top + height, left : left + width] = plane
    return grid


def first_layer_filters(model: keras.Model, layer: str | None = None) -> np.ndarray:
    """The first convolution's kernels as ``(filters, f, f)`` planes (input channels averaged).

    For a Y-channel model there is one input channel, so each plane is exactly one filter.
    """
    conv = model.get_layer(layer) if layer else next(candidate for candidate in model.layers if candidate.weights)
    kernel = np.asarray(conv.get_weights()[0])  # Keras layout (f, f, in, out)
    if kernel.ndim != 4:
        raise SRLibError(f"layer {conv.name} is not a 2-D convolution (kernel shape {kernel.shape})")
    return np.moveaxis(kernel.mean(axis=2), -1, 0)


def layer_outputs(model: keras.Model, x: np.ndarray, layers: Sequence[str]) -> dict[str, np.ndarray]:
    """Outputs of the named layers for one input ``(H, W, C)`` float image: ``{name: (channels, H', W')}``."""
    missing = [name for name in layers if name not in {layer.name for layer in model.layers}]
    if missing:
        names = ", ".join(layer.name for layer in model.layers)
        raise SRLibError(f"layer {missing[0]!r} is not in model {model.name} — its layers are {names}")
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in layers])
    outputs = probe([np.asarray(x, np.float32)[None]], training=False)  # a list, like model.inputs
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.moveaxis(keras.ops.convert_to_numpy(out)[0], -1, 0) for name, out in zip(layers, outputs)}


def grid_figure(grids: dict[str, np.ndarray], *, width: float = 4.0) -> Figure:
    """Grids from :func:`tile_grid` side by side in gray, titled by their keys, ``width`` inches each; returns the Figure."""
    if not grids:
        raise SRLibError("grid_figure: no grids given — pass {'title': tile_grid(...)}")
    ratio = max(g.shape[0] / g.shape[1] for g in grids.values())
    figure = Figure(figsize=(width * len(grids), width * ratio + 0.4), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(grids)))
    colormap = matplotlib.colormaps["gray"].with_extremes(bad="white")  # NaN padding drawn blank
    for ax, (title, grid) in zip(axes, grids.items()):
        ax.imshow(np.ma.masked_invalid(grid), cmap=colormap, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    return figure
