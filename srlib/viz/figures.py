"""Static matplotlib pictures of a comparison, for runs without a live widget.

``comparison_figure`` draws the same panels, zoom box, crops and scores as
``srlib.compare``; the widget embeds it as ``image/png`` so nbconvert, papermill
and GitHub show a picture. ``show_images`` puts any images side by side;
``mscn_figure`` shows what NIQE measures (MSCN maps and histograms).

Figures are made with ``matplotlib.figure.Figure`` rather than ``pyplot`` so that
building one (for instance inside a widget's repr) never leaves a second copy for
the inline backend to display at the end of the cell.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image
from scipy.special import gamma as gamma_fn

from srlib.errors import SRLibError
from srlib.metrics.niqe import fit_aggd
from srlib.viz import panels

__all__ = ["comparison_figure", "show_images", "mscn_figure", "aggd_density", "figure_png", "STATIC_DPI"]

STATIC_DPI = 80  # small PNGs keep executed notebooks small
PANEL_INCHES = 2.4


def figure_png(figure: Figure, dpi: float | None = None) -> bytes:
    """PNG bytes of a figure at ``dpi`` (default: the figure's), RGB without alpha (about 10% smaller than RGBA)."""
    if dpi is not None:
        figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _hide_ticks(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def comparison_figure(
    images: Mapping[str, np.ndarray],
    hr: str | None = "HR",
    scale: int | None = None,
    zoom: tuple[int, int, int] | None = None,
    *,
    error_map: bool = False,
    scores: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """One column per image: the whole image with the zoom box, then the zoomed crop.

    Titles carry PSNR/SSIM on Y (``scale`` pixels shaved) when ``hr`` names the
    reference; ``error_map=True`` shows ``|Y(SR) - Y(HR)|`` as a heat map instead
    of the pixels. Returns a ``matplotlib.figure.Figure``.
    """
    images = panels.normalise_images(images)
    hr, _, _ = panels.pick_names(images, hr)
    if error_map and hr is None:
        raise SRLibError("error_map=True needs a reference — pass hr='HR' (the name of the HR image)")
    if scores is None and hr is not None:
        scores = panels.score_images(images, hr, scale)
    box = panels.zoom_box(next(iter(images.values())).shape, zoom)
    shown = dict(images)
    vmax = None
    if error_map:
        vmax = panels.error_scale(images, hr)
        shown = {name: panels.heat_map(panels.error_map(img, images[hr]), vmax) for name, img in images.items()}

    height, width = next(iter(images.values())).shape[:2]
    columns = len(shown)
    figure = Figure(
        figsize=(PANEL_INCHES * columns, PANEL_INCHES * (height / width) + PANEL_INCHES + 0.7),
        dpi=STATIC_DPI,
        layout="constrained",
    )
    axes = figure.subplots(2, columns, squeeze=False, height_ratios=[height / width, 1.0])
    top, left, size = box
    for column, (name, image) in enumerate(shown.items()):
        whole, crop = axes[0, column], axes[1, column]
        gray = image.ndim == 2
        whole.imshow(image, cmap="gray" if gray else None, vmin=0, vmax=255)
        whole.add_patch(
            Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor=np.array(panels.BOX_COLOUR) / 255.0)
        )
        crop.imshow(
            panels.zoom_crop(image, box), cmap="gray" if gray else None, vmin=0, vmax=255, interpolation="nearest"
        )
        if name == hr:
            caption = "reference"
        elif scores is not None and name in scores:
            caption = panels.score_label(*scores[name])
        else:
            caption = ""
        whole.set_title(f"{name}\n{caption}" if caption else name, fontsize=9)
        for ax in (whole, crop):
            _hide_ticks(ax)
    axes[1, 0].set_ylabel(f"zoom {size}x{size} at ({top}, {left})", fontsize=8)
    if error_map:
        figure.suptitle(f"error map |Y(SR) - Y(HR)|, colour scale 0..{vmax:.1f} (magma)", fontsize=9)
    return figure


def show_images(
    images: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    *,
    columns: int | None = None,
    width: float = PANEL_INCHES,
) -> Figure:
    """Images side by side with their names as titles, ``columns`` per row; returns the Figure.

    Sizes may differ (LR next to HR): each panel is ``width`` inches wide. The Figure
    displays when it is a cell's last value (or pass it to ``display``).
    """
    if not isinstance(images, Mapping):
        images = {str(i): image for i, image in enumerate(images)}
    if not images:
        raise SRLibError("show_images: no images given — pass a dict such as {'LR': lr, 'HR': hr}")
    arrays = {name: panels.normalise_image(image, name) for name, image in images.items()}
    count = len(arrays)
    columns = min(columns or count, count)
    rows = -(-count // columns)
    ratio = max(a.shape[0] / a.shape[1] for a in arrays.values())
    figure = Figure(figsize=(width * columns, (width * ratio + 0.35) * rows), dpi=STATIC_DPI, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, (name, image) in zip(axes.ravel(), arrays.items()):
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest")
        ax.set_title(f"{name} ({image.shape[0]}x{image.shape[1]})", fontsize=9)
    return figure


def aggd_density(x: np.ndarray, alpha: float, beta_left: float, beta_right: float) -> np.ndarray:
    """The asymmetric generalised Gaussian NIQE fits (Mittal et al. 2013, sec. II-C, eq. 5); alpha = 2 is Gaussian."""
    x = np.asarray(x, dtype=np.float64)
    beta = np.where(x < 0, beta_left, beta_right)
    return alpha / ((beta_left + beta_right) * gamma_fn(1 / alpha)) * np.exp(-((np.abs(x) / beta) ** alpha))


def mscn_figure(
    coefficients: Mapping[str, np.ndarray],
    *,
    crop: tuple[int, int, int] | None = None,
    limit: float = 3.0,
    width: float = PANEL_INCHES,
) -> Figure:
    """What NIQE measures: per image, a map of its MSCN coefficients and their histogram against the fitted AGGD.

    ``coefficients`` maps a name to an MSCN plane (``srlib.metrics.niqe.mscn`` or the learner's own);
    ``crop`` ``(top, left, size)`` picks the square the maps show (the histograms use the whole plane).
    The first entry's fitted curve is drawn dashed in every panel, as the reference.
    """
    if not coefficients:
        raise SRLibError("mscn_figure: no coefficients given — pass a dict such as {'HR': mscn(y_hr)[0]}")
    planes = {name: np.asarray(plane, dtype=np.float64) for name, plane in coefficients.items()}
    if any(plane.ndim != 2 for plane in planes.values()):
        raise SRLibError("mscn_figure: each MSCN plane must be 2-D (H, W) — pass the coefficients of the Y channel")
    fits = {name: [float(v[0]) for v in fit_aggd(plane.reshape(1, -1))] for name, plane in planes.items()}
    x = np.linspace(-limit, limit, 301)
    reference_name, reference = next(iter(fits.items()))
    figure = Figure(figsize=(width * len(planes), width * 1.9), dpi=STATIC_DPI, layout="constrained")
    axes = figure.subplots(2, len(planes), squeeze=False)
    for column, (name, plane) in enumerate(planes.items()):
        top, left, size = crop or (0, 0, min(plane.shape))
        axes[0, column].imshow(plane[top : top + size, left : left + size], cmap="gray", vmin=-limit, vmax=limit)
        axes[0, column].set_title(name, fontsize=9)
        _hide_ticks(axes[0, column])
        ax = axes[1, column]
        ax.hist(plane.ravel(), bins=120, range=(-limit, limit), density=True, color="0.75")
        alpha, beta_left, beta_right = fits[name]
        ax.plot(x, aggd_density(x, *fits[name]), color="C3", label=f"fit: shape {alpha:.2f}")
        if column:
            ax.plot(x, aggd_density(x, *reference), "k--", lw=0.8, label=reference_name)
        ax.set_xlabel("MSCN coefficient", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper right")
    peak = max(float(aggd_density(x, *fit).max()) for fit in fits.values())
    for ax in axes[1]:
        ax.set_ylim(0, 1.3 * peak)  # one scale for all; a spike of exact zeros (flat areas) may leave the frame
    axes[1, 0].set_ylabel("density", fontsize=8)
    return figure


class StaticPNGTwin:
    """Mixin for a widget class with a ``static_figure()``: its display carries a PNG of that figure too.

    JupyterLab shows the live widget; nbconvert, GitHub and papermill outputs, which cannot run widgets,
    show the PNG, so a saved or exported notebook still has the picture.
    """

    def static_png(self) -> bytes:
        return figure_png(self.static_figure())

    def _repr_mimebundle_(self, **kwargs):
        """The live widget view plus a PNG for front ends without widgets (nbconvert, GitHub)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        data = dict(data)
        data["image/png"] = base64.b64encode(self.static_png()).decode("ascii")
        return (data, metadata) if metadata else data
