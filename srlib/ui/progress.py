"""Live learning curves for :func:`srlib.train.engine.train`, in JupyterLab or as plain lines.

``train(..., progress=LiveProgress())`` shows one figure that is redrawn in place
(an IPython display handle, so the notebook keeps a single image, not one per
update): the training loss, the validation PSNR with the bicubic baseline when
given, and a validation crop — bicubic, current SR, HR. Without an IPython kernel
(a script, the CLI) it prints the same few plain lines as ``PlainProgress``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from srlib.train.callbacks import PlainProgress

__all__ = ["LiveProgress", "in_notebook", "learning_curve_figure"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, papermill, nbval), where rich display works."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
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
):
    """The figure LiveProgress draws: loss and validation PSNR against steps, and the sample crop."""
    from matplotlib.figure import Figure

    columns = 3 if sample else 2
    figure = Figure(figsize=(3.6 * columns, 2.8), layout="constrained")
    axes = figure.subplots(1, columns)
    steps = history.get("step", [])
    loss_ax, psnr_ax = axes[0], axes[1]
    if running:
        loss_ax.plot(*zip(*running), color="0.7", lw=1, label="running")
    if steps and history.get("loss"):
        loss_ax.plot(steps, history["loss"], "o-", ms=3, label="epoch mean")
    loss_ax.set(xlabel="step", ylabel="training loss (MSE)", yscale="log")
    if running or steps:
        loss_ax.legend(fontsize=7)
    if steps and history.get("val_psnr"):
        psnr_ax.plot(steps, history["val_psnr"], "o-", ms=3, color="C1", label="model")
    if baseline_psnr is not None:
        psnr_ax.axhline(baseline_psnr, color="0.5", ls="--", lw=1, label=f"bicubic {baseline_psnr:.2f} dB")
        psnr_ax.legend(fontsize=7)
    psnr_ax.set(xlabel="step", ylabel="validation PSNR (dB, Y)")
    if sample:
        strip = np.concatenate([_crop_for_display(sample[k]) for k in ("bicubic", "sr", "hr")], axis=1)
        axes[2].imshow(strip, interpolation="nearest")
        axes[2].set_title("bicubic | SR | HR", fontsize=8)
        axes[2].set_axis_off()
    if title:
        figure.suptitle(title, fontsize=9)
    return figure


class LiveProgress(PlainProgress):
    """Learning curve and sample updated in place in a notebook; plain lines elsewhere.

    ``baseline_psnr``: the bicubic PSNR on the validation set, drawn as a dashed line
    (by default the one the engine measures at the start).
    ``min_interval``: seconds between redraws of the running loss (validation always redraws).
    """

    def __init__(self, baseline_psnr: float | None = None, min_interval: float = 2.0, lines: int = 8, live: bool | None = None):
        super().__init__(lines=lines)
        self.baseline_psnr = baseline_psnr
        self.min_interval = float(min_interval)
        self.live = in_notebook() if live is None else bool(live)
        self.running: list[tuple[int, float]] = []
        self.sample: dict[str, np.ndarray] | None = None
        self._handle = None
        self._last_draw = 0.0
        self._title = ""

    def start(
        self,
        total_steps: int,
        initial_step: int,
        history: dict[str, list],
        title: str = "",
        baseline_psnr: float | None = None,
    ) -> None:
        self._title = title
        if self.baseline_psnr is None:
            self.baseline_psnr = baseline_psnr
        if not self.live:
            super().start(total_steps, initial_step, history, title, baseline_psnr=self.baseline_psnr)
            return
        self.total_steps, self.initial_step = int(total_steps), int(initial_step)
        self.history = {k: list(v) for k, v in history.items()}
        self._draw(force=True)

    def update(self, step: int, loss: float) -> None:
        self.running.append((int(step), float(loss)))
        if self.live:
            self._draw()

    def validation(self, step: int, logs: dict[str, float], sample: dict[str, np.ndarray] | None) -> None:
        if sample is not None:
            self.sample = sample
        if not self.live:
            super().validation(step, logs, sample)
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

    def figure(self):
        """The current figure (also what a headless run can save or show at the end)."""
        status = f"{self._title}  step {self.history.get('step', [0])[-1] if self.history.get('step') else 0}"
        return learning_curve_figure(self.history, self.sample, self.baseline_psnr, self.running, status.strip())

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        from IPython.display import Image, display

        from srlib.ui.figures import STATIC_DPI, figure_png

        image = Image(data=figure_png(self.figure(), dpi=STATIC_DPI), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
