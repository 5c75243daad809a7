"""``srlib upscale IN [IN ...] OUT``: image files or folders upscaled by a course model.

One input file and an output file name: :func:`srlib.infer.files.upscale_file`. Several
inputs, or a folder: :func:`srlib.infer.batch.upscale_many` writes ``OUT/<name>.png`` for each
image with a progress bar and says what it skipped. Either way the photo is turned upright by
its EXIF orientation, alpha and 16-bit depth are kept, memory stays bounded by tiling, every
file is written atomically and no input is ever overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from srlib.infer.batch import upscale_many
from srlib.infer.files import upscale_file

__all__ = ["register", "run"]


def _one_file(args: argparse.Namespace) -> bool:
    output = Path(args.output)
    return len(args.inputs) == 1 and Path(args.inputs[0]).is_file() and not output.is_dir() and bool(output.suffix)


def run(args: argparse.Namespace) -> int:
    """Upscale the inputs into the output; print each path written (and each note on what was skipped)."""
    options = {"tile": args.tile, "overlap": args.overlap, "self_ensemble": args.self_ensemble}
    if _one_file(args):
        print(upscale_file(args.inputs[0], args.output, args.model, args.scale, progress=True, **options))
        return 0
    result = upscale_many(args.inputs, args.output, args.model, args.scale, **options)
    for note in result.skipped:
        print(f"note: {note}")
    for _, written in result.written:
        print(written)
    print(f"{len(result.written)} images upscaled x{args.scale} into {args.output}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``upscale IN [IN ...] OUT [--model M] [--scale S] [--tile T] [--overlap O] [--self-ensemble]``."""
    parser = subparsers.add_parser(
        "upscale", help="upscale image files or folders with a course model (tiled, bounded memory)"
    )
    parser.add_argument("inputs", nargs="+", metavar="IN", help="image files or folders (PNG, JPEG, TIFF, ...)")
    parser.add_argument("output", metavar="OUT", help="output file for one input (.png recommended), else a folder")
    parser.add_argument("--model", default="fsrcnn", help="shipped model name or a .keras file (default fsrcnn)")
    parser.add_argument("--scale", type=int, default=3, help="upscaling factor the model was trained for (default 3)")
    parser.add_argument(
        "--tile",
        type=int,
        default=None,
        help="LR tile side in pixels (default: srlib.infer.tiling's rule); 0 = untiled",
    )
    parser.add_argument(
        "--overlap",
        type=int,
        default=None,
        help="LR pixels read around each tile (default: the model's receptive radius)",
    )
    parser.add_argument(
        "--self-ensemble", action="store_true", help="average the 8 flips/rotations (8x slower, slightly better)"
    )
    parser.set_defaults(run=run)
