"""Live learning curves for :func:`srlib.train.engine.train`, in JupyterLab or as plain lines.

``train(..., progress=LiveProgress())`` shows one figure that is redrawn in place
(an IPython display handle, so the notebook keeps a single image, not one per
update): the training loss, the validation PSNR with the bicubic baseline when
given, and a validation crop — bicubic, current SR, HR. Without an IPython kernel
(a script, the CLI) it prints the same few plain lines as ``PlainProgress``.

For SRGAN (``srlib.train.srgan.train_srgan(..., progress=LiveProgress())``, Ledig et al.
2017, sec. 3.2) it adds a panel with the discriminator's mean outputs D(real) = D(HR) and
D(fake) = D(SR): near 0.5 both, the two networks are balanced; D(real) -> 1 and D(fake) -> 0,
the discriminator has won and the generator's adversarial gradient fades. Its plain lines
print them as ``D(real)`` and ``D(fake)``. The loss axis names the loss in use
(``loss_label``, which the engine passes to ``start``, e.g. "MSE + 0.001 x adversarial").
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
from IPython import get_ipython
from IPython.display import Image, display
from matplotlib.figure import Figure

from srlib.train.callbacks import PlainProgress, RunStart
from srlib.viz.figures import STATIC_DPI, figure_png

__all__ = ["LiveProgress", "in_notebook", "learning_curve_figure"]

DEFAULT_LOSS_LABEL = "MSE"  # the supervised engine's loss
# How the plain lines name the discriminator's outputs (the records call them d_real/d_fake).
_DISPLAY_NAMES = {"d_real": "D(real)", "d_fake": "D(fake)"}


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, papermill, nbval), where rich display works."""
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _crop_for_display(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=-1)


def learning_curve_figure(
    history: dict[str, list],
    sample: dict[str, np.ndarray] | None = None,
    baseline_psnr: float | None = None,
    running: list[tuple[int, float]] | None = None,
    title: str = "",
    *,
    loss_label: str = DEFAULT_LOSS_LABEL,
    discriminator: list[tuple[int, float, float]] | None = None,
):
    """The figure LiveProgress draws: loss and validation PSNR against steps, and the sample crop.

    ``discriminator``: ``(step, D(real), D(fake))`` points of a GAN run; when given, a
    panel between the PSNR curve and the sample shows them (axes: loss, PSNR, D, sample).
    """
    panels = ["loss", "psnr"] + (["discriminator"] if discriminator else []) + (["sample"] if sample else [])
    figure = Figure(figsize=((3.6 if len(panels) < 4 else 3.2) * len(panels), 2.8), layout="constrained")
    axes = dict(zip(panels, np.atleast_1d(figure.subplots(1, len(panels)))))
    steps = history.get("step", [])
    loss_ax, psnr_ax = axes["loss"], axes["psnr"]
    if running:
        loss_ax.plot(*zip(*running), color="0.7", lw=1, label="running")
    if steps and history.get("loss"):
        loss_ax.plot(steps, history["loss"], "o-", ms=3, label="epoch mean")
    loss_ax.set(xlabel="step", ylabel=f"training loss ({loss_label})", yscale="log")
    if running or steps:
        loss_ax.legend(fontsize=7)
    if steps and history.get("val_psnr"):
        psnr_ax.plot(steps, history["val_psnr"], "o-", ms=3, color="C1", label="model")
    if baseline_psnr is not None:
        psnr_ax.axhline(baseline_psnr, color="0.5", ls="--", lw=1, label=f"bicubic {baseline_psnr:.2f} dB")
        psnr_ax.legend(fontsize=7)
    psnr_ax.set(xlabel="step", ylabel="validation PSNR (dB, Y)")
    if discriminator:
        d_ax = axes["discriminator"]
        d_steps, d_real, d_fake = zip(*discriminator)
        d_ax.plot(d_steps, d_real, ".-", ms=3, color="C2", label="D(real) = mean D(HR)")
        d_ax.plot(d_steps, d_fake, ".-", ms=3, color="C3", label="D(fake) = mean D(SR)")
        d_ax.axhline(0.5, color="0.5", ls=":", lw=1)  # where neither network is ahead
        d_ax.set(xlabel="step", ylabel="discriminator output", ylim=(-0.02, 1.02))
        d_ax.legend(fontsize=7)
    if sample:
        strip = np.concatenate([_crop_for_display(sample[k]) for k in ("bicubic", "sr", "hr")], axis=1)
        axes["sample"].imshow(strip, interpolation="nearest")
        axes["sample"].set_title("bicubic | SR | HR", fontsize=8)
        axes["sample"].set_axis_off()
    if title:
        figure.suptitle(title, fontsize=9)
    return figure


class LiveProgress(PlainProgress):
    """Learning curve and sample updated in place in a notebook; plain lines elsewhere.

    ``baseline_psnr``: the bicubic PSNR on the validation set, drawn as a dashed line
    (by default the one the engine measures at the start).
    ``min_interval``: seconds between redraws of the running loss (validation always redraws).
    ``loss_label``: what the training loss is, for the loss axis (default: the label the
    trainer gives at ``start``, else "MSE"). ``stream``: where headless lines go (stdout).
    """

    def __init__(
        self,
        baseline_psnr: float | None = None,
        min_interval: float = 2.0,
        lines: int = 8,
        live: bool | None = None,
        loss_label: str | None = None,
        stream=None,
    ):
        super().__init__(lines=lines, stream=stream)
        self.baseline_psnr = baseline_psnr
        self.min_interval = float(min_interval)
        self.live = in_notebook() if live is None else bool(live)
        self.loss_label = loss_label
        self.running: list[tuple[int, float]] = []
        # (step, D(real), D(fake)) at every log of a GAN run (srlib.train.gan_callbacks.GANLog passes its records).
        self.running_discriminator: list[tuple[int, float, float]] = []
        self.sample: dict[str, np.ndarray] | None = None
        self._handle = None
        self._last_draw = 0.0
        self._title = ""

    def start(self, run: RunStart) -> None:
        self._title = run.title
        if self.baseline_psnr is None:
            self.baseline_psnr = run.baseline_psnr
        if self.loss_label is None:
            self.loss_label = run.loss_label
        if not self.live:
            super().start(dataclasses.replace(run, baseline_psnr=self.baseline_psnr))
            return
        self.total_steps, self.initial_step = int(run.total_steps), int(run.initial_step)
        self.history = {k: list(v) for k, v in run.history.items()}
        self._draw(force=True)

    def update(self, step: int, loss: float, logs: dict[str, float] | None = None) -> None:
        """The running loss; ``logs`` (a GAN log record) may add D(real) and D(fake)."""
        self.running.append((int(step), float(loss)))
        if logs and "d_real" in logs and "d_fake" in logs:
            self.running_discriminator.append((int(step), float(logs["d_real"]), float(logs["d_fake"])))
        if self.live:
            self._draw()

    def validation(self, step: int, logs: dict[str, float], sample: dict[str, np.ndarray] | None) -> None:
        if sample is not None:
            self.sample = sample
        if not self.live:
            self._plain_validation(step, logs)
            return
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.history.setdefault("step", []).append(step)
        self._draw(force=True)

    def finish(self, summary: dict[str, Any]) -> None:
        if not self.live:
            super().finish(summary)
            return
        self.history = {k: list(v) for k, v in summary.get("history", self.history).items()}
        self._draw(force=True)

    def discriminator_points(self) -> list[tuple[int, float, float]]:
        """``(step, D(real), D(fake))``: every log when the trainer passed them, else every checkpoint record."""
        if self.running_discriminator:
            return list(self.running_discriminator)
        steps, real, fake = (self.history.get(k, []) for k in ("step", "d_real", "d_fake"))
        return list(zip(steps, real, fake)) if len(steps) == len(real) == len(fake) else []

    def figure(self):
        """The current figure (also what a headless run can save or show at the end)."""
        status = f"{self._title}  step {self.history.get('step', [0])[-1] if self.history.get('step') else 0}"
        return learning_curve_figure(
            self.history,
            self.sample,
            self.baseline_psnr,
            self.running,
            status.strip(),
            loss_label=self.loss_label or DEFAULT_LOSS_LABEL,
            discriminator=self.discriminator_points(),
        )

    def _plain_validation(self, step: int, logs: dict[str, float]) -> None:
        """PlainProgress's line, with the discriminator's outputs named D(real) and D(fake)."""
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        if "step" not in logs:  # keep the history's steps, so figure() can draw a headless run at the end
            self.history.setdefault("step", []).append(step)
        if step >= self._next_line or step >= self.total_steps:
            self._next_line = step + self._every
            parts = [f"step {step}/{self.total_steps}"]
            parts += [f"{_DISPLAY_NAMES.get(k, k)} {v:.4g}" for k, v in logs.items() if k != "step"]
            parts.append(f"{time.perf_counter() - self._t0:.0f} s")
            self._print("  ".join(parts))

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        image = Image(data=figure_png(self.figure(), dpi=STATIC_DPI), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
