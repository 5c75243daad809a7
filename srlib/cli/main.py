"""The ``srlib`` command line: thin wrappers around library functions.

Every bad-input error is an :class:`~srlib.errors.SRLibError`, printed as one
line ``srlib: error: ...`` with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

from srlib.errors import SRLibError

__all__ = ["main", "build_parser"]


def _load_eval_images(data: str) -> list:
    """HR images from a folder, or from a registered dataset name when the data layer knows it."""
    from srlib.image.io import list_images, read_image

    if Path(data).exists():
        return [(p.stem, read_image(p)) for p in list_images(data)]
    try:
        from srlib.data import load_images
    except ImportError:  # pragma: no cover - the data layer ships with srlib
        raise SRLibError(f"--data {data}: no such folder — give a folder of HR images") from None
    return load_images(data)


def _upscaler(model: str, scale: int) -> Callable:
    from srlib.eval.protocol import bicubic_upscaler, check_scale

    if model.lower() == "bicubic":
        return bicubic_upscaler(check_scale(scale))
    from srlib.models.zoo import upscaler_for

    return upscaler_for(model, scale)


def _progress(total_desc: str):
    from tqdm.auto import tqdm

    def wrap(items):
        return tqdm(items, desc=total_desc, file=sys.stderr, leave=False, disable=None)

    return wrap


def cmd_evaluate(args: argparse.Namespace) -> int:
    from srlib.eval.protocol import check_scale, evaluate_model

    scale = check_scale(args.scale)
    metrics = [m.strip().lower() for m in args.metrics.split(",") if m.strip()]
    if not metrics:
        raise SRLibError("--metrics is empty — give a comma-separated list such as psnr,ssim")
    upscaler = _upscaler(args.model, scale)
    images = _load_eval_images(args.data)
    result = evaluate_model(upscaler, images, scale, metrics=metrics, progress=_progress(f"{args.model} x{scale}"))
    name_width = max(len(row["name"]) for row in result.images)
    header = " ".join(f"{m.upper():>8}" for m in metrics)
    print(f"{args.model} x{scale} on {args.data} (Y channel, {scale} px shaved, MATLAB bicubic LR)")
    print(f"{'image':<{name_width}} {header}")
    for row in result.images:
        print(f"{row['name']:<{name_width}} " + " ".join(_fmt(m, row[m]) for m in metrics))
    print(f"{'mean':<{name_width}} " + " ".join(_fmt(m, result.mean(m)) for m in metrics))
    if args.json:
        print(json.dumps(result.as_dict()))
    return 0


def cmd_upscale(args: argparse.Namespace) -> int:
    from srlib.infer.upscaler import upscale_file

    out = upscale_file(
        args.input,
        args.output,
        args.model,
        args.scale,
        tile=args.tile,
        overlap=args.overlap,
        self_ensemble=args.self_ensemble,
        progress=True,
    )
    print(out)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.upscale is not None:
        from srlib.bench.upscale import parse_model_list, run_upscale_bench, upscale_bench_report

        models = parse_model_list(args.upscale)
        result = run_upscale_bench(models, size=args.size, tile=args.tile, repeats=args.repeats)
        print(upscale_bench_report(result))
    else:
        from srlib.bench.train_step import bench_report, run_bench
        from srlib.train.precision import bfloat16_warning

        warning = bfloat16_warning(args.precision)
        if warning:
            print(warning, file=sys.stderr)
        result = run_bench(
            args.model,
            args.scale,
            batch_size=args.batch_size,
            steps=args.steps,
            precision=args.precision,
            lr_patch=args.lr_patch,
        )
        print(bench_report(result))
    if args.json:
        print(json.dumps(result))
    return 0


def cmd_niqe_official(args: argparse.Namespace) -> int:
    from srlib.data.niqe_official import OFFICIAL_NIQE_URL, official_niqe_pristine

    print(official_niqe_pristine(args.url or OFFICIAL_NIQE_URL, force=args.force, progress=not args.quiet))
    return 0


def _fmt(metric: str, value: float) -> str:
    return f"{value:8.4f}" if metric == "ssim" else f"{value:8.2f}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="srlib", description="Tools of the super-resolution course.")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="PSNR/SSIM of a model on a folder of HR images, as the papers measure them")
    ev.add_argument("--model", default="bicubic", help="bicubic, a shipped model name (e.g. fsrcnn) or a weights file")
    ev.add_argument("--data", required=True, help="folder of HR images, or a dataset name (Set5, Set14, ...)")
    ev.add_argument("--scale", type=int, required=True, help="upscaling factor (2, 3 or 4)")
    ev.add_argument("--metrics", default="psnr,ssim", help="comma-separated metrics (default psnr,ssim)")
    ev.add_argument("--json", action="store_true", help="print one JSON object with the results as the last line")
    ev.set_defaults(func=cmd_evaluate)

    up = sub.add_parser("upscale", help="upscale an image file with a course model (tiled, bounded memory)")
    up.add_argument("input", help="image file to upscale (PNG, JPEG, ...; grayscale, RGB or RGBA)")
    up.add_argument("output", help="where to write the result (.png recommended)")
    up.add_argument("--model", default="fsrcnn", help="shipped model name or a .keras file (default fsrcnn)")
    up.add_argument("--scale", type=int, default=3, help="upscaling factor the model was trained for (default 3)")
    up.add_argument("--tile", type=int, default=128, help="LR tile side in pixels; 0 = untiled (tiles anyway if memory is short)")
    up.add_argument("--overlap", type=int, default=None, help="LR pixels read around each tile (default: the model's receptive radius)")
    up.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (8x slower, slightly better)")
    up.set_defaults(func=cmd_upscale)

    bench = sub.add_parser(
        "bench", help="ms per training step vs plain eager Keras; with --upscale, inference MP/s and peak memory"
    )
    bench.add_argument("--model", default="fsrcnn", help="fsrcnn, fsrcnn-s, srcnn, espcn or srresnet")
    bench.add_argument("--scale", type=int, default=3)
    bench.add_argument("--batch-size", type=int, default=128)
    bench.add_argument("--steps", type=int, default=50, help="steps per timed round, after a warm-up (ours: rounds repeat until two agree within 5%%)")
    bench.add_argument("--lr-patch", type=int, default=11, help="LR patch side (default 11; SRCNN: HR = scale x this)")
    bench.add_argument(
        "--precision",
        choices=["float32", "bf16"],
        default="float32",
        help="our configuration in bfloat16 mixed precision (fast on CPUs with AMX/AVX512-BF16)",
    )
    bench.add_argument(
        "--upscale",
        nargs="?",
        const="default",
        metavar="MODEL:SCALE,...",
        help="time srlib.upscale instead: output MP/s and peak memory, tiled and untiled "
        "(default: fsrcnn:3,espcn:3,srresnet:4)",
    )
    bench.add_argument("--size", type=int, default=256, help="--upscale: side of the random LR image (default 256)")
    bench.add_argument("--tile", type=int, default=128, help="--upscale: LR tile side of the tiled runs (default 128)")
    bench.add_argument("--repeats", type=int, default=2, help="--upscale: timed runs per configuration (default 2)")
    bench.add_argument("--json", action="store_true", help="print one JSON object with the figures as the last line")
    bench.set_defaults(func=cmd_bench)

    niqe = sub.add_parser(
        "niqe-official", help="download the authors' NIQE pristine model, check it, print the path of its .npz"
    )
    niqe.add_argument("--url", default=None, help="where to get niqe_release.zip (default: the LIVE lab's release)")
    niqe.add_argument("--force", action="store_true", help="download again even if a checked copy is cached")
    niqe.add_argument("--quiet", action="store_true", help="no progress bar")
    niqe.set_defaults(func=cmd_niqe_official)

    from srlib.cli.data import add_data_commands
    from srlib.cli.doctor import add_doctor_command
    from srlib.cli.pack import add_pack_command

    add_data_commands(sub)
    add_doctor_command(sub)
    add_pack_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SRLibError as exc:
        print(f"srlib: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("srlib: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
