"""What the comparison shows, computed without any widget or plot.

``srlib.compare`` (the live widget) and ``srlib.viz.figures.comparison_figure``
(the static picture left in headless runs) both draw from these functions, so
the numbers and crops a learner sees are the same either way, and every piece
is tested without a browser.

Conventions: images are normalised to uint8 (``(H, W)`` gray or ``(H, W, 3)``
RGB); scores are PSNR/SSIM on Y of MATLAB's ``rgb2ycbcr`` with ``scale`` pixels
shaved (SRCNN TPAMI 2016, sec. 4), measured on the 8-bit images as shown.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from PIL import Image

from srlib.errors import SRLibError
from srlib.image.color import rgb2y
from srlib.image.crop import modcrop
from srlib.image.io import read_image
from srlib.metrics.psnr import psnr_y
from srlib.metrics.ssim import ssim_y

__all__ = [
    "normalise_image",
    "normalise_images",
    "pick_names",
    "zoom_box",
    "zoom_crop",
    "crop_factor",
    "enlarge_nearest",
    "error_map",
    "error_scale",
    "heat_map",
    "score_images",
    "score_label",
    "swipe_image",
    "draw_overview",
    "to_rgb",
    "png_bytes",
    "shrink_to_fit",
    "comparison_for_upload",
]

# A float image whose largest value is at most this is read as 0..1 (a model's output may
# overshoot 1 a little); anything brighter is read as 0..255.
FLOAT_UNIT_RANGE_MAX = 1.5
CROP_TARGET_PIXELS = 192  # zoomed crops are enlarged to about this many screen pixels
SPLIT_COLOUR = (255, 221, 0)  # yellow divider of the swipe view
BOX_COLOUR = (0, 229, 255)  # cyan zoom box: visible on photos and on the heat map alike
HEAT_COLORMAP = "magma"  # perceptually uniform, black at zero error
PNG_COMPRESS_LEVEL = 1  # fast: these PNGs are redrawn as sliders move


def normalise_image(image, name: str = "image") -> np.ndarray:
    """One image as uint8 ``(H, W)`` or ``(H, W, 3)``; float 0..1 or 0..255 is rounded.

    A leading batch axis of one (a model's output) and an alpha channel are dropped.
    """
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 3 and array.shape[-1] == 4:
        array = array[..., :3]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3) or 0 in array.shape:
        raise SRLibError(f"image '{name}' has shape {array.shape} — give an (H, W, 3) RGB or (H, W) grayscale image")
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)):
            raise SRLibError(f"image '{name}' contains NaN or infinity — check the model output")
        if array.max() <= FLOAT_UNIT_RANGE_MAX:
            array = array * 255.0
        return np.clip(np.floor(array.astype(np.float64) + 0.5), 0, 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer) and array.dtype != np.bool_:
        if array.min() < 0 or array.max() > 255:
            raise SRLibError(f"image '{name}' ({array.dtype}) has values outside 0..255 — convert it to 8 bits first")
        return array.astype(np.uint8)
    raise SRLibError(f"image '{name}' has dtype {array.dtype} — give uint8, or float on 0..1 or 0..255")


def normalise_images(images) -> dict[str, np.ndarray]:
    """Check a ``{name: image}`` dict and normalise every image (same size, same channels)."""
    if not isinstance(images, Mapping):
        raise SRLibError(
            f"images must be a dict of name -> image, got {type(images).__name__} — e.g. {{'Bicubic': sr, 'HR': hr}}"
        )
    if not images:
        raise SRLibError("images is empty — pass a dict such as {'Bicubic': sr, 'HR': hr}")
    out = {}
    for name, image in images.items():
        if not isinstance(name, str):
            raise SRLibError(f"image names must be strings, got {name!r} — use labels such as 'Bicubic'")
        out[name] = normalise_image(image, name)
    first = next(iter(out))
    size = out[first].shape[:2]
    others = [n for n in out if out[n].shape[:2] != size]
    if others:
        listed = ", ".join(f"'{n}' is {out[n].shape[0]}x{out[n].shape[1]}" for n in others)
        raise SRLibError(
            f"images differ in size: '{first}' is {size[0]}x{size[1]}, {listed} (HxW)"
            " — make them one size (e.g. modcrop(hr, scale) before making lr)"
        )
    gray = [n for n in out if out[n].ndim == 2]
    if gray and len(gray) != len(out):
        raise SRLibError(
            f"images mix grayscale ({', '.join(repr(n) for n in gray)}) and RGB — give all RGB or all grayscale"
        )
    return out


def pick_names(
    names, hr: str | None = "HR", left: str | None = None, right: str | None = None
) -> tuple[str | None, str, str]:
    """Check ``hr``/``left``/``right`` against the image names and fill in defaults.

    By default the swipe puts the first non-reference image (usually the baseline) on
    the left and the last one (usually the model) on the right, or HR if there is one.
    """
    names = list(names)
    for option, value in (("hr", hr), ("left", left), ("right", right)):
        if value is not None and value not in names:
            hint = ", or hr=None to compare without a reference" if option == "hr" else ""
            raise SRLibError(
                f"{option}={value!r} is not one of the images ({', '.join(map(repr, names))}) — pass one of those{hint}"
            )
    others = [n for n in names if n != hr] or names
    if left is None:
        left = others[0]
    if right is None:
        rest = [n for n in others if n != left]
        right = rest[-1] if rest else (hr if hr is not None and hr != left else left)
    return hr, left, right


def zoom_box(shape, zoom=None) -> tuple[int, int, int]:
    """``(top, left, size)`` of the zoom square centred on ``zoom = (cy, cx, size)``.

    The square is kept inside the image (a centre near a border slides it inwards);
    ``zoom=None`` picks the centre and a quarter of the shorter side.
    """
    height, width = int(shape[0]), int(shape[1])
    if zoom is None:
        zoom = (height // 2, width // 2, max(min(16, height, width), min(height, width) // 4))
    try:
        cy, cx, size = (int(v) for v in zoom)
    except (TypeError, ValueError):
        raise SRLibError(f"zoom={zoom!r} — give (cy, cx, size) in HR pixels, e.g. (120, 200, 48)") from None
    if size < 1:
        raise SRLibError(f"zoom size {size} — give a positive size in pixels")
    size = min(size, height, width)
    top = min(max(cy - size // 2, 0), height - size)
    left = min(max(cx - size // 2, 0), width - size)
    return top, left, size


def zoom_crop(image: np.ndarray, box: tuple[int, int, int]) -> np.ndarray:
    """The pixels inside a :func:`zoom_box`."""
    top, left, size = box
    return image[top : top + size, left : left + size]


def crop_factor(size: int, target: int = CROP_TARGET_PIXELS) -> int:
    """Whole-number enlargement that brings a ``size``-pixel crop near ``target`` pixels."""
    return max(1, target // max(1, int(size)))


def enlarge_nearest(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: each pixel becomes a ``factor`` x ``factor`` block."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def error_map(sr: np.ndarray, hr: np.ndarray) -> np.ndarray:
    """``|Y(sr) - Y(hr)|`` on MATLAB's Y (0..255 scale), float64 ``(H, W)``."""
    return np.abs(rgb2y(sr) - rgb2y(hr))


def error_scale(images: Mapping[str, np.ndarray], hr: str) -> float:
    """One colour scale for every error map (99.5th percentile of the largest), so panels compare."""
    tops = [np.percentile(error_map(img, images[hr]), 99.5) for name, img in images.items() if name != hr]
    return float(max([1.0, *tops]))


def heat_map(error: np.ndarray, vmax: float) -> np.ndarray:
    """An error map coloured with matplotlib's magma colormap, as uint8 RGB (0 is black)."""
    table = (colormaps[HEAT_COLORMAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255.0 + 0.5).astype(np.uint8)
    index = np.clip(error / max(vmax, 1e-12) * 255.0 + 0.5, 0, 255).astype(np.intp)
    return table[index]


def score_images(images: Mapping[str, np.ndarray], hr: str, scale: int | None = None) -> dict[str, tuple[float, float]]:
    """``{name: (psnr_y, ssim_y)}`` against ``images[hr]``, shaving ``scale`` pixels (0 if None).

    SSIM is NaN when the shaved image is smaller than its 11x11 window.
    """
    border = int(scale) if scale else 0
    scores = {}
    for name, image in images.items():
        if name == hr:
            continue
        try:
            psnr = psnr_y(image, images[hr], border)
        except ValueError as exc:
            raise SRLibError(f"cannot score '{name}' with scale={scale}: {exc} — use a smaller scale") from None
        try:
            ssim = ssim_y(image, images[hr], border)
        except ValueError:
            ssim = float("nan")
        scores[name] = (psnr, ssim)
    return scores


def score_label(psnr: float, ssim: float) -> str:
    """``'PSNR 30.39 dB · SSIM 0.8682'`` (identical images give an infinite PSNR)."""
    psnr_text = "∞" if math.isinf(psnr) else f"{psnr:.2f}"
    ssim_text = "n/a" if math.isnan(ssim) else f"{ssim:.4f}"
    return f"PSNR {psnr_text} dB · SSIM {ssim_text}"


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Display copy: grayscale repeated into three channels, RGB as it is."""
    return np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image


def swipe_image(left: np.ndarray, right: np.ndarray, split: int) -> np.ndarray:
    """Columns ``[0, split)`` from ``left``, the rest from ``right`` (both the same shape)."""
    split = int(np.clip(split, 0, left.shape[1]))
    out = np.array(right, copy=True)
    out[:, :split] = left[:, :split]
    return out


def draw_overview(image: np.ndarray, split: int | None, box: tuple[int, int, int] | None) -> np.ndarray:
    """An RGB copy with the swipe divider (one column at ``split``) and the zoom box outlined."""
    out = np.array(to_rgb(image), copy=True)
    height, width = out.shape[:2]
    if box is not None:
        top, left, size = box
        bottom, right = top + size - 1, left + size - 1
        out[top, left : right + 1] = BOX_COLOUR
        out[bottom, left : right + 1] = BOX_COLOUR
        out[top : bottom + 1, left] = BOX_COLOUR
        out[top : bottom + 1, right] = BOX_COLOUR
    if split is not None and 0 < split < width:
        out[:, split] = SPLIT_COLOUR
    return out


def png_bytes(image: np.ndarray) -> bytes:
    """PNG file bytes of a uint8 image (fast compression: these are redrawn as sliders move)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def shrink_to_fit(image: np.ndarray, max_side: int) -> np.ndarray:
    """Average ``k`` x ``k`` blocks, for the smallest whole ``k`` that fits ``max_side``.

    Block averaging is exact antialiasing for whole factors and fast on a 12-megapixel
    phone photo, where the MATLAB bicubic resize would take seconds.
    """
    height, width = image.shape[:2]
    k = max(1, math.ceil(max(height, width) / max_side))
    if k == 1:
        return image
    height, width = height - height % k, width - width % k
    blocks = image[:height, :width].astype(np.float64)
    blocks = blocks.reshape(height // k, k, width // k, k, *image.shape[2:]).mean(axis=(1, 3))
    return np.clip(np.floor(blocks + 0.5), 0, 255).astype(np.uint8)


def comparison_for_upload(
    data: bytes,
    make_images: Callable[[np.ndarray], Mapping[str, np.ndarray]],
    *,
    name: str = "upload.png",
    max_side: int | None = 512,
    scale: int | None = None,
) -> dict[str, np.ndarray]:
    """Turn an uploaded file's bytes into the comparison dict ``make_images(hr)`` returns.

    The file is read like any course image (``read_image``: palette, 16-bit and alpha
    handled the same way), shrunk so its longer side is at most ``max_side`` (CPU
    friendly), and cropped to a multiple of ``scale`` so LR and SR sizes match HR.
    """
    data = bytes(data)
    if not data:
        raise SRLibError(f"uploaded file '{name}' is empty — choose an image file (PNG, JPEG, BMP)")
    safe_name = Path(str(name)).name or "upload.png"
    with tempfile.TemporaryDirectory(prefix="srlib-upload-") as folder:
        path = Path(folder) / safe_name
        path.write_bytes(data)
        try:
            hr = read_image(path)
        except SRLibError as exc:
            raise SRLibError(str(exc).replace(str(path), f"'{safe_name}'")) from None
    if max_side:
        hr = shrink_to_fit(hr, int(max_side))
    if scale:
        hr = modcrop(hr, int(scale))
    if min(hr.shape[:2]) < 8:
        raise SRLibError(f"uploaded image '{safe_name}' is only {hr.shape[0]}x{hr.shape[1]} — use a larger picture")
    return normalise_images(make_images(hr))
