"""``srlib degrade IN OUT``: write the LR image a degradation makes from an HR image.

``--degradation real --seed S`` is Real-ESRGAN's chain (:mod:`srlib.image.degrade`) with the
seed mixed with the image's name, as ``srlib evaluate --degradation real`` makes its LR
images, so the file written here is the one that evaluation measures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from srlib.errors import SRLibError
from srlib.eval.protocol import check_scale
from srlib.image.degrade import check_degradation, check_seed, degrade, image_seed
from srlib.image.io import read_image, write_image

__all__ = ["register", "run"]


def _number(text: str) -> int | str:
    return int(text) if str(text).isdigit() else text  # check_scale words the error for anything else


def run(args: argparse.Namespace) -> int:
    """Read IN, degrade it, write OUT atomically; never over IN."""
    scale = check_scale(_number(args.scale))
    seed = check_seed(args.seed)
    check_degradation(args.degradation)
    source, target = Path(args.input), Path(args.output)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise SRLibError(f"{target} is the input image — give another output file")
    hr = read_image(source)
    lr = degrade(hr, scale, args.degradation, image_seed(source.stem, seed))
    write_image(target, lr)
    print(f"{target}: {lr.shape[1]}x{lr.shape[0]} ({args.degradation} x{scale}, seed {seed} for {source.stem!r})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``degrade IN OUT [--scale S] [--degradation NAME] [--seed S]``."""
    parser = subparsers.add_parser("degrade", help="make the LR image of an HR image (bicubic, or a real degradation)")
    parser.add_argument("input", metavar="IN", help="HR image file")
    parser.add_argument("output", metavar="OUT", help="LR image file to write (PNG keeps it lossless)")
    parser.add_argument("--scale", default="4", help="downscaling factor (default 4)")
    parser.add_argument("--degradation", default="real", help="bicubic or real (default real)")
    parser.add_argument("--seed", default="0", help="mixed with the image's name (default 0)")
    parser.set_defaults(run=run)
