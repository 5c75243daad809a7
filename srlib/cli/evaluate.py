"""``srlib evaluate``: PSNR/SSIM of a model on a folder of HR images, measured as the papers do.

The protocol (Y channel of MATLAB's ``rgb2ycbcr``, ``scale`` pixels shaved, LR made
by MATLAB-bicubic downscaling; Dong et al. 2014, sec. 4) is
:func:`srlib.eval.protocol.evaluate_model`; this module reads the images, picks the
upscaler and prints the table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from srlib.cli.report import add_json_flag, finish
from srlib.data.datasets import load_images
from srlib.errors import SRLibError
from srlib.eval.protocol import bicubic_upscaler, check_scale, evaluate_model
from srlib.image.degrade import check_degradation, check_seed
from srlib.image.io import list_images, read_image
from srlib.infer.upscaler import upscaler_for

__all__ = ["register", "run"]


def _images(data: str) -> list[tuple[str, np.ndarray]]:
    """HR images from a folder, or from a registered dataset name (Set5, Set14, ...)."""
    if Path(data).exists():
        return [(path.stem, read_image(path)) for path in list_images(data)]
    return load_images(data)


def _upscaler(model: str, scale: int) -> Callable[[np.ndarray], np.ndarray]:
    if model.lower() == "bicubic":
        return bicubic_upscaler(scale)
    return upscaler_for(model, scale)


def _progress(description: str) -> Callable[[Iterable], Iterable]:
    def wrap(items: Iterable) -> Iterable:
        return tqdm(items, desc=description, file=sys.stderr, leave=False, disable=None)

    return wrap


def _cell(metric: str, value: float) -> str:
    return f"{value:8.4f}" if metric == "ssim" else f"{value:8.2f}"


def run(args: argparse.Namespace) -> int:
    """Evaluate, print one row per image and the mean; with ``--json``, one JSON object last."""
    scale = check_scale(args.scale)
    args.seed = check_seed(args.seed)
    check_degradation(args.degradation)
    metrics = [m.strip().lower() for m in args.metrics.split(",") if m.strip()]
    if not metrics:
        raise SRLibError("--metrics is empty — give a comma-separated list such as psnr,ssim")
    upscaler = _upscaler(args.model, scale)
    images = _images(args.data)
    result = evaluate_model(
        upscaler, images, scale, metrics=metrics, progress=_progress(f"{args.model} x{scale}"),
        degradation=args.degradation, seed=args.seed,
    )  # fmt: skip
    width = max(len(row["name"]) for row in result.images)
    header = " ".join(f"{m.upper():>8}" for m in metrics)
    made = "MATLAB bicubic LR" if args.degradation == "bicubic" else f"LR by the real degradation, seed {args.seed}"
    print(f"{args.model} x{scale} on {args.data} (Y channel, {scale} px shaved, {made})")
    print(f"{'image':<{width}} {header}")
    for row in result.images:
        print(f"{row['name']:<{width}} " + " ".join(_cell(m, row[m]) for m in metrics))
    print(f"{'mean':<{width}} " + " ".join(_cell(m, result.mean(m)) for m in metrics))
    return finish(args, result.as_dict())


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``evaluate --data DATA --scale S [--model M] [--metrics ...] [--json]``."""
    parser = subparsers.add_parser(
        "evaluate", help="PSNR/SSIM of a model on a folder of HR images, as the papers measure them"
    )
    parser.add_argument(
        "--model", default="bicubic", help="bicubic, a shipped model name (e.g. fsrcnn) or a weights file"
    )
    parser.add_argument("--data", required=True, help="folder of HR images, or a dataset name (Set5, Set14, ...)")
    parser.add_argument("--scale", type=int, required=True, help="upscaling factor (2, 3 or 4)")
    parser.add_argument("--metrics", default="psnr,ssim", help="comma-separated metrics (default psnr,ssim)")
    parser.add_argument(
        "--degradation", default="bicubic",
        help="how the LR images are made: bicubic (the papers') or real (blur, resize, noise, JPEG; seeded per image)",
    )  # fmt: skip
    parser.add_argument("--seed", default="0", help="with --degradation real: the seed mixed with each image's name")
    add_json_flag(parser, "the results")
    parser.set_defaults(run=run)
