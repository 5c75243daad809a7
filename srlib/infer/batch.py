"""Batch upscaling: folders and lists of files into an output folder, as photographers need it.

``upscale_many`` expands folders (their images, not sub-folders), skips what is not an image
with a note, writes each result as ``OUT/<name>.png`` (lossless; 16-bit and alpha kept) through
one upscaler, shows a progress bar over the files, and refuses any output that is one of the
inputs. Each file is written atomically, so an interrupted batch leaves whole files only;
running it again redoes the lot.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from srlib.errors import SRLibError
from srlib.eval.protocol import check_scale
from srlib.image.io import IMAGE_SUFFIXES
from srlib.image.photo import read_photo, write_photo
from srlib.infer.files import upscale_photo
from srlib.infer.upscaler import upscaler_for

__all__ = ["BatchResult", "collect_inputs", "upscale_many"]


@dataclass
class BatchResult:
    """What a batch did: the files written (input, output) and the notes on what it skipped."""

    written: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def _skip_note(path: Path) -> str:
    return f"skipped {path}: not an image ({path.suffix or 'no suffix'})"


def collect_inputs(inputs: Sequence[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    """The image files named or inside the folders named (sorted), and a note for each thing skipped."""
    files, notes = [], []
    for item in map(Path, inputs):
        if item.is_dir():
            candidates = sorted(p for p in item.iterdir() if p.is_file() and not p.name.startswith("."))
        elif item.is_file():
            candidates = [item]
        else:
            raise SRLibError(f"input {item} does not exist — check the path")
        files += [p for p in candidates if _is_image(p)]
        notes += [_skip_note(p) for p in candidates if not _is_image(p)]
    return files, notes


def _outputs(files: list[Path], out_dir: Path) -> list[Path]:
    outputs = [out_dir / f"{path.stem}.png" for path in files]
    seen: dict[Path, Path] = {}
    sources = {path.resolve() for path in files}
    for path, output in zip(files, outputs):
        if output.resolve() in sources:
            raise SRLibError(f"{output} would overwrite an input — choose an output folder other than {path.parent}")
        if output in seen:
            raise SRLibError(f"{seen[output].name} and {path.name} would both be written to {output} — rename one")
        seen[output] = path
    return outputs


def upscale_many(
    inputs: Sequence[str | os.PathLike], out_dir: str | os.PathLike, model: Any, scale: int, *, progress: bool = True,
    **options: Any,
) -> BatchResult:  # fmt: skip
    """Upscale every image of ``inputs`` (files or folders) into the folder ``out_dir`` (created if needed)."""
    scale = check_scale(scale, what="upscale")
    files, notes = collect_inputs(inputs)
    if not files:
        raise SRLibError(f"no images among {', '.join(map(str, inputs))} — give image files or folders holding them")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SRLibError(f"output {out_dir} is a file — give a folder for several inputs")
    outputs = _outputs(files, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    up = upscaler_for(model, scale, **options)
    result = BatchResult(skipped=notes)
    pairs = list(zip(files, outputs))
    for source, target in tqdm(pairs, desc=f"x{scale}", unit="image", file=sys.stderr, disable=not progress or None):
        write_photo(target, upscale_photo(up, read_photo(source)))
        result.written.append((source, target))
    return result
