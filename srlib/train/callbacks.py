"""Keras callbacks of the training engine: validation, checkpoints, divergence guard, progress.

:class:`RunMonitor` runs once per epoch: it measures PSNR/SSIM on whole validation
images with the papers' protocol, saves the best model by validation PSNR, writes
the resumable checkpoint and reports to a progress object. :class:`PlainProgress`
is the headless progress report (a few plain lines);
``srlib.viz.progress.LiveProgress`` draws live curves in JupyterLab with the same
methods.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import keras
import numpy as np

from srlib.train.checkpoint import BEST_MODEL_NAME, CHECKPOINT_NAME, save_model, save_state
from srlib.train.precision import float32_copy

__all__ = ["PlainProgress", "RunMonitor", "evaluate_y", "sample_crops", "validate"]


def _own_evaluation(upscaler: Callable, images: Sequence[tuple[str, np.ndarray]], scale: int) -> dict:
    """PSNR/SSIM on Y with ``scale`` pixels shaved (SRCNN TPAMI sec. 4), LR by MATLAB bicubic."""
    from srlib.image.crop import modcrop
    from srlib.image.resize import imresize
    from srlib.metrics import psnr_y, ssim_y

    psnrs, ssims = [], []
    for _, hr in images:
        hr = modcrop(hr, scale)
        sr = upscaler(imresize(hr, 1.0 / scale))
        psnrs.append(psnr_y(sr, hr, shave_border=scale))
        ssims.append(ssim_y(sr, hr, shave_border=scale))
    return {"psnr": float(np.mean(psnrs)), "ssim": float(np.mean(ssims))}


def evaluate_y(upscaler: Callable, images: Sequence[tuple[str, np.ndarray]], scale: int) -> dict:
    """Mean PSNR/SSIM of ``upscaler`` on ``(name, hr)`` pairs, by ``srlib.eval.protocol`` when present."""
    try:
        from srlib.eval.protocol import evaluate_model
    except ImportError:  # the same rules, written out here
        return _own_evaluation(upscaler, images, scale)
    result = evaluate_model(upscaler, list(images), scale)
    result = result.as_dict() if hasattr(result, "as_dict") else result
    return {"psnr": float(result["psnr"]), "ssim": float(result["ssim"])}


def sample_crops(upscaler: Callable, hr: np.ndarray, scale: int, size: int = 72) -> dict[str, np.ndarray]:
    """A centred ``size`` x ``size`` HR crop with its bicubic and SR versions, for the progress display."""
    from srlib.image.crop import modcrop
    from srlib.image.resize import imresize

    hr = modcrop(hr, scale)
    h, w = hr.shape[:2]
    size = min(size, h, w) // scale * scale
    top, left = (h - size) // 2 // scale * scale, (w - size) // 2 // scale * scale
    hr = hr[top : top + size, left : left + size]
    lr = imresize(hr, 1.0 / scale)
    return {"hr": hr, "bicubic": imresize(lr, scale), "sr": upscaler(lr)}


def validate(
    model, upscaler_factory: Callable, images: Sequence[tuple[str, np.ndarray]], scale: int
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """``val_psnr``/``val_ssim`` of ``model`` on ``images`` and sample crops of the first, for a run's curve.

    Measures what will ship: a bfloat16 model is validated as its float32 copy, since bf16
    arithmetic reads 0.02-0.05 dB low, by an amount that varies with the loss.
    """
    upscaler = upscaler_factory(float32_copy(model))
    metrics = {f"val_{k}": v for k, v in evaluate_y(upscaler, images, scale).items()}
    return metrics, sample_crops(upscaler, images[0][1], scale)


class PlainProgress:
    """Headless progress: one line at the start, ~``lines`` lines while training, one at the end."""

    def __init__(self, lines: int = 8, stream=None) -> None:
        self.lines = max(1, int(lines))
        self.stream = stream if stream is not None else sys.stdout
        self.history: dict[str, list] = {}

    def start(
        self,
        total_steps: int,
        initial_step: int,
        history: dict[str, list],
        title: str = "",
        baseline_psnr: float | None = None,
    ) -> None:
        """Called once before training; ``baseline_psnr`` is bicubic's validation PSNR."""
        self.total_steps, self.initial_step = int(total_steps), int(initial_step)
        self.history = {k: list(v) for k, v in history.items()}
        self._every = max(1, (self.total_steps - self.initial_step) // self.lines)
        self._next_line = self.initial_step + self._every
        self._t0 = time.perf_counter()
        what = f"resuming at step {initial_step}" if initial_step else "starting"
        baseline = f" (bicubic on validation: {baseline_psnr:.2f} dB)" if baseline_psnr is not None else ""
        self._print(f"{title} {what}, {total_steps} steps in all{baseline}".strip())

    def update(self, step: int, loss: float) -> None:
        """Called during an epoch with the running training loss (the plain report ignores it)."""

    def validation(self, step: int, logs: dict[str, float], sample: dict[str, np.ndarray] | None) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        if step >= self._next_line or step >= self.total_steps:
            self._next_line = step + self._every
            parts = [f"step {step}/{self.total_steps}"]
            parts += [f"{k} {v:.4g}" for k, v in logs.items() if k != "step"]
            parts.append(f"{time.perf_counter() - self._t0:.0f} s")
            self._print("  ".join(parts))

    def finish(self, summary: dict[str, Any]) -> None:
        best = summary.get("best_psnr")
        tail = f", best val PSNR {best:.2f} dB at step {summary.get('best_step')}" if best is not None else ""
        self._print(f"done: step {summary.get('step')}{tail}")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class RunMonitor(keras.callbacks.Callback):
    """Per-epoch validation, best-model saving, atomic checkpoints and a NaN/inf loss guard."""

    def __init__(
        self,
        *,
        run_dir: Path,
        scale: int,
        steps_per_epoch: int,
        val_images: Sequence[tuple[str, np.ndarray]],
        upscaler_factory: Callable,
        meta: dict[str, Any],
        progress: Any,
        update_every: int,
    ) -> None:
        super().__init__()
        self.run_dir, self.scale, self.steps_per_epoch = Path(run_dir), int(scale), int(steps_per_epoch)
        self.val_images, self.upscaler_factory = list(val_images), upscaler_factory
        self.meta, self.progress, self.update_every = meta, progress, max(1, int(update_every))
        self.diverged: dict[str, Any] | None = None
        self._epoch_start = 0.0
        self._batches_seen = 0

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch_start = time.perf_counter()
        self._batches_seen = 0

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        step = self.meta["step"] + batch + 1
        if not math.isfinite(loss):
            self.diverged = {"step": step, "loss": loss}
            self.model.stop_training = True
            return
        if (batch + 1) // self.update_every != self._batches_seen // self.update_every:
            self.progress.update(step, loss)
        self._batches_seen = batch + 1

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self.diverged is not None:
            return  # keep the last good checkpoint: the weights now hold NaN/inf
        logs = logs if logs is not None else {}
        step = (epoch + 1) * self.steps_per_epoch
        record = {"step": step, "loss": float(logs.get("loss", float("nan")))}
        sample = None
        if self.val_images:
            metrics, sample = validate(self.model, self.upscaler_factory, self.val_images, self.scale)
            record.update(metrics)
            logs.update(val_psnr=record["val_psnr"], val_ssim=record["val_ssim"])  # TensorBoard and History see them
        meta = self.meta
        meta["wall_time_s"] = meta.get("wall_time_s", 0.0) + time.perf_counter() - self._epoch_start
        meta["epoch"], meta["step"] = epoch + 1, step
        for key, value in record.items():
            meta["history"].setdefault(key, []).append(value)
        score = record.get("val_psnr", -record["loss"])
        if meta.get("best_score") is None or score > meta["best_score"]:
            meta["best_score"], meta["best_step"] = score, step
            meta["best_psnr"] = record.get("val_psnr")
            save_model(self.model, self.run_dir / BEST_MODEL_NAME)
        # The checkpoint is written last: a kill before this line replays the epoch from the previous one.
        save_state(self.run_dir / CHECKPOINT_NAME, self.model, self.model.optimizer, meta)
        self.progress.validation(step, {k: v for k, v in record.items() if k != "step"}, sample)
