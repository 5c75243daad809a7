"""The course leaderboard: every chapter's models on one figure, PSNR against cost and against time.

Each chapter adds the learner's models (``add(measure(model, ...))``) and shows the board
(``show(scale)``): the learner's own results of earlier chapters are there too, read from a
small JSON file in the runs folder, one per profile, so chapter 02's figure has chapter 01's
SRCNN on it. The shipped models join with :func:`shipped_entries`. Every PSNR is measured on
the validation split (``BSD200-val``; a chapter running offline names its fallback set in
``data``), the set checkpoints are chosen on, never on a test set. Cost is the network's
GFLOPs per output megapixel (:mod:`srlib.models.complexity`), time its measured
milliseconds per output megapixel on this machine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from srlib.errors import SRLibError
from srlib.eval.protocol import bicubic_upscaler, evaluate_model, make_lr
from srlib.files import atomic_write_json
from srlib.image.crop import modcrop
from srlib.infer.upscaler import upscaler_for
from srlib.models.complexity import flops_per_output_pixel
from srlib.models.zoo import pretrained
from srlib.profiles import check_profile
from srlib.train.runs import runs_root

__all__ = ["Entry", "measure", "add", "entries", "shipped_entries", "bicubic_psnr", "figure", "board_path"]

# The shipped models a chapter compares with, by scale.
SHIPPED = {2: ("fsrcnn",), 3: ("srcnn-9-5-5", "fsrcnn", "espcn"), 4: ("fsrcnn", "srresnet", "srgan")}


@dataclass(frozen=True)
class Entry:
    """One model on the board."""

    label: str  # what the legend says, e.g. "your SRCNN 9-5-5"
    chapter: str  # "01"
    scale: int
    val_psnr: float  # dB, Y channel, on ``data``
    data: str  # the validation set measured on
    gflops_per_mp: float  # GFLOPs per output megapixel
    ms_per_mp: float  # measured milliseconds per output megapixel on this machine
    learner: bool = True  # the learner's model (filled marker) or a shipped one (hollow)
    train_seconds: float | None = None


def board_path(profile: str) -> Path:
    """The board of ``profile``: ``$SRLIB_RUNS/leaderboard-<profile>.json``."""
    return runs_root() / f"leaderboard-{check_profile(profile)}.json"


def _ms_per_megapixel(upscaler, lr: np.ndarray, repeats: int = 2) -> float:
    upscaler(lr)  # the first call traces the network
    started = time.perf_counter()
    for _ in range(repeats):
        sr = upscaler(lr)
    seconds = (time.perf_counter() - started) / repeats
    return 1000.0 * seconds / (sr.shape[0] * sr.shape[1] / 1e6)


def measure(
    model,
    label: str,
    chapter: str,
    scale: int,
    val_images: Sequence[tuple[str, np.ndarray]],
    *,
    data: str,
    learner: bool = True,
    train_seconds: float | None = None,
) -> Entry:
    """Measure ``model`` (a Keras model or a shipped name) for the board: validation PSNR, cost, time."""
    upscaler = upscaler_for(model, scale)
    psnr = evaluate_model(upscaler, val_images, scale, metrics=("psnr",)).mean("psnr")
    lr = make_lr(modcrop(val_images[0][1], scale), scale)
    flops = flops_per_output_pixel(upscaler.model) * 1e6 / 1e9
    return Entry(
        label, str(chapter), int(scale), float(psnr), data, float(flops), _ms_per_megapixel(upscaler, lr),
        learner, train_seconds,
    )  # fmt: skip


def bicubic_psnr(scale: int, val_images: Sequence[tuple[str, np.ndarray]]) -> float:
    """Bicubic's PSNR on the same images: the line every model must clear."""
    return float(evaluate_model(bicubic_upscaler(scale), val_images, scale, metrics=("psnr",)).mean("psnr"))


def _read(path: Path) -> list[Entry]:
    if not path.is_file():
        return []
    try:
        return [Entry(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
    except (json.JSONDecodeError, TypeError) as exc:
        raise SRLibError(
            f"the leaderboard {path} is damaged ({exc}) — delete it; the chapters write it again"
        ) from None


def add(entry: Entry, profile: str) -> list[Entry]:
    """Put ``entry`` on ``profile``'s board (replacing one with the same label, chapter and scale); the board."""
    path = board_path(profile)
    board = [e for e in _read(path) if (e.label, e.chapter, e.scale) != (entry.label, entry.chapter, entry.scale)]
    board.append(entry)
    atomic_write_json(path, [asdict(e) for e in board], indent=1)
    return board


def entries(profile: str, scale: int | None = None, data: str | None = None) -> list[Entry]:
    """The board of ``profile``, optionally only one scale and one validation set."""
    return [
        e
        for e in _read(board_path(profile))
        if (scale is None or e.scale == scale) and (data is None or e.data == data)
    ]


def shipped_entries(scale: int, val_images: Sequence[tuple[str, np.ndarray]], *, data: str) -> list[Entry]:
    """The shipped models at ``scale``, measured now on ``val_images``."""
    return [
        measure(pretrained(name, scale), f"shipped {name}", "shipped", scale, val_images, data=data, learner=False)
        for name in SHIPPED.get(int(scale), ())
    ]


def figure(board: Sequence[Entry], bicubic: float | None = None, title: str = "") -> Figure:
    """Two panels: validation PSNR against GFLOPs per megapixel and against ms per megapixel (log axes)."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    colours = {}
    for entry in board:
        colour = colours.setdefault(entry.chapter, f"C{len(colours)}")
        for ax, x in zip(axes, (entry.gflops_per_mp, entry.ms_per_mp)):
            ax.scatter(
                [x], [entry.val_psnr], s=60, marker="o" if entry.learner else "s",
                facecolors=colour if entry.learner else "none", edgecolors=colour, zorder=3,
            )  # fmt: skip
            ax.annotate(entry.label, (x, entry.val_psnr), xytext=(5, 4), textcoords="offset points", fontsize=8)
    for ax, label in zip(axes, ("GFLOPs per output megapixel (log)", "ms per output megapixel on this CPU (log)")):
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # a narrow log range would label every minor tick
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
        if bicubic is not None:
            ax.axhline(bicubic, color="0.5", ls="--", lw=1)
            ax.text(0.01, bicubic, " bicubic", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8, color="0.4")
    data = sorted({e.data for e in board})
    axes[0].set_ylabel(f"PSNR (dB, Y) on {', '.join(data) or 'validation'}")
    fig.suptitle(title or "Course leaderboard: filled = your models, hollow = shipped; up and left is better")
    return fig
