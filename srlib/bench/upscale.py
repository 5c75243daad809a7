"""``srlib bench --upscale``: inference speed of :class:`srlib.infer.Upscaler` in output megapixels per second.

Each model is freshly initialised — a forward pass costs the same whatever the weights —
and upscales one random ``size x size`` RGB image in ``tile x tile`` LR tiles (with the
default overlap, each model's receptive radius, so the tiled figure includes the
recomputed margins), then untiled. Each configuration's upscaler is made once and run
once untimed (tracing, first-call allocations), then ``repeats`` times; the fastest wall
time is kept, and the speed is ``(size * scale)**2 / 1e6`` output megapixels divided by
it. Y-channel models (FSRCNN, ESPCN) include the colour conversion and the bicubic chroma.

Peak memory is the process's resident high-water mark (``getrusage``), TensorFlow runtime
included. Every model runs in a fresh Python process, tiled first: the mark read after
the tiled runs is theirs, and the one read after the untiled runs is the untiled peak
(untiled needs more). ``baseline_rss_mib`` is what the process holds before the first
run (runtime, model, input).

    srlib bench --upscale                          # FSRCNN x3, ESPCN x3, SRResNet x4 on 256x256
    srlib bench --upscale espcn:3 --size 512 --tile 128 --repeats 3 --json
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import psutil
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.infer.upscaler import upscaler_for
from srlib.models.zoo import MODEL_NAMES, build_model

__all__ = [
    "DEFAULT_UPSCALE_MODELS",
    "parse_model_list",
    "run_upscale_bench",
    "bench_one_model",
    "upscale_bench_report",
    "peak_rss_bytes",
]

# The course's three LR-grid networks at the scales their papers report first.
DEFAULT_UPSCALE_MODELS: tuple[tuple[str, int], ...] = (("fsrcnn", 3), ("espcn", 3), ("srresnet", 4))


def parse_model_list(text: str) -> list[tuple[str, int]]:
    """``"fsrcnn:3,srresnet:4"`` -> ``[("fsrcnn", 3), ("srresnet", 4)]`` (the CLI's ``--upscale`` value).

    ``"default"`` stands for :data:`DEFAULT_UPSCALE_MODELS`.
    """
    if str(text).strip().lower() == "default":
        return list(DEFAULT_UPSCALE_MODELS)
    pairs = []
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        name, _, scale = item.partition(":")
        name = name.strip().lower()
        if name not in MODEL_NAMES or not scale.strip().isdigit():
            raise SRLibError(
                f"--upscale {item!r}: expected MODEL:SCALE such as espcn:3 (models: {', '.join(MODEL_NAMES)})"
            )
        pairs.append((name, int(scale)))
    if not pairs:
        raise SRLibError("--upscale is empty — give MODEL:SCALE pairs such as fsrcnn:3,srresnet:4")
    return pairs


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (``getrusage``: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _best_seconds(run: Callable[[], Any], repeats: int) -> float:
    """Fastest of ``repeats`` timed calls, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _measure(run: Callable[[], Any], repeats: int, output_megapixels: float) -> dict[str, float]:
    seconds = _best_seconds(run, repeats)
    return {"seconds": seconds, "mp_per_s": output_megapixels / seconds, "peak_rss_mib": peak_rss_bytes() / 2**20}


def bench_one_model(name: str, scale: int, size: int, tile: int, repeats: int) -> dict[str, Any]:
    """One model's figures, in this process: tiled first, then untiled (see the module docstring)."""
    image = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    keras.utils.set_random_seed(0)
    model = build_model(name, scale)
    tiled, untiled = upscaler_for(model, scale, tile=tile), upscaler_for(model, scale, tile=0)
    output_megapixels = (size * scale) ** 2 / 1e6
    baseline = psutil.Process().memory_info().rss
    return {
        "model": name,
        "scale": scale,
        "overlap": tiled.overlap,
        "rule_tile": upscaler_for(model, scale).tile,
        "output_megapixels": output_megapixels,
        "baseline_rss_mib": baseline / 2**20,
        "tiled": _measure(lambda: tiled(image), repeats, output_megapixels),
        "untiled": _measure(lambda: untiled(image), repeats, output_megapixels),
    }


_CHILD = (
    "import json, sys\n"
    "from srlib.bench.upscale import bench_one_model\n"
    "print(json.dumps(bench_one_model(*json.loads(sys.argv[1]))))\n"
)


def _bench_in_child(arguments: list[Any]) -> dict[str, Any]:
    """:func:`bench_one_model` in a fresh interpreter; its result is the last line it prints."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(arguments)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SRLibError(f"bench --upscale: {arguments[0]} x{arguments[1]} failed in its process: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_upscale_bench(
    models: Sequence[tuple[str, int]] = DEFAULT_UPSCALE_MODELS,
    size: int = 256,
    tile: int = 128,
    repeats: int = 2,
) -> dict[str, Any]:
    """Output MP/s and peak RSS of the upscaler for each ``(model name, scale)``, tiled and untiled.

    Returns the configuration (size, tile, repeats, versions, cores) and ``results``: one
    dict per model (:func:`bench_one_model`) with ``overlap`` (LR pixels), ``rule_tile``
    (the tile side ``upscale`` picks by itself), ``output_megapixels``, ``baseline_rss_mib``
    and ``tiled`` / ``untiled`` dicts of ``seconds``, ``mp_per_s`` and ``peak_rss_mib``.
    """
    size, tile, repeats = int(size), int(tile), int(repeats)
    if size < 1 or tile < 1 or repeats < 1:
        raise SRLibError(f"bench --upscale: size ({size}), tile ({tile}) and repeats ({repeats}) must be positive")
    return {
        "size": size,
        "tile": tile,
        "repeats": repeats,
        "results": [_bench_in_child([str(name), int(scale), size, tile, repeats]) for name, scale in models],
        "threads": tf.config.threading.get_intra_op_parallelism_threads() or "all cores",
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def upscale_bench_report(result: dict[str, Any]) -> str:
    """A small table of :func:`run_upscale_bench`'s result (what ``srlib bench --upscale`` prints)."""
    size, tile = result["size"], result["tile"]
    lines = [
        f"srlib upscaler on a {size}x{size} RGB image, best of {result['repeats']} after a warm-up, one process per model; "
        f"TF {result['tensorflow']}, {result['cpu_count']} cores ({result['threads']})",
        f"{'model':<12} {'out MP':>6} {'overlap':>7} {'rule tile':>9} {'base MiB':>8} {'untiled MP/s':>12} {'peak MiB':>8} "
        f"{f'tiled {tile} MP/s':>15} {'peak MiB':>8}",
    ]
    for row in result["results"]:
        label = f"{row['model']} x{row['scale']}"
        untiled, tiled = row["untiled"], row["tiled"]
        lines.append(
            f"{label:<12} {row['output_megapixels']:>6.2f} {row['overlap']:>7} {row['rule_tile']:>9} "
            f"{row['baseline_rss_mib']:>8.0f} {untiled['mp_per_s']:>12.2f} {untiled['peak_rss_mib']:>8.0f} "
            f"{tiled['mp_per_s']:>15.2f} {tiled['peak_rss_mib']:>8.0f}"
        )
    lines.append("MP/s: output megapixels per second of wall time; peak MiB: resident high-water mark of the process")
    return "\n".join(lines)
