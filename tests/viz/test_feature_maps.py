"""The feature-map helpers: planes tiled into one grid, first-layer filters and layer outputs of a real SRCNN."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.errors import SRLibError
from srlib.models import SRCNN
from srlib.viz.feature_maps import first_layer_filters, grid_figure, layer_outputs, tile_grid


def test_tile_grid_layout_and_normalisation():
    stack = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    grid = tile_grid(stack, columns=2, pad=1)
    assert grid.shape == (3 * 2 + 2, 2 * 3 + 1)
    np.testing.assert_allclose(grid[0:2, 0:3], (stack[0] - stack[0].min()) / np.ptp(stack[0]))
    assert np.isnan(grid[2, :]).all() and np.isnan(grid[:, 3]).all()  # padding
    assert np.isnan(grid[6:8, 4:7]).all()  # the sixth cell is empty
    np.testing.assert_allclose(tile_grid(stack, columns=5, pad=0, normalise="none")[:, 3:6], stack[1])
    flat = tile_grid(np.ones((2, 3, 3)), normalise="each")  # constant planes do not divide by zero
    assert np.nanmax(flat) == 0.0
    with pytest.raises(SRLibError, match="normalise"):
        tile_grid(stack, normalise="bad")
    with pytest.raises(SRLibError, match="stack"):
        tile_grid(np.zeros((3, 3)))


def test_filters_and_layer_outputs_of_srcnn():
    model = SRCNN.preset("9-1-5")
    filters = first_layer_filters(model)
    assert filters.shape == (64, 9, 9)
    np.testing.assert_array_equal(filters[7], model.get_layer("patch_extraction").get_weights()[0][:, :, 0, 7])
    x = np.random.default_rng(0).random((20, 24, 1))
    maps = layer_outputs(model, x, ["patch_extraction", "nonlinear_mapping"])
    assert maps["patch_extraction"].shape == (64, 20, 24) and maps["nonlinear_mapping"].shape == (32, 20, 24)
    assert maps["patch_extraction"].min() >= 0  # after the ReLU
    weights, bias = model.get_layer("patch_extraction").get_weights()
    centre = float(np.sum(np.pad(x[..., 0], 4)[6:15, 6:15] * weights[:, :, 0, 3]) + bias[3])
    assert maps["patch_extraction"][3, 6, 6] == pytest.approx(max(centre, 0.0), abs=1e-5)
    with pytest.raises(SRLibError, match="not in model"):
        layer_outputs(model, x, ["deconvolution"])
    figure = grid_figure({"filters": tile_grid(filters, columns=8)})
    assert len(figure.axes) == 1
