"""Reading and writing images, with one-line errors and atomic writes.

The course works on 8-bit images. Odd files are normalised the same way
everywhere (and said so here, once): palette images become RGB, 16-bit images
are scaled to 8 bits (``round(v / 257)``), an alpha channel is dropped by
``read_image`` (``read_image_with_alpha`` keeps it for ``srlib upscale``),
grayscale stays single-channel ``(H, W)``.

A file Pillow cannot decode (truncated, corrupt, not an image) or will not decode
(more pixels than its decompression-bomb limit, ``PIL.Image.MAX_IMAGE_PIXELS``) is a
one-line :class:`~srlib.errors.SRLibError` naming the file and what to do.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from srlib.errors import SRLibError
from srlib.files import atomic_path

__all__ = ["read_image", "read_image_with_alpha", "write_image", "IMAGE_SUFFIXES", "list_images"]

IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name; a clear error if there are none."""
    folder = Path(folder)
    if not folder.exists():
        raise SRLibError(f"data folder not found: {folder} — check the path, or use a registered dataset name")
    if not folder.is_dir():
        raise SRLibError(f"not a folder: {folder} — give a folder of images")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise SRLibError(
            f"no images in {folder} — put .png/.bmp/.jpg files there (suffixes {', '.join(IMAGE_SUFFIXES)})"
        )
    return files


# What Pillow raises for a damaged file, besides its own UnidentifiedImageError.
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, struct.error)


def _too_large(path: Path, exc: Image.DecompressionBombError) -> SRLibError:
    # Pillow says "Image size (N pixels) exceeds limit of M pixels"; M is twice MAX_IMAGE_PIXELS.
    found = re.search(r"\((\d+) pixels\) exceeds limit of (\d+) pixels", str(exc))
    pixels, limit = (int(found[1]), int(found[2])) if found else (None, 2 * (Image.MAX_IMAGE_PIXELS or 0))
    size = f"{pixels / 1e6:.0f} megapixels, " if pixels else ""
    return SRLibError(
        f"cannot read image {path}: {size}over Pillow's decompression-bomb limit of {limit / 1e6:.0f} megapixels — "
        "crop or downscale it first, or, for a file you trust, lift the limit in Python with "
        "PIL.Image.MAX_IMAGE_PIXELS = None"
    )


def _unreadable(path: Path, exc: Exception) -> SRLibError:
    """The one-line error for an image file Pillow could not open or decode."""
    if isinstance(exc, Image.DecompressionBombError):
        return _too_large(path, exc)
    if isinstance(exc, UnidentifiedImageError):
        return SRLibError(f"cannot read image {path}: not an image format Pillow knows — convert it to PNG")
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SRLibError(f"cannot read image {path}: {reason} (truncated or corrupt?) — re-download or re-export it")


def _decoded(path: Path) -> Image.Image:
    """The image at ``path``, fully decoded; close it when done (``with _decoded(path) as img``)."""
    if not path.exists():
        raise SRLibError(f"image not found: {path} — check the path")
    try:
        img = Image.open(path)
    except (Image.DecompressionBombError, UnidentifiedImageError, *_DAMAGED) as exc:
        raise _unreadable(path, exc) from None
    try:
        img.load()
    except (Image.DecompressionBombError, *_DAMAGED) as exc:
        img.close()
        raise _unreadable(path, exc) from None
    return img


def _to_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if array.dtype in (np.uint16, np.int32, np.int64, np.uint32) or array.max(initial=0) > 255:
        return np.clip(np.floor(array.astype(np.float64) / 257.0 + 0.5), 0, 255).astype(np.uint8)
    return np.clip(array, 0, 255).astype(np.uint8)


def read_image_with_alpha(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Read an image as uint8 ``(H, W)`` or ``(H, W, 3)`` plus its alpha ``(H, W)`` or None."""
    path = Path(path)
    with _decoded(path) as img:
        array, alpha = _planes(img)
    if array.ndim not in (2, 3) or min(array.shape[:2]) == 0:
        raise SRLibError(f"cannot use image {path}: unexpected shape {array.shape} — give a 2-D RGB or grayscale image")
    return array, alpha


def _planes(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """A decoded image as uint8 ``(H, W)`` or ``(H, W, 3)`` and its alpha plane or None (see the module docstring)."""
    mode = img.mode
    alpha = None
    if mode == "P":
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA"):
        alpha = np.asarray(img.getchannel("A"))
        img = img.convert("RGB" if mode == "RGBA" else "L")
    elif mode in ("CMYK", "YCbCr", "HSV", "LAB", "RGBX"):
        img = img.convert("RGB")
    elif mode == "1":
        img = img.convert("L")
    array = np.asarray(img)
    if array.ndim == 3 and array.shape[-1] > 3:
        array = array[..., :3]
    return np.ascontiguousarray(_to_uint8(array)), alpha


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as uint8: ``(H, W, 3)`` for colour, ``(H, W)`` for grayscale."""
    return read_image_with_alpha(path)[0]


def write_image(path: str | os.PathLike, image: np.ndarray, alpha: np.ndarray | None = None) -> Path:
    """Write a uint8 image atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SRLibError(f"cannot write {path}: folder {folder} does not exist — create it first")
    if not os.access(folder, os.W_OK):
        raise SRLibError(f"cannot write {path}: folder {folder} is not writable — choose another output path")
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.clip(np.floor(array.astype(np.float64) + 0.5), 0, 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if alpha is not None:
        channels = array[..., None] if array.ndim == 2 else array
        array = np.concatenate([channels, np.asarray(alpha, dtype=np.uint8)[..., None]], axis=-1)  # LA or RGBA
    img = Image.fromarray(array)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise SRLibError(f"cannot write {path}: unknown image suffix '{path.suffix}' — use .png")
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        img.save(handle, format=fmt)
    return path
