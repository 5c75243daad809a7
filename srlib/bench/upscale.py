"""``srlib bench --upscale``: inference speed of :func:`srlib.upscale` in output megapixels per second.

Each model is freshly initialised — a forward pass costs the same whatever the weights —
and upscales one random ``size x size`` RGB image, untiled and in ``tile x tile`` LR tiles
(with the default overlap, each model's receptive radius, so the tiled figure includes
the recomputed margins). Every configuration runs once untimed (tracing, first-call
allocations), then ``repeats`` times; the fastest wall time is kept, and the speed is
``(size * scale)**2 / 1e6`` output megapixels divided by it. Y-channel models (FSRCNN,
ESPCN) include the colour conversion and the bicubic chroma, as ``upscale`` does them.

Peak memory is the resident high-water mark (``VmHWM``), TensorFlow runtime included. Each
model runs in a fresh Python process (``isolate=True``), tiled first, then untiled, with the
mark reset before each (``/proc/self/clear_refs``, Linux): memory an earlier run left with the
allocator would otherwise count again. ``baseline_rss_mib`` is what the process holds before
the first run (runtime, model, input). Where the mark cannot be reset, a figure is the peak so far.

    srlib bench --upscale                          # FSRCNN x3, ESPCN x3, SRResNet x4 on 256x256
    srlib bench --upscale espcn:3 --size 512 --tile 128 --repeats 3 --json
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from srlib.errors import SRLibError

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

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def parse_model_list(text: str) -> list[tuple[str, int]]:
    """``"fsrcnn:3,srresnet:4"`` -> ``[("fsrcnn", 3), ("srresnet", 4)]`` (the CLI's ``--upscale`` value).

    ``"default"`` stands for :data:`DEFAULT_UPSCALE_MODELS`.
    """
    from srlib.models.zoo import MODEL_NAMES

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


def _reset_peak_rss() -> bool:
    """Reset the kernel's resident high-water mark of this process (Linux >= 4.0); False where not possible."""
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def _status_bytes(field: str) -> int | None:
    """A ``kB`` field of ``/proc/self/status`` in bytes (Linux), else None."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss_bytes() -> int:
    """This process's peak resident memory: ``VmHWM`` on Linux, else ``getrusage``'s ``ru_maxrss``."""
    peak = _status_bytes("VmHWM")
    if peak is not None:
        return peak
    try:
        import resource  # Unix only
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB elsewhere


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
    resets = _reset_peak_rss()
    seconds = _best_seconds(run, repeats)
    return {
        "seconds": seconds,
        "mp_per_s": output_megapixels / seconds,
        "peak_rss_mib": peak_rss_bytes() / 2**20,
        "peak_is_own": resets,
    }


def bench_one_model(name: str, scale: int, size: int, tile: int, repeats: int, seed: int = 0) -> dict[str, Any]:
    """One model's figures, in this process: tiled first, then untiled (see the module docstring)."""
    import keras

    from srlib.models.zoo import build_model
    from srlib.infer.upscaler import estimate_memory, receptive_radius, upscale

    image = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    keras.utils.set_random_seed(seed)
    model = build_model(name, scale)
    output_megapixels = (size * scale) ** 2 / 1e6
    estimated = estimate_memory(model, size, size, scale)  # also traces the model once
    baseline = _status_bytes("VmRSS") or 0
    tiled = _measure(lambda: upscale(image, model, scale, tile=tile), repeats, output_megapixels)
    untiled = _measure(
        # A budget above any machine's memory: untiled even where upscale would tile to be safe.
        lambda: upscale(image, model, scale, tile=0, memory_budget=2**50),
        repeats,
        output_megapixels,
    )
    return {
        "model": name,
        "scale": scale,
        "overlap": int(np.ceil(receptive_radius(model))),
        "output_megapixels": output_megapixels,
        "estimated_untiled_mib": estimated / 2**20,
        "baseline_rss_mib": baseline / 2**20,
        "untiled": untiled,
        "tiled": tiled,
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
    seed: int = 0,
    isolate: bool = True,
) -> dict[str, Any]:
    """Output MP/s and peak RSS of ``upscale`` for each ``(model name, scale)``, untiled and tiled.

    Returns the configuration (size, tile, repeats, versions, cores) and ``results``: one dict
    per model with ``overlap`` (LR pixels), ``output_megapixels``, ``estimated_untiled_mib``
    (``estimate_memory``'s figure), ``baseline_rss_mib`` and ``untiled`` / ``tiled`` dicts of
    ``seconds``, ``mp_per_s`` and ``peak_rss_mib``. ``isolate=False`` runs every model in this
    process (faster to start; the peaks then include what earlier runs left resident).
    """
    import keras
    import tensorflow as tf

    size, tile, repeats = int(size), int(tile), int(repeats)
    if size < 1 or tile < 1 or repeats < 1:
        raise SRLibError(f"bench --upscale: size ({size}), tile ({tile}) and repeats ({repeats}) must be positive")
    rows = []
    for name, scale in models:
        arguments = [str(name), int(scale), size, tile, repeats, int(seed)]
        rows.append(_bench_in_child(arguments) if isolate else bench_one_model(*arguments))
    return {
        "size": size,
        "tile": tile,
        "repeats": repeats,
        "isolated": bool(isolate),
        "results": rows,
        "threads": tf.config.threading.get_intra_op_parallelism_threads() or "all cores",
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def upscale_bench_report(result: dict[str, Any]) -> str:
    """A small table of :func:`run_upscale_bench`'s result (what ``srlib bench --upscale`` prints)."""
    size, tile = result["size"], result["tile"]
    where = "one process per model" if result.get("isolated") else "one process"
    lines = [
        f"srlib.upscale on a {size}x{size} RGB image, best of {result['repeats']} after a warm-up, {where}; "
        f"TF {result['tensorflow']}, {result['cpu_count']} cores ({result['threads']})",
        f"{'model':<12} {'out MP':>6} {'overlap':>7} {'base MiB':>8} {'untiled MP/s':>12} {'peak MiB':>8} "
        f"{f'tiled {tile} MP/s':>15} {'peak MiB':>8}",
    ]
    for row in result["results"]:
        label = f"{row['model']} x{row['scale']}"
        untiled, tiled = row["untiled"], row["tiled"]
        lines.append(
            f"{label:<12} {row['output_megapixels']:>6.2f} {row['overlap']:>7} {row['baseline_rss_mib']:>8.0f} "
            f"{untiled['mp_per_s']:>12.2f} {untiled['peak_rss_mib']:>8.0f} "
            f"{tiled['mp_per_s']:>15.2f} {tiled['peak_rss_mib']:>8.0f}"
        )
    lines.append("MP/s: output megapixels per second of wall time; peak MiB: resident high-water mark of the run")
    if not all(row[kind]["peak_is_own"] for row in result["results"] for kind in ("untiled", "tiled")):
        lines.append("(this system cannot reset the mark between runs: each peak is the process's peak so far)")
    return "\n".join(lines)
