"""Upscaling real photos: any size, grayscale/RGB/RGBA, tiled so memory stays bounded.

``upscale(image, model, scale)`` runs a course model on a ``uint8`` image and returns
the ``uint8`` SR image:

* Y-channel models (SRCNN, FSRCNN, ESPCN with ``channels=1``) upscale the luma Y of
  MATLAB's ``rgb2ycbcr``; Cb and Cr are upscaled with MATLAB bicubic (the papers'
  convention), then converted back to RGB. RGB models (SRResNet) take RGB.
  A grayscale image goes through a Y model as it is, and through an RGB model
  replicated to three channels (the output's channel mean is kept). An alpha
  channel is upscaled with bicubic, apart from the network.
* Models whose ``input_mode`` is ``"bicubic"`` (SRCNN) get the bicubic-upscaled
  image, the others the LR image. Networks work on ``[0, 1]``.
* The image is cut into ``tile x tile`` LR tiles, each read with ``overlap`` extra
  pixels on every side; a tile's SR is computed on its own (network *and* the
  bicubic/colour steps), its margin cropped, its centre written into a preallocated
  output. The default overlap is the network's receptive radius (bicubic needs 2
  LR pixels more), so tiled and untiled results are equal up to float rounding;
  a smaller overlap trades exactness for speed (SRResNet's radius is 40 LR pixels).
* Before running untiled, the activation memory is estimated; above the budget
  the image is tiled instead, with a one-line message, rather than running out of memory.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from srlib.errors import SRLibError

__all__ = [
    "upscale",
    "upscale_file",
    "resolve_model",
    "receptive_radius",
    "estimate_memory",
    "tile_grid",
    "bicubic_upscale",
    "DEFAULT_MEMORY_BUDGET",
]

# Activation memory allowed for one forward pass; the TensorFlow runtime itself takes ~0.5 GB more.
DEFAULT_MEMORY_BUDGET = 1536 * 2**20
_MIN_TILE = 16


# ----------------------------------------------------------------------------- the model


def resolve_model(model: Any, scale: int):
    """A Keras model from a model, a ``.keras`` path or a name known to ``srlib.models.pretrained``."""
    # Importing the architectures registers their classes for loading .keras files.
    import srlib.models.espcn  # noqa: F401
    import srlib.models.srresnet  # noqa: F401
    from srlib.models.zoo import load_model, pretrained

    if isinstance(model, (str, os.PathLike)):
        text = str(model)
        if text.endswith(".keras") or os.path.sep in text:
            return load_model(text)
        return pretrained(text, scale)
    if not hasattr(model, "inputs") or not callable(model):
        raise SRLibError(f"model {model!r} is not a Keras model — give a model, a .keras file or a pretrained name")
    return model


def receptive_radius(model, input_mode: str | None = None, scale: int | None = None) -> float:
    """How far (in LR pixels) an output pixel can see from its position: an upper bound.

    Sums ``dilation * (k - 1) / 2`` of every convolution, divided by the upsampling
    done before it (PixelShuffle, strided transposed convolution, UpSampling2D); a
    ``bicubic`` input model adds the 2 LR pixels of the bicubic kernel.
    """
    import keras

    from srlib.models.pixel_shuffle import PixelShuffle

    bicubic = (input_mode or getattr(model, "input_mode", "lr")) == "bicubic"
    factor = float(scale or getattr(model, "scale", None) or 1) if bicubic else 1.0
    radius = 2.0 if bicubic else 0.0

    def walk(layers):
        nonlocal factor, radius
        for layer in layers:
            if isinstance(layer, keras.Model):
                walk(layer.layers)
            elif isinstance(layer, keras.layers.Conv2DTranspose):
                stride = layer.strides[0]
                radius += (layer.kernel_size[0] - 1) / 2 / (factor * stride)
                factor *= stride
            elif isinstance(layer, keras.layers.Conv2D):
                radius += layer.dilation_rate[0] * (layer.kernel_size[0] - 1) / 2 / factor
                factor /= layer.strides[0]  # a strided convolution downsamples
            elif isinstance(layer, PixelShuffle):
                factor *= layer.scale
            elif isinstance(layer, keras.layers.UpSampling2D):
                factor *= layer.size[0]

    walk(model.layers)
    return radius


@dataclass(frozen=True)
class _Profile:
    """What the inference needs to know about a model, measured once on a small probe."""

    channels: int  # 1: Y (or grayscale), 3: RGB
    input_mode: str  # "lr" or "bicubic"
    scale: int | None  # None: the model keeps the size (bicubic input, any scale)
    bytes_per_pixel: float  # activation bytes per network-input pixel (largest layer output)


_PROFILES: "weakref.WeakKeyDictionary[Any, _Profile]" = weakref.WeakKeyDictionary()
_PROBE = 16


def _profile(model, input_mode: str | None) -> _Profile:
    try:
        cached = _PROFILES.get(model)
    except TypeError:
        cached = None
    if cached is not None and (input_mode is None or cached.input_mode == input_mode):
        return cached
    import keras

    channels = model.inputs[0].shape[-1]
    if channels not in (1, 3):
        raise SRLibError(f"model {model.name} takes {channels} channels — srlib upscales with 1 (Y) or 3 (RGB) models")
    mode = input_mode or getattr(model, "input_mode", "lr")
    if mode not in ("lr", "bicubic"):
        raise SRLibError(f"input_mode {mode!r} is not known — use 'lr' (LR input) or 'bicubic' (pre-upsampled input)")
    probe = np.zeros((1, _PROBE, _PROBE, channels), np.float32)
    output_shape = model(probe, training=False).shape
    try:  # every layer's output at once (functional models), to find the largest activation
        taps = [layer.output for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        largest = max(int(np.prod(o.shape)) for o in keras.Model(model.inputs[0], taps)(probe, training=False))
    except Exception:  # a subclassed model without a graph: assume 64 feature maps at the output size
        largest = int(np.prod(output_shape[1:3])) * 64
    largest = max(largest, int(np.prod(probe.shape)))
    if output_shape[1] % _PROBE or output_shape[1] != output_shape[2]:
        raise SRLibError(f"model {model.name} maps {_PROBE}x{_PROBE} to {output_shape[1]}x{output_shape[2]} — not an integer upscaling")
    measured = output_shape[1] // _PROBE
    declared = getattr(model, "scale", None)
    if mode == "bicubic":
        scale = None if measured == 1 else measured
    else:
        scale = measured
    if declared is not None and scale is not None and int(declared) != scale:
        raise SRLibError(f"model {model.name} declares scale {declared} but upscales x{scale}")
    profile = _Profile(int(channels), mode, scale, 4.0 * largest / (_PROBE * _PROBE))
    try:
        _PROFILES[model] = profile
    except TypeError:
        pass
    return profile


def estimate_memory(model, height: int, width: int, scale: int, input_mode: str | None = None) -> int:
    """Bytes one forward pass on an ``height x width`` LR image is expected to need (activations and buffers).

    Four times the largest layer output (its input, itself, a skip connection and
    the framework's scratch space; calibrated on SRResNet x4, where it is within
    ~20 % of the measured growth of resident memory), plus the float64 images of
    the colour/bicubic steps.
    """
    profile = _profile(model, input_mode)
    network_pixels = height * width * (scale * scale if profile.input_mode == "bicubic" else 1)
    activations = 4.0 * profile.bytes_per_pixel * network_pixels
    images = 8 * 16 * height * width * scale * scale  # a few float64 HR planes: YCbCr, bicubic taps, RGB
    return int(activations + images)


def _tile_for_budget(model, scale: int, overlap: int, budget: int, input_mode: str | None) -> int:
    """The largest LR tile side (a multiple of 16) whose padded tile fits in ``budget``."""
    per_pixel = estimate_memory(model, 64, 64, scale, input_mode) / (64 * 64)
    side = int(math.sqrt(budget / per_pixel)) - 2 * overlap
    return max(_MIN_TILE, side // 16 * 16)


# ----------------------------------------------------------------------------- tiling


def tile_grid(length: int, tile: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Tiles along one axis as ``(start, stop, read_start, read_stop)`` in LR pixels.

    ``[start, stop)`` is the part a tile writes; ``[read_start, read_stop)`` what it
    reads, ``overlap`` more on each side (clipped at the image border, where the
    network's own padding applies exactly as in an untiled run). Tiles have equal
    sizes up to one pixel, so no thin last tile is left over.
    """
    if tile <= 0 or tile >= length:
        return [(0, length, 0, length)]
    count = math.ceil(length / tile)
    bounds = [round(k * length / count) for k in range(count + 1)]
    return [
        (start, stop, max(0, start - overlap), min(length, stop + overlap))
        for start, stop in zip(bounds[:-1], bounds[1:])
    ]


def _tiles(height: int, width: int, tile: int, overlap: int) -> Iterator[tuple[tuple[int, int, int, int], ...]]:
    for rows in tile_grid(height, tile, overlap):
        for cols in tile_grid(width, tile, overlap):
            yield rows, cols


# ----------------------------------------------------------------------------- one tile


@functools.lru_cache(maxsize=64)
def _bicubic_matrix(length: int, scale: int):
    """MATLAB's bicubic upscaling of one axis as a sparse ``(scale*length, length)`` matrix."""
    import scipy.sparse

    from srlib.image.resize import resize_weights

    weights, indices = resize_weights(length, length * scale, float(scale))
    rows = np.repeat(np.arange(length * scale), weights.shape[1])
    # Mirrored taps at the borders repeat a column; the sparse matrix sums them, as imresize does.
    return scipy.sparse.csr_matrix((weights.ravel(), (rows, indices.ravel())), shape=(length * scale, length))


def bicubic_upscale(planes: np.ndarray, scale: int) -> np.ndarray:
    """``imresize(planes, scale)`` for float ``(h, w, c)`` planes and an integer ``scale``, faster.

    The same weights (:func:`srlib.image.resize.resize_weights`) applied as two sparse
    products instead of gathered copies: equal to ``imresize`` up to float rounding
    (~1e-12), and several times faster on large tiles.
    """
    height, width, channels = planes.shape
    rows = _bicubic_matrix(height, scale) @ planes.reshape(height, width * channels)
    rows = rows.reshape(height * scale, width, channels).transpose(1, 0, 2).reshape(width, -1)
    both = _bicubic_matrix(width, scale) @ rows
    return np.ascontiguousarray(both.reshape(width * scale, height * scale, channels).transpose(1, 0, 2))



_FORWARD: "weakref.WeakKeyDictionary[Any, Callable]" = weakref.WeakKeyDictionary()


def _traced_forward(model, channels: int) -> Callable:
    """``model(x, training=False)`` as one traced function for every tile size, kept per model."""
    import tensorflow as tf

    try:
        return _FORWARD[model]
    except (KeyError, TypeError):
        pass
    forward = tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec((1, None, None, channels), tf.float32)],
    )
    try:
        _FORWARD[model] = forward
    except TypeError:
        pass
    return forward


def _network(model, profile: _Profile, scale: int, self_ensemble: bool) -> Callable[[np.ndarray], np.ndarray]:
    """``float (h, w, C) on 0..255 -> float (sh, sw, C) on 0..255`` through the network."""
    from srlib.infer.self_ensemble import self_ensemble as ensemble

    forward = _traced_forward(model, profile.channels)

    def once(planes: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(planes[None], dtype=np.float32) / np.float32(255.0)
        return forward(x).numpy()[0].astype(np.float64) * 255.0

    def run(planes: np.ndarray) -> np.ndarray:
        if profile.input_mode == "bicubic":
            planes = bicubic_upscale(planes, scale)  # bicubic commutes with flips/rotations, so ensemble after it
        return ensemble(once, planes) if self_ensemble else once(planes)

    return run


def _tile_upscaler(profile: _Profile, network: Callable, scale: int, colour: int) -> Callable[[np.ndarray], np.ndarray]:
    """``uint8 (h, w, colour[+alpha]) -> uint8 (sh, sw, same)`` for one tile."""
    from srlib.image.color import rgb2ycbcr, ycbcr2rgb
    from srlib.image.resize import imresize

    def upscale_tile(lr: np.ndarray) -> np.ndarray:
        planes = lr[..., :colour].astype(np.float64)
        if profile.channels == 1 and colour == 3:
            ycbcr = rgb2ycbcr(planes)
            y = network(ycbcr[..., :1])
            cbcr = bicubic_upscale(ycbcr[..., 1:], scale)
            sr = ycbcr2rgb(np.concatenate([y, cbcr], axis=-1))
        elif profile.channels == colour:
            sr = network(planes)
        else:  # an RGB model on a grayscale image: replicate, then the channel mean
            sr = network(np.repeat(planes, 3, axis=-1)).mean(axis=-1, keepdims=True)
        if lr.shape[-1] > colour:  # alpha: bicubic, apart from the network
            # uint8 in: MATLAB's imresize, rounded after each dimension, as for any 8-bit image.
            sr = np.concatenate([sr, imresize(lr[..., colour:], scale).astype(np.float64)], axis=-1)
        return np.clip(np.floor(sr + 0.5), 0, 255).astype(np.uint8)

    return upscale_tile


# ----------------------------------------------------------------------------- public API


def _check_image(image: np.ndarray) -> tuple[np.ndarray, int]:
    """The image as ``(H, W, C)`` and its number of colour channels (1 or 3)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise SRLibError(f"upscale: expected a uint8 image, got {image.dtype} — convert with np.clip(x, 0, 255).astype(np.uint8)")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 2, 3, 4) or min(image.shape[:2]) == 0:
        raise SRLibError(f"upscale: expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    return image, (1 if image.shape[-1] <= 2 else 3)


def upscale(
    image: np.ndarray,
    model: Any,
    scale: int,
    *,
    tile: int | None = 128,
    overlap: int | None = None,
    self_ensemble: bool = False,
    input_mode: str | None = None,
    memory_budget: int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Upscale a ``uint8`` image ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` by ``scale`` with ``model``.

    ``model`` is a Keras model, a ``.keras`` path or a pretrained name (``"fsrcnn"``).
    Its ``input_mode`` attribute (``"lr"`` or ``"bicubic"``) says whether it expects
    the LR image or its bicubic upscaling; pass ``input_mode=`` for a plain Keras
    model without one. Its input channels say Y-only (1) or RGB (3).

    ``tile`` is the LR tile side (``0``: untiled; ``None``: untiled if it fits the
    memory budget, else the largest tile that does); ``overlap`` the LR pixels read
    around each tile and thrown away — by default the model's receptive radius
    (:func:`receptive_radius`: 4 for ESPCN, 7-8 for FSRCNN, 40 for SRResNet), which
    makes tiled and untiled results equal; a smaller overlap is faster but may show
    seams. ``self_ensemble`` averages the 8 flips and rotations (EDSR sec. 3.3),
    8x slower. Returns a ``uint8`` image ``scale`` times larger, laid out as the input.
    """
    from srlib.eval.protocol import check_scale

    scale = check_scale(scale, what="upscale")
    planes, colour = _check_image(image)
    tile = None if tile is None else int(tile)
    if (tile is not None and tile < 0) or (overlap is not None and int(overlap) < 0):
        raise SRLibError(f"upscale: tile ({tile}) and overlap ({overlap}) must not be negative — use tile=0 for no tiling")
    model = resolve_model(model, scale)
    profile = _profile(model, input_mode)
    overlap = math.ceil(receptive_radius(model, profile.input_mode, scale)) if overlap is None else int(overlap)
    if profile.scale is not None and profile.scale != scale:
        raise SRLibError(f"model {model.name} upscales x{profile.scale}, not x{scale} — use a model trained for x{scale}")

    height, width = planes.shape[:2]
    budget = int(memory_budget or _default_budget())
    if tile is None:
        fits = estimate_memory(model, height, width, scale, profile.input_mode) <= budget
        tile = 0 if fits else _tile_for_budget(model, scale, overlap, budget, profile.input_mode)
    else:
        rows = min(min(tile or height, height) + 2 * overlap, height)
        cols = min(min(tile or width, width) + 2 * overlap, width)
        needed = estimate_memory(model, rows, cols, scale, profile.input_mode)
        if needed > budget:
            smaller = _tile_for_budget(model, scale, overlap, budget, profile.input_mode)
            what = "untiled" if tile == 0 else f"with {tile} px tiles"
            print(
                f"srlib.upscale: {width}x{height} at x{scale} {what} would need ~{needed / 2**30:.1f} GiB "
                f"(budget {budget / 2**30:.1f} GiB) — using {smaller} px tiles instead"
            )
            tile = smaller

    network = _network(model, profile, scale, bool(self_ensemble))
    upscale_tile = _tile_upscaler(profile, network, scale, colour)
    sr = np.empty((height * scale, width * scale, planes.shape[-1]), np.uint8)
    tiles = list(_tiles(height, width, tile, overlap))
    if progress and len(tiles) > 1:
        from tqdm.auto import tqdm

        tiles = tqdm(tiles, desc=f"x{scale} tiles", file=sys.stderr, leave=False)
    for (y0, y1, ry0, ry1), (x0, x1, rx0, rx1) in tiles:
        out = upscale_tile(planes[ry0:ry1, rx0:rx1])
        top, left = (y0 - ry0) * scale, (x0 - rx0) * scale
        sr[y0 * scale : y1 * scale, x0 * scale : x1 * scale] = out[
            top : top + (y1 - y0) * scale, left : left + (x1 - x0) * scale
        ]
    return sr[..., 0] if np.asarray(image).ndim == 2 else sr


def _default_budget() -> int:
    """:data:`DEFAULT_MEMORY_BUDGET`, or half the available memory if that is less."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return min(DEFAULT_MEMORY_BUDGET, int(line.split()[1]) * 1024 // 2)
    except OSError:
        pass
    return DEFAULT_MEMORY_BUDGET


def _check_output_path(path: Path) -> None:
    """Fail before any work if ``path`` cannot be written."""
    from PIL import Image

    if path.is_dir():
        raise SRLibError(f"output {path} is a folder — give a file name such as {path / 'upscaled.png'}")
    if Image.registered_extensions().get(path.suffix.lower()) is None:
        raise SRLibError(f"output {path}: unknown image suffix '{path.suffix}' — use .png")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SRLibError(f"cannot write {path}: folder {folder} does not exist — create it first")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise SRLibError(f"cannot write {path}: permission denied — choose a writable output path")


def upscale_file(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    model: Any,
    scale: int,
    tile: int | None = 128,
    overlap: int | None = None,
    self_ensemble: bool = False,
    progress: bool = False,
) -> Path:
    """Read ``input_path``, upscale it (:func:`upscale`), write ``output_path`` atomically; returns the path.

    The input, the scale and the output path are checked before anything is
    computed. Alpha is kept (upscaled with bicubic); 16-bit and palette images are
    read as 8-bit RGB (see :mod:`srlib.image.io`).
    """
    from srlib.image.io import read_image_with_alpha, write_image
    from srlib.eval.protocol import check_scale

    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.is_file():
        raise SRLibError(f"input {input_path} does not exist or is not a file — check the path")
    if not os.access(input_path, os.R_OK):
        raise SRLibError(f"cannot read {input_path}: permission denied — check the file's permissions")
    scale = check_scale(scale, what="upscale")
    _check_output_path(output_path)
    model = resolve_model(model, scale)
    image, alpha = read_image_with_alpha(input_path)
    if alpha is not None:
        planes = image[..., None] if image.ndim == 2 else image
        image = np.concatenate([planes, alpha[..., None]], axis=-1)
    sr = upscale(image, model, scale, tile=tile, overlap=overlap, self_ensemble=self_ensemble, progress=progress)
    if alpha is not None:
        sr, sr_alpha = sr[..., :-1], sr[..., -1]
        return write_image(output_path, sr, alpha=sr_alpha)
    return write_image(output_path, sr)
