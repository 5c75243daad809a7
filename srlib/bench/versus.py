"""``srlib bench --versus-pytorch``: srlib's training step against PyTorch's, side by side in one run.

For each course model at the batch and patch size of issue 23's table (SRCNN 128 x 33x33, FSRCNN
and ESPCN x3 128 x 11x11, SRResNet x4 16 x 24x24) it times srlib's configurations in this process
(float32 with and without XLA, bfloat16 without XLA; :func:`srlib.bench.train_step.run_bench`)
and PyTorch's (eager float32; bfloat16 autocast with channels-last) in a child process that
never loads TensorFlow (:mod:`srlib.bench.torch_step`), one after the other, with the same
number of threads. The ratio is srlib's fastest over PyTorch's fastest: below 1 means srlib
is faster. PyTorch is the optional ``bench`` extra (``pip install 'srlib[bench]'``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from typing import Any

from srlib.bench.train_step import run_bench
from srlib.errors import SRLibError
from srlib.train.export import cpu_model

__all__ = ["SRLIB_CONFIGURATIONS", "VERSUS_MODELS", "run_versus", "torch_timings", "versus_report"]

# (model, scale, batch, LR patch side): the shapes of issue 23's measurements.
VERSUS_MODELS = {
    "srcnn": ("srcnn", 3, 128, 11),
    "fsrcnn": ("fsrcnn", 3, 128, 11),
    "espcn": ("espcn", 3, 128, 11),
    "srresnet": ("srresnet", 4, 16, 24),
}
SRLIB_CONFIGURATIONS = (("float32", True), ("float32", False), ("bf16", False))  # (precision, XLA)
TORCH_TIMEOUT_S = 900


def torch_timings(name: str, scale: int, batch: int, lr_patch: int, threads: int, steps: int) -> dict[str, Any]:
    """PyTorch's figures from :mod:`srlib.bench.torch_step`, run in a child process without TensorFlow."""
    if importlib.util.find_spec("torch") is None:
        raise SRLibError("bench --versus-pytorch needs PyTorch — install the extra: pip install 'srlib[bench]'")
    command = [sys.executable, "-m", "srlib.bench.torch_step", name, str(scale), str(batch), str(lr_patch)]
    command += [str(threads), str(steps)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TORCH_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise SRLibError(f"bench: PyTorch's {name} timing took over {TORCH_TIMEOUT_S} s — use fewer --steps") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SRLibError(f"bench: PyTorch's {name} timing failed ({reason})")
    return json.loads(lines[-1])


def _srlib_timings(name: str, scale: int, batch: int, lr_patch: int, steps: int) -> dict[str, float]:
    timings = {}
    for precision, xla in SRLIB_CONFIGURATIONS:
        result = run_bench(
            name, scale, batch_size=batch, steps=steps, precision=precision, lr_patch=lr_patch,
            jit_compile=xla, plain=False,
        )  # fmt: skip
        timings[f"{precision}{' XLA' if xla else ''}"] = result["ms_per_step"]
    return timings


def run_versus(models: tuple[str, ...] = tuple(VERSUS_MODELS), steps: int = 20, threads: int | None = None) -> dict:
    """Both frameworks' ms per step for each model, their best, and the ratio srlib best / PyTorch best."""
    unknown = [m for m in models if m not in VERSUS_MODELS]
    if unknown:
        raise SRLibError(f"bench --versus-pytorch: unknown model {unknown[0]!r} — use {', '.join(VERSUS_MODELS)}")
    threads = int(threads or os.cpu_count() or 1)
    rows = []
    for key in models:
        name, scale, batch, lr_patch = VERSUS_MODELS[key]
        model_steps = max(2, steps // 4) if name == "srresnet" else steps  # SRResNet steps take ~1 s each
        ours = _srlib_timings(name, scale, batch, lr_patch, model_steps)
        theirs = torch_timings(name, scale, batch, lr_patch, threads, model_steps)
        torch_ms = {mode: theirs[mode]["ms_per_step"] for mode in ("fp32", "bf16")}
        best_ours, best_theirs = min(ours, key=ours.get), min(torch_ms, key=torch_ms.get)
        autotune_key = min(("float32 XLA", "float32"), key=ours.get)
        autotune_pick = "XLA" if autotune_key == "float32 XLA" else "plain graph"
        rows.append({
            "model": name, "scale": scale, "batch": batch, "lr_patch": lr_patch, "srlib": ours, "pytorch": torch_ms,
            "srlib_best": best_ours, "pytorch_best": best_theirs,
            "ratio": round(ours[best_ours] / torch_ms[best_theirs], 2), "torch": theirs["torch"],
            # What the engine's autotuner (srlib.train.autotune) picks: the faster float32 configuration.
            "autotune": autotune_pick, "autotune_ratio": round(ours[autotune_key] / torch_ms[best_theirs], 2),
        })  # fmt: skip
    return {"cpu": cpu_model(), "threads": threads, "rows": rows}


def versus_report(result: dict) -> str:
    """The table ``srlib bench --versus-pytorch`` prints: one line per model, ms per step."""
    lines = [f"CPU: {result['cpu']}; {result['threads']} threads in both frameworks; ms per training step"]
    header = "model, batch x patch        srlib fp32 XLA / fp32 / bf16      PyTorch fp32 / bf16 CL   srlib/PyTorch"
    lines.append(header)
    for row in result["rows"]:
        ours, theirs = row["srlib"], row["pytorch"]
        shape = f"{row['model']} x{row['scale']}, {row['batch']} x {row['lr_patch']}²"
        srlib_cells = " / ".join(f"{ours[key]:.1f}" for key in ours)
        torch_cells = f"{theirs['fp32']:.1f} / {theirs['bf16']:.1f}"
        line = f"{shape:<27} {srlib_cells:<33} {torch_cells:<24} {row['ratio']:.2f}"
        if "autotune" in row:
            line += f"   autotune: fp32 {row['autotune']}, {row['autotune_ratio']:.2f}"
        lines.append(line)
    lines.append(
        "ratio: srlib's fastest over PyTorch's fastest (below 1: srlib faster); bf16 CL = autocast, channels-last; "
        "autotune: the configuration the engine's autotuner picks on this CPU (float32, XLA or not) and its ratio"
    )
    return "\n".join(lines)
