"""Checksums: of decoded pixels (format-independent) and of files (archives).

A dataset travels as BMP from one mirror and as PNG from another, and re-saving a
PNG changes its bytes but not its pixels. So the registry records the sha256 of
what an image *decodes to*: the text ``"<dtype> <shape>\\n"`` followed by the
C-ordered uint8 pixel bytes, as :func:`srlib.image.io.read_image` returns them
(``(H, W, 3)`` for colour, ``(H, W)`` for grayscale). The shape is part of the
hash, so a grayscale image stored as three equal RGB channels does not verify
as the grayscale original — that difference changes the Y channel the papers
evaluate on.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = ["pixel_checksum", "file_checksum", "short"]


def pixel_checksum(image: np.ndarray) -> str:
    """sha256 (hex) of an 8-bit image's shape, dtype and pixel bytes."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"pixel_checksum: expected a uint8 image as read_image returns it, got {array.dtype}")
    header = f"{array.dtype.name} {'x'.join(str(n) for n in array.shape)}\n".encode("ascii")
    digest = hashlib.sha256(header)
    digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def file_checksum(path: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 1 << 20) -> str:
    """Hex digest of a file's bytes (``sha256`` or ``md5``), read in chunks."""
    digest = hashlib.new(algorithm)
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def short(digest: str | None) -> str:
    """First 12 hex digits, enough to tell two checksums apart in an error message."""
    return "none" if not digest else digest[:12]
