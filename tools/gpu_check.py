"""The prepared GPU check: one command, a JSON report, inside a time budget (default 7.5 minutes).

    python -m tools.gpu_check --out gpu-report.json [--budget-s 450]

On a machine with a GPU it runs, in this order and each only while the budget lasts:

1. ``devices``: the GPUs TensorFlow sees, their compute capability and memory (``srlib doctor``'s view)
   and the precision ``"auto"`` picks there;
2. ``tests``: ``pytest -m gpu`` (the tests that skip without a GPU);
3. ``timings``: ms per training step of every course model at the papers' batch sizes, in float32,
   bf16 and fp16, each with XLA on and off (:func:`srlib.bench.train_step.run_bench`; SRGAN's
   step with a VGG54 content loss of untrained VGG19 weights, which costs what the real one does);
4. ``chapters``: every chapter in its ``full`` profile, each training stopped after
   ``SRLIB_MAX_STEPS`` steps (default 30), so the GPU paths of every chapter run once.

What did not fit in the budget is listed as ``"skipped": "budget"``. The report is written after
every part, so a run cut short still leaves what it measured. Without a GPU it stops at once and
says so (exit status 2). The figures go to ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tensorflow as tf

from srlib.bench.train_step import run_bench
from srlib.cli.doctor import devices as listed_devices
from srlib.files import atomic_write_json
from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.zoo import build_model
from srlib.train.precision import dtype_policy, gpu_compute_capabilities, resolve_precision
from srlib.train.srgan import SRGAN
from tools.notebooks import chapters as chapter_paths
from tools.notebooks import execute_notebook

REPO = Path(__file__).resolve().parents[1]
# Model, scale, batch, LR patch: the papers' training batches (SRCNN/FSRCNN/ESPCN 128 small patches;
# SRResNet and SRGAN 16 of 96x96 HR, Ledig et al. sec. 3.2).
MODELS = (("srcnn", 3, 128, 11), ("fsrcnn", 3, 128, 11), ("espcn", 3, 128, 11), ("srresnet", 4, 16, 24))
PRECISIONS = ("float32", "bf16", "fp16")


class Budget:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + float(seconds)

    def left(self) -> float:
        return self.end - time.monotonic()


def devices() -> dict[str, Any]:
    found = listed_devices()
    return {**found, "auto_precision": resolve_precision("auto"), "capabilities": gpu_compute_capabilities()}


def run_tests(budget: Budget) -> dict[str, Any]:
    timeout = max(30.0, min(150.0, budget.left() - 240))
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider"],
                              cwd=REPO, capture_output=True, text=True, timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": round(time.monotonic() - start, 1)}
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    return {"status": "passed" if done.returncode == 0 else "failed", "summary": tail[0],
            "seconds": round(time.monotonic() - start, 1), "output_tail": done.stdout[-3000:]}  # fmt: skip


def _srgan_ms_per_step(precision: str, jit: bool, steps: int = 10) -> float:
    """ms per SRGAN step (one D and one G update), batch 16 of 96x96, VGG54 content (untrained VGG19)."""
    with dtype_policy(precision):
        gan = SRGAN(build_model("srgan", 4), SRGANDiscriminator(patch_size=96), content="vgg54", vgg_weights=None)
    gan.compile_for_training(learning_rate=1e-4, jit_compile=jit, steps_per_execution=1)
    lr, hr = tf.random.uniform([16, 24, 24, 3]), tf.random.uniform([16, 96, 96, 3])
    data = tf.data.Dataset.from_tensors((lr, hr)).repeat()
    gan.fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # compiles
    start = time.perf_counter()
    gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    return 1000.0 * (time.perf_counter() - start) / steps


def timings(budget: Budget, reserve: float, models: list[str], precisions: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    every = [m for m in (*MODELS, ("srgan-vgg54", 4, 16, 24)) if m[0] in models]
    configurations = [(m, p, x) for m in every for p in precisions for x in (True, False)]
    for (name, scale, batch, patch), precision, xla in configurations:
        row = {"model": name, "scale": scale, "batch": batch, "lr_patch": patch, "precision": precision, "xla": xla}
        if budget.left() < reserve:
            rows.append({**row, "skipped": "budget"})
            continue
        try:
            if name == "srgan-vgg54":
                row["ms_per_step"] = round(_srgan_ms_per_step(precision, xla), 2)
            else:
                result = run_bench(name, scale, batch_size=batch, steps=30, precision=precision, lr_patch=patch,
                                   jit_compile=xla, plain=False)  # fmt: skip
                row["ms_per_step"] = result["ms_per_step"]
        except Exception as error:  # one failing configuration is a finding, not the end of the check
            row["error"] = f"{type(error).__name__}: {str(error)[:300]}"
        rows.append(row)
    return rows


def chapters(budget: Budget, max_steps: int) -> list[dict[str, Any]]:
    rows = []
    os.environ["SRLIB_MAX_STEPS"] = str(max_steps)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as folder:
        for path in chapter_paths():
            if budget.left() < 20:
                rows.append({"chapter": path.name, "skipped": "budget"})
                continue
            timeout = int(min(120, budget.left() - 10))
            try:
                seconds = execute_notebook(path, Path(folder) / path.name, profile="full", timeout=timeout)
                rows.append({"chapter": path.name, "status": "ran", "seconds": round(seconds, 1)})
            except Exception as error:
                rows.append({"chapter": path.name, "status": "failed", "error": f"{type(error).__name__}: "
                             f"{str(error).strip().splitlines()[-1][:300] if str(error).strip() else ''}"})  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("gpu-report.json"))
    parser.add_argument("--budget-s", type=float, default=450.0, help="stop starting new work after this (s)")
    parser.add_argument("--max-steps", type=int, default=30, help="training steps per chapter run (full profile)")
    parser.add_argument("--skip", nargs="*", default=[], choices=("tests", "timings", "chapters"))
    parser.add_argument("--models", nargs="*", default=[m[0] for m in MODELS] + ["srgan-vgg54"])
    parser.add_argument("--precisions", nargs="*", default=list(PRECISIONS), choices=PRECISIONS)
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU (to test this script)")
    args = parser.parse_args(argv)
    budget, report = Budget(args.budget_s), {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    report["devices"] = devices()
    if not report["devices"]["gpu"] and not args.allow_cpu:
        print("gpu_check: TensorFlow sees no GPU here — run it on a machine with one", file=sys.stderr)
        return 2
    parts = (("tests", lambda: run_tests(budget)), ("timings", lambda: timings(budget, 150.0, args.models, args.precisions)),
             ("chapters", lambda: chapters(budget, args.max_steps)))  # fmt: skip
    for name, part in parts:
        report[name] = {"skipped": "asked"} if name in args.skip else part()
        report["seconds"] = round(args.budget_s - budget.left(), 1)
        atomic_write_json(args.out, report)
        print(f"gpu_check: {name} done at {report['seconds']:.0f} s", file=sys.stderr)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
