"""``upscale_file``: an image file in, its SR image file out, every path checked before any work."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from srlib.errors import SRLibError
from srlib.eval.protocol import check_scale
from srlib.image.photo import Photo, read_photo, write_photo
from srlib.infer.upscaler import Upscaler, upscaler_for

__all__ = ["upscale_file", "upscale_photo", "check_output_path"]


def _check_input_path(path: Path) -> None:
    if not path.is_file():
        raise SRLibError(f"input {path} does not exist or is not a file — check the path")
    if not os.access(path, os.R_OK):
        raise SRLibError(f"cannot read {path}: permission denied — check the file's permissions")


def check_output_path(path: Path) -> None:
    """Fail before any work if ``path`` cannot be written."""
    if path.is_dir():
        raise SRLibError(f"output {path} is a folder — give a file name such as {path / 'upscaled.png'}")
    if Image.registered_extensions().get(path.suffix.lower()) is None:
        raise SRLibError(f"output {path}: unknown image suffix '{path.suffix}' — use .png")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SRLibError(f"cannot write {path}: folder {folder} does not exist — create it first")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise SRLibError(f"cannot write {path}: permission denied — choose a writable output path")


def upscale_photo(up: Upscaler, photo: Photo) -> Photo:
    """``photo`` upscaled by ``up``: the colour through the network, the alpha beside it, the depth kept."""
    if photo.alpha is None:
        return Photo(up(photo.pixels))
    planes = photo.pixels[..., None] if photo.pixels.ndim == 2 else photo.pixels
    sr = up(np.concatenate([planes, photo.alpha[..., None]], axis=-1))
    return Photo(sr[..., :-1] if sr.shape[-1] > 2 else sr[..., 0], sr[..., -1])


def upscale_file(
    input_path: str | os.PathLike, output_path: str | os.PathLike, model: Any, scale: int, **options: Any
) -> Path:
    """Read ``input_path``, upscale it, write ``output_path`` atomically; returns the path written.

    ``options`` are :class:`~srlib.infer.upscaler.Upscaler`'s (``tile``, ``overlap``,
    ``self_ensemble``, ``progress``). The input, the scale and the output path are checked
    before the model is looked up. The photo is turned upright by its EXIF orientation, alpha
    is kept (upscaled with bicubic) and a 16-bit image stays 16-bit (:mod:`srlib.image.photo`).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    _check_input_path(input_path)
    scale = check_scale(scale, what="upscale")
    check_output_path(output_path)
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise SRLibError(f"output {output_path} is the input — give another file name; inputs are never overwritten")
    up = upscaler_for(model, scale, **options)
    return write_photo(output_path, upscale_photo(up, read_photo(input_path)))
