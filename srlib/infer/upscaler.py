"""The one upscaler of the course: a ``uint8`` LR image in, its ``uint8`` SR image out.

``upscaler_for(model, scale)`` makes it once (the model resolved and checked, its forward
pass traced); calling it upscales an image of any size, grayscale, RGB or RGBA, tile by
tile (:mod:`srlib.infer.tiling`), with the colour handling of :mod:`srlib.infer.planes`.
The evaluation protocol, the trainers' validation, the notebooks and ``srlib upscale``
all use it. ``upscale(image, model, scale)`` is the one-off call.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from srlib.errors import SRLibError
from srlib.eval.protocol import check_scale
from srlib.infer.planes import plane_upscaler
from srlib.infer.receptive_field import BICUBIC_RADIUS, receptive_radius, widest_activation
from srlib.infer.resolve import check_model_scale, resolve_model
from srlib.infer.tiling import tile_side, upscale_tiled

__all__ = ["Upscaler", "upscaler_for", "upscale"]


def _check_image(image: np.ndarray) -> np.ndarray:
    """The image as ``(H, W, C)`` uint8 (or uint16), C = 1 or 3 colour channels plus an optional alpha."""
    image = np.asarray(image)
    if image.dtype not in (np.uint8, np.uint16):
        raise SRLibError(
            f"upscale: expected a uint8 image, got {image.dtype} — convert with np.clip(x, 0, 255).astype(np.uint8)"
        )
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 2, 3, 4) or min(image.shape[:2]) == 0:
        raise SRLibError(f"upscale: expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    return image


class Upscaler:
    """``uint8 LR image -> uint8 SR image`` (``scale`` times larger, laid out as the input) for one model.

    ``tile`` is the LR tile side: ``None`` follows the tile-size rule of
    :mod:`srlib.infer.tiling` (an image that fits one tile runs untiled), ``0`` never
    tiles. ``overlap`` is the LR pixels read around each tile and thrown away; by default
    the model's receptive radius (4 for ESPCN, 7-8 for FSRCNN, 40 for SRResNet; at least
    the 2 of the bicubic colour planes), which makes tiled and untiled results equal; a
    smaller overlap is faster but shows seams. ``self_ensemble`` averages the 8 flips and
    rotations (Timofte et al. 2016, sec. 2.1; EDSR sec. 3.3), 8x slower.
    """

    def __init__(
        self,
        model: keras.Model,
        scale: int,
        *,
        tile: int | None = None,
        overlap: int | None = None,
        self_ensemble: bool = False,
        progress: bool = False,
    ) -> None:
        if (tile is not None and int(tile) < 0) or (overlap is not None and int(overlap) < 0):
            raise SRLibError(
                f"upscale: tile ({tile}) and overlap ({overlap}) must not be negative — use tile=0 for no tiling"
            )
        check_model_scale(model, scale)
        self.model, self.scale, self.progress = model, scale, bool(progress)
        radius = max(math.ceil(receptive_radius(model, scale)), BICUBIC_RADIUS)
        self.overlap = radius if overlap is None else int(overlap)
        self.tile = tile_side(widest_activation(model, scale), self.overlap) if tile is None else int(tile)
        self._upscale_tile = plane_upscaler(model, scale, bool(self_ensemble))

    def __call__(self, lr: np.ndarray) -> np.ndarray:
        image = _check_image(lr)
        sr = upscale_tiled(image, self._upscale_tile, self.scale, self.tile, self.overlap, self.progress)
        return sr[..., 0] if np.ndim(lr) == 2 else sr


def upscaler_for(model_or_name: Any, scale: int, **options: Any) -> Upscaler:
    """An :class:`Upscaler` running ``model_or_name`` (a Keras model, a ``.keras`` path or a shipped name) at ``scale``.

    ``options`` are :class:`Upscaler`'s: ``tile``, ``overlap``, ``self_ensemble``, ``progress``.
    """
    scale = check_scale(scale, what="upscale")
    return Upscaler(resolve_model(model_or_name, scale), scale, **options)


def upscale(image: np.ndarray, model: Any, scale: int, **options: Any) -> np.ndarray:
    """Upscale a ``uint8`` image ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` by ``scale`` with ``model``.

    ``model`` is a Keras model, a ``.keras`` path or a shipped name (``"fsrcnn"``);
    ``options`` are :class:`Upscaler`'s (``tile``, ``overlap``, ``self_ensemble``,
    ``progress``). To upscale many images, make the upscaler once with
    :func:`upscaler_for`: each one traces the network once.
    """
    return upscaler_for(model, scale, **options)(image)
