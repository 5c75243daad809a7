"""Keras callbacks of the training engine: validation, checkpoints, divergence guard, progress.

:class:`RunMonitor` runs once per epoch: it measures PSNR/SSIM on whole validation
images with the papers' protocol, saves the best model by validation PSNR, writes
the resumable checkpoint and reports to a :class:`Progress`. :class:`PlainProgress`
is the headless progress report (a few plain lines);
``srlib.viz.progress.LiveProgress`` draws live curves in JupyterLab with the same
methods. A :class:`RunCallback` keeps its state in the run's checkpoint record and may
ask the engine to restart from the last checkpoint (:class:`RestartFromCheckpoint`),
which is how SRGAN's rollback works (:mod:`srlib.train.gan_callbacks`).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import keras
import numpy as np

from srlib.eval.protocol import evaluate_model
from srlib.image.crop import modcrop
from srlib.image.resize import imresize
from srlib.train.checkpoint import BEST_MODEL_NAME, save_model, save_state
from srlib.train.precision import float32_copy

__all__ = [
    "RunStart",
    "PlainProgress",
    "Progress",
    "RestartFromCheckpoint",
    "RunCallback",
    "RunMonitor",
    "evaluate_y",
    "sample_crops",
    "validate",
]


def evaluate_y(upscaler: Callable, images: Sequence[tuple[str, np.ndarray]], scale: int) -> dict:
    """Mean PSNR/SSIM of ``upscaler`` on ``(name, hr)`` pairs by :func:`srlib.eval.protocol.evaluate_model`."""
    result = evaluate_model(upscaler, list(images), scale)
    return {"psnr": float(result.mean("psnr")), "ssim": float(result.mean("ssim"))}


def sample_crops(upscaler: Callable, hr: np.ndarray, scale: int, size: int = 72) -> dict[str, np.ndarray]:
    """A centred ``size`` x ``size`` HR crop with its bicubic and SR versions, for the progress display."""
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


@dataclass(frozen=True)
class RunStart:
    """What the engine tells a progress view once, before training."""

    total_steps: int
    initial_step: int = 0  # above 0 when the run resumes
    history: Mapping[str, list] = field(default_factory=dict)  # the records of the steps already done
    title: str = ""
    baseline_psnr: float | None = None  # bicubic's validation PSNR
    loss_label: str | None = None  # the training loss in words (None: the engine's MSE)


class Progress(Protocol):
    """What the engine reports a run to: :class:`PlainProgress`, ``srlib.viz.progress.LiveProgress``."""

    def start(self, run: RunStart) -> None:
        """Once before training."""

    def update(self, step: int, loss: float, logs: dict[str, float] | None = None) -> None:
        """During training: the running loss, and for SRGAN every log record (with ``d_real``, ``d_fake``)."""

    def validation(self, step: int, logs: dict[str, float], sample: dict[str, np.ndarray] | None) -> None:
        """After each epoch: its record (losses, ``val_psnr``, ``val_ssim``) and a validation crop."""

    def note(self, line: str) -> None:
        """One line for the reader (e.g. a rollback)."""

    def finish(self, summary: dict[str, Any]) -> None:
        """Once at the end, with the engine's summary."""


class PlainProgress:
    """Headless progress: one line at the start, ~``lines`` lines while training, one at the end."""

    def __init__(self, lines: int = 8, stream=None) -> None:
        self.lines = max(1, int(lines))
        self.stream = stream if stream is not None else sys.stdout
        self.history: dict[str, list] = {}

    def start(self, run: RunStart) -> None:
        """Called once before training."""
        self.total_steps, self.initial_step = int(run.total_steps), int(run.initial_step)
        self.history = {k: list(v) for k, v in run.history.items()}
        self._every = max(1, (self.total_steps - self.initial_step) // self.lines)
        self._next_line = self.initial_step + self._every
        self._t0 = time.perf_counter()
        what = f"resuming at step {run.initial_step}" if run.initial_step else "starting"
        baseline = f" (bicubic on validation: {run.baseline_psnr:.2f} dB)" if run.baseline_psnr is not None else ""
        self._print(f"{run.title} {what}, {run.total_steps} steps in all{baseline}".strip())

    def update(self, step: int, loss: float, logs: dict[str, float] | None = None) -> None:
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

    def note(self, line: str) -> None:
        self._print(line)

    def finish(self, summary: dict[str, Any]) -> None:
        best = summary.get("best_psnr")
        tail = f", best val PSNR {best:.2f} dB at step {summary.get('best_step')}" if best is not None else ""
        self._print(f"done: step {summary.get('step')}{tail}")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class RestartFromCheckpoint(Exception):
    """Raised by a callback to stop ``fit`` at once; the engine reloads the last checkpoint and calls ``adjust``.

    ``adjust(meta, checkpoint_path)`` runs after the model, its optimizers and ``meta`` are
    back at the checkpoint, before training resumes there; it may change both (a smaller
    learning rate) or raise :class:`~srlib.errors.SRLibError` to give up.
    """

    def __init__(self, adjust: Callable[[dict, Path], None]) -> None:
        super().__init__("restart from the last checkpoint")
        self.adjust = adjust


class RunCallback(keras.callbacks.Callback):
    """A callback bound to a run: the engine gives it the model, ``meta`` (the checkpoint's JSON record) and ``progress``.

    What it writes into ``meta`` is saved with every checkpoint and restored on resume;
    :meth:`summary` adds its results to the engine's summary. ``reports_progress``: it
    sends the running loss to ``progress`` itself, so the engine's running updates are off.
    """

    reports_progress = False

    def bind(self, meta: dict[str, Any], progress: Progress, model) -> None:
        """Called before each ``fit`` (and after a restart, with the checkpoint's ``meta``)."""
        self.meta, self.progress = meta, progress
        self.set_model(model)

    def summary(self) -> dict[str, Any]:
        return {}


class RunMonitor(keras.callbacks.Callback):
    """Per-epoch validation, best-model saving, atomic checkpoints and a NaN/inf loss guard.

    ``shipped`` is the network validated and saved as ``best.keras`` (the model itself, or
    SRGAN's generator); ``capture()`` gives the arrays of the checkpoint. ``update_every``:
    batches between running-loss reports to ``progress`` (None: none). ``writes=False`` (a
    worker other than the chief, :mod:`srlib.train.distribute`) keeps the record and writes nothing.
    """

    def __init__(
        self,
        *,
        run_dir: Path,
        checkpoint: Path,
        scale: int,
        steps_per_epoch: int,
        val_images: Sequence[tuple[str, np.ndarray]],
        upscaler_factory: Callable,
        shipped,
        capture: Callable[[], dict],
        meta: dict[str, Any],
        progress: Progress,
        update_every: int | None,
        writes: bool = True,
    ) -> None:
        super().__init__()
        self.writes = bool(writes)
        self.run_dir, self.checkpoint, self.scale = Path(run_dir), Path(checkpoint), int(scale)
        self.steps_per_epoch = int(steps_per_epoch)
        self.val_images, self.upscaler_factory = list(val_images), upscaler_factory
        self.shipped, self.capture, self.meta, self.progress = shipped, capture, meta, progress
        self.update_every = max(1, int(update_every)) if update_every else None
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
        every = self.update_every
        if every and (batch + 1) // every != self._batches_seen // every:
            self.progress.update(step, loss)
        self._batches_seen = batch + 1

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self.diverged is not None:
            return  # keep the last good checkpoint: the weights now hold NaN/inf
        logs = logs if logs is not None else {}
        step = (epoch + 1) * self.steps_per_epoch
        # The model's metrics in its own order (SRGAN: loss, content, adversarial, d_loss, d_real, d_fake).
        names = ["loss"] + [m.name for m in self.model.metrics if m.name in logs and m.name != "loss"]
        record = {"step": step, **{k: float(logs.get(k, float("nan"))) for k in names}}
        sample = None
        if self.val_images:
            metrics, sample = validate(self.shipped, self.upscaler_factory, self.val_images, self.scale)
            record.update(metrics)
            logs.update(val_psnr=record["val_psnr"], val_ssim=record["val_ssim"])  # TensorBoard and History see them
        meta = self.meta
        meta["wall_time_s"] = meta.get("wall_time_s", 0.0) + time.perf_counter() - self._epoch_start
        meta["epoch"], meta["step"] = epoch + 1, step
        # The wall-clock seconds trained (and validated) by this epoch's end: curves against time.
        for key, value in {**record, "time_s": round(meta["wall_time_s"], 3)}.items():
            meta["history"].setdefault(key, []).append(value)
        score = record.get("val_psnr", -record["loss"])
        if meta.get("best_score") is None or score > meta["best_score"]:
            meta["best_score"], meta["best_step"] = score, step
            meta["best_psnr"] = record.get("val_psnr")
            if self.writes:
                save_model(self.shipped, self.run_dir / BEST_MODEL_NAME)
        # The checkpoint is written last: a kill before this line replays the epoch from the previous one.
        if self.writes:
            save_state(self.checkpoint, self.capture(), meta)
        self.progress.validation(step, {k: v for k, v in record.items() if k != "step"}, sample)
