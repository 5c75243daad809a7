"""The alpha widget of network interpolation: a slider over alpha, the SR image of the blended model, its point on the plane.

Wang et al. (ESRGAN, ECCVW 2018, sec. 3.4) blend the weights of a PSNR-oriented and a
GAN-trained network, ``(1 - alpha) * a + alpha * b``, and sweep alpha to trade distortion
for perceptual quality. The chapter precomputes one SR image and one ``(rmse, niqe)``
point per alpha; :class:`InterpolationExplorer` (built by :func:`explore_interpolation`)
shows them live on :func:`srlib.viz.plane.plane_figure`.

How it degrades, as :mod:`srlib.viz.compare` does: every picture is rendered in Python;
the display bundle holds the live widget *and* a PNG of the plane with a few of the
images, which nbconvert, papermill and GitHub show. Stable CSS classes for browser
tests: ``srlib-alpha-explorer`` (the widget), ``srlib-alpha-slider``,
``srlib-alpha-image``, ``srlib-alpha-plane``, ``srlib-alpha-caption``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from srlib.errors import SRLibError
from srlib.viz import panels
from srlib.viz.compare import ImageView
from srlib.viz.figures import StaticPNGTwin, figure_png
from srlib.viz.plane import PLANE_DPI, as_points, pirm_region, plane_figure

__all__ = ["InterpolationExplorer", "explore_interpolation"]


class InterpolationExplorer(StaticPNGTwin, widgets.VBox):
    """An alpha slider, the SR image of the model interpolated with that alpha, and its point on the plane.

    Everything is precomputed (one image and one ``(rmse, niqe)`` per alpha), so moving
    the slider only swaps cached PNGs. Build it with :func:`explore_interpolation`; the
    tests drive :meth:`select`, :meth:`render_image`, :meth:`render_plane` and
    :meth:`static_png`, which are what the slider's callback and the display use.
    """

    def __init__(
        self,
        alphas: Sequence[float],
        images: Sequence[np.ndarray],
        points: Sequence[tuple[float, float]],
        *,
        references=None,
        crop: tuple[int, int, int] | None = None,
        niqe_label: str = "NIQE",
        title: str = "",
        start: float | None = None,
        ends: tuple[str, str] = ("model a", "model b"),
    ) -> None:
        super().__init__()
        self.alphas = [float(a) for a in alphas]
        if not self.alphas:
            raise SRLibError("explore_interpolation: no alphas — give the alpha of every precomputed image")
        if len(images) != len(self.alphas) or len(points) != len(self.alphas):
            raise SRLibError(
                f"explore_interpolation: {len(self.alphas)} alphas, {len(images)} images and {len(points)} points — "
                "give one image and one (rmse, niqe) per alpha"
            )
        if any(b <= a for a, b in zip(self.alphas, self.alphas[1:])) or not 0 <= self.alphas[0] <= self.alphas[-1] <= 1:
            raise SRLibError(f"explore_interpolation: alphas {self.alphas} — give increasing values in [0, 1]")
        self.images = [panels.normalise_image(image, f"image for alpha={a:g}") for a, image in zip(self.alphas, images)]
        if len({image.shape for image in self.images}) != 1:
            raise SRLibError(
                "explore_interpolation: the images differ in size — give one SR image of the same crop per alpha"
            )
        self.points = [(float(r), float(n)) for r, n in points]
        self.references = as_points(references)
        self.crop = (
            None
            if crop is None
            else panels.zoom_box(self.images[0].shape, (crop[0] + crop[2] // 2, crop[1] + crop[2] // 2, crop[2]))
        )
        self.niqe_label, self.title = niqe_label, title
        self._png_cache: dict[tuple[str, int], bytes] = {}
        self.add_class("srlib-alpha-explorer")

        self.slider = widgets.SelectionSlider(
            options=[(f"{a:.2f}", i) for i, a in enumerate(self.alphas)],
            value=self.index_of(start if start is not None else self.alphas[0]),
            description=f"α (0: {ends[0]}, 1: {ends[1]})",
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        ).add_class("srlib-alpha-slider")
        self.image_view = ImageView().add_class("srlib-alpha-image")
        self.plane_view = ImageView().add_class("srlib-alpha-plane")
        self.caption = widgets.HTML().add_class("srlib-alpha-caption")
        self.slider.observe(lambda change: self.refresh(), names="value")
        self.children = [
            self.slider,
            self.caption,
            widgets.HBox([self.image_view, self.plane_view], layout=widgets.Layout(flex_flow="row wrap")),
        ]
        self.refresh()

    # --- state --------------------------------------------------------------------------------------

    @property
    def index(self) -> int:
        return int(self.slider.value)

    @property
    def alpha(self) -> float:
        return self.alphas[self.index]

    @property
    def current_point(self) -> tuple[float, float]:
        return self.points[self.index]

    def index_of(self, alpha: float) -> int:
        """Index of the precomputed alpha nearest to ``alpha``."""
        return int(np.argmin([abs(a - float(alpha)) for a in self.alphas]))

    def select(self, alpha: float) -> None:
        """Move the slider to the precomputed alpha nearest to ``alpha`` (the widget redraws)."""
        self.slider.value = self.index_of(alpha)

    # --- rendering ----------------------------------------------------------------------------------

    def shown_image(self, index: int) -> np.ndarray:
        """The picture shown for ``index``: the image, or its crop enlarged pixel for pixel."""
        image = panels.to_rgb(self.images[index])
        if self.crop is None:
            return image
        return panels.enlarge_nearest(panels.zoom_crop(image, self.crop), panels.crop_factor(self.crop[2], 288))

    def render_image(self, index: int | None = None) -> bytes:
        index = self.index if index is None else int(index)
        key = ("image", index)
        if key not in self._png_cache:
            self._png_cache[key] = panels.png_bytes(self.shown_image(index))
        return self._png_cache[key]

    def plane(self, index: int | None = None, ax=None):
        """The plane with the whole curve, the reference points and ``index``'s point highlighted."""
        index = self.index if index is None else int(index)
        # Labels on the ends and the current point only: neighbouring alphas often land close together.
        ends = {0, len(self.alphas) - 1, index}
        annotations = [f"α={a:g}" if i in ends else "" for i, a in enumerate(self.alphas)]
        return plane_figure(
            self.references,
            curve=self.points if len(self.points) > 1 else None,
            curve_label="interpolated models" if len(self.points) > 1 else "",
            curve_annotations=annotations if len(self.points) > 1 else None,
            highlight=self.points[index],
            niqe_label=self.niqe_label,
            title=self.title,
            ax=ax,
            width=5.2,
            height=3.9,
        )

    def render_plane(self, index: int | None = None) -> bytes:
        index = self.index if index is None else int(index)
        key = ("plane", index)
        if key not in self._png_cache:
            self._png_cache[key] = figure_png(self.plane(index))
        return self._png_cache[key]

    def caption_html(self, index: int | None = None) -> str:
        index = self.index if index is None else int(index)
        rmse, niqe = self.points[index]
        region = pirm_region(rmse)
        where = f"PIRM region {region}" if region else "outside the PIRM regions"
        return (
            f"<b>α = {self.alphas[index]:g}</b>: RMSE {rmse:.2f}, {html.escape(self.niqe_label)} {niqe:.2f} — {where}"
        )

    def refresh(self) -> None:
        self.image_view.value = self.render_image()
        self.plane_view.value = self.render_plane()
        self.caption.value = self.caption_html()

    # --- static fallback -------------------------------------------------------------------------------

    def static_indices(self, count: int = 4) -> list[int]:
        """The alphas the static picture shows: evenly spread, ends included, the current one among them."""
        chosen = {round(i) for i in np.linspace(0, len(self.alphas) - 1, min(count, len(self.alphas)))}
        chosen.add(self.index)
        return sorted(chosen)

    def static_figure(self):
        """The plane (current alpha highlighted) above the images of a few alphas, as one matplotlib figure."""
        indices = self.static_indices()
        figure = Figure(figsize=(2.4 * max(len(indices), 3), 4.2 + 2.6), dpi=PLANE_DPI, layout="constrained")
        grid = figure.add_gridspec(2, len(indices), height_ratios=[4.2, 2.6])
        self.plane(ax=figure.add_subplot(grid[0, :]))
        for column, index in enumerate(indices):
            ax = figure.add_subplot(grid[1, column])
            ax.imshow(self.shown_image(index), interpolation="nearest")
            rmse, niqe = self.points[index]
            ax.set_title(f"α = {self.alphas[index]:g}\nRMSE {rmse:.2f} · NIQE {niqe:.2f}", fontsize=8.5)
            ax.set_axis_off()
        return figure

    def __repr__(self) -> str:
        return f"InterpolationExplorer(alphas={self.alphas}, shown α={self.alpha:g})"


def explore_interpolation(
    alphas: Sequence[float], images: Sequence[np.ndarray], points: Sequence[tuple[float, float]], **options: Any
) -> InterpolationExplorer:
    """The alpha widget: for each precomputed ``alphas[i]``, ``images[i]`` (the SR image) and ``points[i]``
    (its ``(rmse, niqe)``), shown live with a slider in JupyterLab and as a PNG elsewhere.

    ``options`` are :class:`InterpolationExplorer`'s: ``references`` (other methods as
    ``{label: (rmse, niqe)}``, drawn as fixed points), ``crop = (top, left, size)`` (that square
    of each image, enlarged), ``ends`` (the models at alpha 0 and 1, named on the slider),
    ``start`` (the alpha shown first), ``title`` and ``niqe_label``.
    """
    return InterpolationExplorer(alphas, images, points, **options)
