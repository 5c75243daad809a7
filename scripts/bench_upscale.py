#!/usr/bin/env python
"""Inference speed of ``srlib.upscale``: megapixels of SR output per second, tiled and untiled.

Models are freshly initialised (speed does not depend on the weights): FSRCNN(56, 12, 4)
and ESPCN on the Y channel, SRResNet (16 blocks) on RGB, all at ``--scale``. The input
is a random ``--size`` x ``--size`` RGB image; each configuration runs once to warm up
(tracing), then ``--repeats`` times, and the best time is kept. Tiled runs use the
default overlap (each model's receptive radius), so they include that recomputation.

    .venv/bin/python scripts/bench_upscale.py --size 256 --scale 4

Prints a small table, then one JSON line with every figure (the last line of output).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODELS = ("fsrcnn", "espcn", "srresnet")


def build(name: str, scale: int):
    """An untrained course model by name."""
    if name == "fsrcnn":
        from srlib.models.fsrcnn import FSRCNN

        return FSRCNN(scale)
    if name == "espcn":
        from srlib.models.espcn import ESPCN

        return ESPCN(scale)
    if name == "srresnet":
        from srlib.models.srresnet import SRResNet

        return SRResNet(scale)
    raise SystemExit(f"bench_upscale: unknown model {name!r} — use one of {', '.join(MODELS)}")


def best_seconds(run, repeats: int) -> float:
    """Fastest of ``repeats`` timed calls, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="LR side in pixels (default 256)")
    parser.add_argument("--scale", type=int, default=4, help="upscaling factor (default 4)")
    parser.add_argument("--tile", type=int, default=128, help="LR tile side for the tiled runs (default 128)")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per configuration (default 2)")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, default {','.join(MODELS)}")
    args = parser.parse_args(argv)

    import keras
    import numpy as np
    import tensorflow as tf

    from srlib.train.inference import receptive_radius, upscale

    keras.utils.set_random_seed(0)
    image = np.random.default_rng(0).integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)
    output_megapixels = (args.size * args.scale) ** 2 / 1e6
    rows = []
    print(f"{args.size}x{args.size} RGB -> x{args.scale} ({output_megapixels:.2f} MP out), best of {args.repeats}")
    print(f"{'model':<9} {'overlap':>7} {'untiled MP/s':>12} {'tiled MP/s':>10}  (tile {args.tile})")
    for name in (m.strip().lower() for m in args.models.split(",") if m.strip()):
        model = build(name, args.scale)
        untiled = best_seconds(lambda: upscale(image, model, args.scale, tile=0, memory_budget=2**40), args.repeats)
        tiled = best_seconds(lambda: upscale(image, model, args.scale, tile=args.tile), args.repeats)
        row = {
            "model": name,
            "overlap": int(np.ceil(receptive_radius(model))),
            "untiled_seconds": untiled,
            "tiled_seconds": tiled,
            "untiled_mp_per_s": output_megapixels / untiled,
            "tiled_mp_per_s": output_megapixels / tiled,
        }
        rows.append(row)
        print(f"{name:<9} {row['overlap']:>7} {row['untiled_mp_per_s']:>12.3f} {row['tiled_mp_per_s']:>10.3f}")
    print(
        json.dumps(
            {
                "size": args.size,
                "scale": args.scale,
                "tile": args.tile,
                "repeats": args.repeats,
                "output_megapixels": output_megapixels,
                "results": rows,
                "tensorflow": tf.__version__,
                "cpu_count": os.cpu_count(),
                "machine": platform.machine(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
