"""Photos as photographers keep them: EXIF orientation applied, alpha and 16-bit depth preserved.

:func:`srlib.image.io.read_image` gives the course's uint8 pixels; :func:`read_photo` is for
``srlib upscale``, which must hand back what it was given. A JPEG taken upright with the
camera turned is stored sideways with an EXIF *Orientation* tag: the photo is turned as a
viewer shows it. A 16-bit PNG or TIFF (which Pillow reads only as 8 bits) is read with
OpenCV and comes back as ``uint16``; :func:`write_photo` writes it as a 16-bit PNG, atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from srlib.errors import SRLibError
from srlib.files import atomic_write_bytes
from srlib.image.io import _decoded, _planes, write_image

__all__ = ["Photo", "read_photo", "write_photo"]


@dataclass(frozen=True)
class Photo:
    """Pixels ``(H, W)`` or ``(H, W, 3)`` (uint8 or uint16), and the alpha plane of the same depth, or None."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None

    @property
    def bits(self) -> int:
        return 16 if self.pixels.dtype == np.uint16 else 8


def _sixteen_bit(img: Image.Image) -> bool:
    if img.format == "PNG":
        with open(img.filename, "rb") as handle:  # IHDR: the bit depth is byte 24 of the file
            header = handle.read(25)
        return len(header) == 25 and header[24] == 16
    if img.format == "TIFF":
        return 16 in tuple(np.atleast_1d(img.tag_v2.get(258, 8)))
    return False


def _read_sixteen_bit(path: Path) -> Photo:
    data = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    if data is None or data.dtype != np.uint16:
        raise SRLibError(f"cannot read {path} as a 16-bit image — convert it to an 8-bit PNG")
    if data.ndim == 2:
        return Photo(data)
    colour = data[..., 2::-1] if data.shape[2] >= 3 else data[..., 0]  # OpenCV's BGR(A) to RGB
    alpha = data[..., 3] if data.shape[2] == 4 else (data[..., 1] if data.shape[2] == 2 else None)
    return Photo(np.ascontiguousarray(colour), None if alpha is None else np.ascontiguousarray(alpha))


def read_photo(path: str | os.PathLike) -> Photo:
    """Read an image file as a :class:`Photo`: turned upright by its EXIF orientation, alpha and depth kept."""
    path = Path(path)
    with _decoded(path) as img:
        if _sixteen_bit(img):
            photo = _read_sixteen_bit(path)
        elif img.mode in ("I;16", "I;16B", "I;16L"):  # 16-bit grey Pillow reads itself
            photo = Photo(np.asarray(img, dtype=np.uint16))
        else:
            pixels, alpha = _planes(ImageOps.exif_transpose(img))
            photo = Photo(pixels, alpha)
    return photo


def write_photo(path: str | os.PathLike, photo: Photo) -> Path:
    """Write ``photo`` atomically: 8 bits through :func:`~srlib.image.io.write_image`, 16 bits as a 16-bit PNG."""
    path = Path(path)
    if photo.bits == 8:
        return write_image(path, photo.pixels, alpha=photo.alpha)
    if path.suffix.lower() != ".png":
        raise SRLibError(f"cannot write {path}: a 16-bit image is written as PNG — give a .png name")
    planes = photo.pixels[..., ::-1] if photo.pixels.ndim == 3 else photo.pixels  # RGB to OpenCV's BGR
    if photo.alpha is not None:
        planes = np.dstack([planes if planes.ndim == 3 else np.dstack([planes] * 3), photo.alpha])
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(planes))
    if not ok:
        raise SRLibError(f"cannot encode {path} as a 16-bit PNG")
    return atomic_write_bytes(path, encoded.tobytes())
