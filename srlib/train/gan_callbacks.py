"""SRGAN's callbacks: the per-log record with D(real)/D(fake), and the rollback after a divergence.

:class:`GANLog` adds, every ``log_every`` steps, the means of the SRGAN step's values over
those steps (``loss`` = content + adv_weight * adversarial, ``content``, ``adversarial``,
``d_loss``, ``d_real`` = mean D(hr), ``d_fake`` = mean D(sr); Ledig et al. 2017, sec. 2.2)
to the run's ``log`` and to the progress view.

:class:`Rollback` is the divergence guard. After every step the losses must be finite; at
every log the discriminator must not have collapsed to certainty (mean ``D(hr) > 0.99``
and ``D(sr) < 0.01`` for ``patience`` logs in a row — then the generator gets no useful
gradient). Either event sends the run back to its last checkpoint (both networks, both
optimizers, step and data position), multiplies both learning rates by ``lr_factor``
(0.5: a smaller step usually passes the spot that blew up), prints one line, and trains
on; after ``max_rollbacks`` it stops with an :class:`SRLibError`, the last good
checkpoint kept.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import keras

from srlib.errors import SRLibError
from srlib.train.callbacks import RestartFromCheckpoint, RunCallback

__all__ = ["GANLog", "Rollback", "WindowMeans"]


class WindowMeans:
    """Means of a model's Keras ``Mean`` trackers over the steps since the previous call, from their running totals."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, float]] = {}

    def reset(self) -> None:
        """At the start of an epoch, where Keras resets the trackers."""
        self._last = {}

    def take(self, model: keras.Model) -> dict[str, float]:
        now = {m.name: (float(m.total.numpy()), float(m.count.numpy())) for m in model.metrics}
        means = {}
        for name, (total, count) in now.items():
            last_total, last_count = self._last.get(name, (0.0, 0.0))
            means[name] = (total - last_total) / (count - last_count) if count > last_count else float("nan")
        self._last = now
        return means


class GANLog(RunCallback):
    """Every ``log_every`` steps: the window's means into ``meta["log"]`` and to ``progress.update(..., logs=...)``."""

    reports_progress = True

    def __init__(self, log_every: int = 25) -> None:
        super().__init__()
        self.log_every = int(log_every)
        self.windows = WindowMeans()

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.windows.reset()

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        if (batch + 1) % self.log_every:
            return
        step = int(self.meta["step"]) + batch + 1
        record = self.windows.take(self.model)
        for key, value in {"step": step, **record}.items():
            self.meta.setdefault("log", {}).setdefault(key, []).append(value)
        self.progress.update(step, record["loss"], logs=record)

    def summary(self) -> dict[str, Any]:
        return {"log": self.meta.get("log", {})}


class Rollback(RunCallback):
    """Back to the last checkpoint with ``lr_factor`` times the learning rate after NaN/inf losses or a collapse.

    ``collapse=(real_above, fake_below)``: the discriminator counts as certain when mean
    D(hr) > ``real_above`` and mean D(sr) < ``fake_below`` over a log window of
    ``log_every`` steps (:func:`srlib.train.srgan.train_srgan` sets it to its own),
    ``patience`` windows in a row. The model needs an ``lr_factor`` variable
    (:class:`srlib.train.srgan.SRGAN`).
    """

    def __init__(
        self,
        max_rollbacks: int = 3,
        lr_factor: float = 0.5,
        collapse: tuple[float, float] = (0.99, 0.01),
        patience: int = 3,
        log_every: int = 25,
    ) -> None:
        super().__init__()
        self.max_rollbacks, self.factor = int(max_rollbacks), float(lr_factor)
        self.real_above, self.fake_below = (float(v) for v in collapse)
        self.patience, self.log_every = int(patience), int(log_every)
        self.windows = WindowMeans()

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.windows.reset()

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        logs = logs or {}
        step = int(self.meta["step"]) + batch + 1
        bad = [k for k in ("loss", "d_loss") if k in logs and not math.isfinite(float(logs[k]))]
        if bad:
            self._restart(step, f"{bad[0]} became {float(logs[bad[0]])}")
        if (batch + 1) % self.log_every:
            return
        window = self.windows.take(self.model)
        collapsed = window["d_real"] > self.real_above and window["d_fake"] < self.fake_below
        self.meta["collapsed_logs"] = self.meta.get("collapsed_logs", 0) + 1 if collapsed else 0
        if self.meta["collapsed_logs"] >= self.patience:
            reason = f"discriminator certain: D(hr) {window['d_real']:.3f}, D(sr) {window['d_fake']:.3f}"
            self._restart(step, f"{reason} for {self.patience} logs")

    def _restart(self, step: int, reason: str) -> None:
        def adjust(meta: dict, checkpoint: Path) -> None:
            rollbacks = list(meta.get("rollbacks", [])) + [{"step": step, "reason": reason}]
            if len(rollbacks) > self.max_rollbacks:
                raise SRLibError(
                    f"GAN training diverged at step {step} ({reason}) after {len(rollbacks) - 1} rollback(s); the last "
                    f"good checkpoint (step {meta['step']}) is kept in {checkpoint} — lower learning_rate or adv_weight"
                )
            factor = float(self.model.lr_factor.numpy()) * self.factor
            self.model.lr_factor.assign(factor)
            meta.update(rollbacks=rollbacks, collapsed_logs=0)
            self.progress.note(
                f"divergence at step {step} ({reason}): rolled back to step {meta['step']}, learning rate x{factor:g}"
            )

        raise RestartFromCheckpoint(adjust)

    def summary(self) -> dict[str, Any]:
        return {
            "rollbacks": list(self.meta.get("rollbacks", [])),
            "lr_factor": float(self.model.lr_factor.numpy()),
        }
