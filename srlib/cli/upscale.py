"""``srlib upscale INPUT OUTPUT``: an image file upscaled by a course model, tiled so memory stays bounded.

The work is :func:`srlib.infer.files.upscale_file`; this module only parses and prints
the path written.
"""

from __future__ import annotations

import argparse

from srlib.infer.files import upscale_file

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    """Upscale ``args.input`` into ``args.output`` and print the output path."""
    written = upscale_file(
        args.input,
        args.output,
        args.model,
        args.scale,
        tile=args.tile,
        overlap=args.overlap,
        self_ensemble=args.self_ensemble,
        progress=True,
    )
    print(written)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``upscale INPUT OUTPUT [--model M] [--scale S] [--tile T] [--overlap O] [--self-ensemble]``."""
    parser = subparsers.add_parser("upscale", help="upscale an image file with a course model (tiled, bounded memory)")
    parser.add_argument("input", help="image file to upscale (PNG, JPEG, ...; grayscale, RGB or RGBA)")
    parser.add_argument("output", help="where to write the result (.png recommended)")
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
