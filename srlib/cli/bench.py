"""``srlib bench``: milliseconds per training step against plain eager Keras, or, with ``--upscale``,
inference megapixels per second and peak memory; ``--input-data``: real against synthetic input.

The measurements are :mod:`srlib.bench.train_step`, :mod:`srlib.bench.upscale`, :mod:`srlib.bench.input_rate`; this
module parses, warns about bf16 on a CPU without bfloat16 units, and prints the report.
"""

from __future__ import annotations

import argparse
import sys

from srlib.bench.input_rate import input_rate_report, run_input_bench
from srlib.bench.train_step import bench_report, run_bench
from srlib.bench.upscale import parse_model_list, run_upscale_bench, upscale_bench_report
from srlib.bench.versus import VERSUS_MODELS, run_versus, versus_report
from srlib.cli.report import add_json_flag, finish
from srlib.train.precision import bfloat16_warning

__all__ = ["register", "run"]


def _training_step(args: argparse.Namespace) -> dict:
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
    return result


def _inference(args: argparse.Namespace) -> dict:
    result = run_upscale_bench(parse_model_list(args.upscale), size=args.size, tile=args.tile, repeats=args.repeats)
    print(upscale_bench_report(result))
    return result


def _input_rate(args: argparse.Namespace) -> dict:
    result = run_input_bench(
        args.input_data, args.model, args.scale, batch_size=args.batch_size, lr_patch=args.lr_patch,
        steps=args.steps, rounds=args.rounds,
    )  # fmt: skip
    print(input_rate_report(result))
    return result


def _versus(args: argparse.Namespace) -> dict:
    models = tuple(m.strip() for m in args.versus_pytorch.split(",")) if args.versus_pytorch != "all" else None
    result = run_versus(models or tuple(VERSUS_MODELS), steps=args.steps // 2 or 1)
    print(versus_report(result))
    return result


def run(args: argparse.Namespace) -> int:
    """Time what was asked and print the report; with ``--json``, the figures as one JSON object last."""
    if args.versus_pytorch is not None:
        return finish(args, _versus(args))
    if args.input_data is not None:
        return finish(args, _input_rate(args))
    return finish(args, _training_step(args) if args.upscale is None else _inference(args))


def _add_mode(parser: argparse.ArgumentParser, flag: str, default_value: str, metavar: str, help_text: str) -> None:
    """A flag that switches ``bench`` to another measurement, with an optional value (``default_value`` if bare)."""
    parser.add_argument(flag, nargs="?", const=default_value, metavar=metavar, help=help_text)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench [--model M] [--scale S] ... [--upscale [MODEL:SCALE,...]] [--json]``."""
    parser = subparsers.add_parser(
        "bench", help="ms per training step vs plain eager Keras; with --upscale, inference MP/s and peak memory"
    )
    parser.add_argument("--model", default="fsrcnn", help="fsrcnn, fsrcnn-s, srcnn, espcn or srresnet")
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--steps",
        type=int,
        default=50,
        help="steps per timed round, after a warm-up (ours: rounds repeat until two agree within 5%%)",
    )
    parser.add_argument("--lr-patch", type=int, default=11, help="LR patch side (default 11; SRCNN: HR = scale x this)")
    parser.add_argument(
        "--precision",
        choices=["float32", "bf16"],
        default="float32",
        help="our configuration in bfloat16 mixed precision (fast on CPUs with AMX/AVX512-BF16)",
    )
    _add_mode(
        parser,
        "--upscale",
        "default",
        "MODEL:SCALE,...",
        "time srlib.upscale instead: output MP/s and peak memory, tiled and untiled "
        "(default: fsrcnn:3,espcn:3,srresnet:4)",
    )
    parser.add_argument("--size", type=int, default=256, help="--upscale: side of the random LR image (default 256)")
    parser.add_argument("--tile", type=int, default=128, help="--upscale: LR tile side of the tiled runs (default 128)")
    parser.add_argument("--repeats", type=int, default=2, help="--upscale: timed runs per configuration (default 2)")
    _add_mode(
        parser,
        "--versus-pytorch",
        "all",
        "MODEL,...",
        "srlib's configurations against PyTorch's, side by side (needs the bench extra; "
        "default: srcnn,fsrcnn,espcn,srresnet at issue 23's batches)",
    )
    _add_mode(
        parser,
        "--input-data",
        "T91",
        "DATASET",
        "train --model on real patches of DATASET (default T91) and on one synthetic batch, in alternating "
        "rounds: is the input pipeline keeping up (target: 95%% of the synthetic step rate)?",
    )
    parser.add_argument("--rounds", type=int, default=8, help="--input-data: alternating rounds (default 8)")
    add_json_flag(parser)
    parser.set_defaults(run=run)
