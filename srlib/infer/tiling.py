"""Cutting a large LR image into tiles so that memory stays bounded and no seam shows.

Each tile writes its part of the output and reads ``overlap`` more LR pixels on every
side; its SR is computed on its own, the margin cropped, the centre written into the
output. With ``overlap`` at least the network's receptive radius
(:func:`srlib.infer.receptive_field.receptive_radius`) every output pixel sees what it
would see untiled, so tiled and untiled results are equal up to float rounding.

The tile-size rule: a forward pass needs about 4 times its widest layer output (the
layer's input, itself, a skip connection and scratch space; measured 4.1-4.2 times on
SRResNet x4), so a tile side is the largest multiple of 16 whose padded tile keeps that
within :data:`TILE_BUDGET`, and at most :data:`MAX_TILE` (which bounds the float64 colour
planes). That gives 176 LR pixels for SRResNet x4 and 512 for FSRCNN or ESPCN.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

__all__ = ["Box", "tile_boxes", "tile_side", "upscale_tiled", "TILE_BUDGET", "MAX_TILE", "MIN_TILE"]

TILE_BUDGET = 2**30  # bytes of activations one tile's forward pass may take (the runtime itself takes ~0.6 GB more)
MAX_TILE = 512
MIN_TILE = 16
_ACTIVATION_COPIES = 4  # a forward pass holds about 4 times its widest layer output
_FLOAT_BYTES = 4


class Box(NamedTuple):
    """One tile along one axis, in LR pixels: it writes ``[start, stop)`` and reads ``[read_start, read_stop)``."""

    start: int
    stop: int
    read_start: int
    read_stop: int


def tile_boxes(length: int, tile: int, overlap: int) -> list[Box]:
    """The tiles along one axis of ``length`` LR pixels (``tile`` 0, or at least ``length``: one tile).

    Reads are clipped at the image border, where the network's own padding applies exactly
    as in an untiled run. Tiles have equal sizes up to one pixel, so no thin last tile is left over.
    """
    if tile <= 0 or tile >= length:
        return [Box(0, length, 0, length)]
    count = math.ceil(length / tile)
    bounds = [round(k * length / count) for k in range(count + 1)]
    return [
        Box(start, stop, max(0, start - overlap), min(length, stop + overlap))
        for start, stop in zip(bounds[:-1], bounds[1:])
    ]


def tile_side(widest_floats: float, overlap: int) -> int:
    """The rule's LR tile side for a network whose widest output holds ``widest_floats`` floats per LR pixel."""
    padded = math.isqrt(int(TILE_BUDGET / (_ACTIVATION_COPIES * _FLOAT_BYTES * widest_floats)))
    return int(min(MAX_TILE, max(MIN_TILE, (padded - 2 * overlap) // 16 * 16)))


def upscale_tiled(
    image: np.ndarray,
    upscale_tile: Callable[[np.ndarray], np.ndarray],
    scale: int,
    tile: int,
    overlap: int,
    progress: bool = False,
) -> np.ndarray:
    """``upscale_tile`` applied tile by tile to an ``(H, W, C)`` image, margins cropped; the ``(sH, sW, C)`` result."""
    height, width, channels = image.shape
    sr = np.empty((height * scale, width * scale, channels), image.dtype)
    tiles = [(rows, cols) for rows in tile_boxes(height, tile, overlap) for cols in tile_boxes(width, tile, overlap)]
    if progress and len(tiles) > 1:
        tiles = tqdm(tiles, desc=f"x{scale} tiles", file=sys.stderr, leave=False)
    for rows, cols in tiles:
        out = upscale_tile(image[rows.read_start : rows.read_stop, cols.read_start : cols.read_stop])
        top, left = (rows.start - rows.read_start) * scale, (cols.start - cols.read_start) * scale
        sr[rows.start * scale : rows.stop * scale, cols.start * scale : cols.stop * scale] = out[
            top : top + (rows.stop - rows.start) * scale, left : left + (cols.stop - cols.start) * scale
        ]
    return sr
