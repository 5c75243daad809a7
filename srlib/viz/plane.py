"""The perception–distortion plane (Blau & Michaeli, CVPR 2018) with the PIRM 2018 regions.

x is a *distortion* (RMSE on Y, 4 pixels shaved, as the PIRM 2018 challenge
measured it; lower: closer to the HR image pixel by pixel), y a *perceptual*
score (NIQE; lower: more like a natural photograph). Blau & Michaeli prove that
the attainable points lie above a convex, decreasing bound: lowering one moves
you up the other near the bound. The PIRM 2018 challenge (Blau et al., ECCVW 2018,
sec. 2) ranked methods by perceptual quality inside three distortion budgets:
region 1 RMSE <= 11.5, region 2 <= 12.5, region 3 <= 16.

* :func:`pirm_region` says which region an RMSE falls in;
* :func:`plane_figure` draws points, an optional curve (e.g. network interpolation
  from SRResNet to SRGAN) and the regions; :func:`tradeoff_sketch` is the
  schematic of the bound;
* :class:`InterpolationExplorer` (built by :func:`explore_interpolation`) is the
  widget: an alpha slider that shows the SR image of the interpolated model and
  its point on the plane.

How the widget degrades, as :mod:`srlib.viz.compare` does: every picture is
rendered in Python; the display bundle holds the live widget *and* a PNG of the
plane with a few of the images, which nbconvert, papermill and GitHub show.
Stable CSS classes for browser tests: ``srlib-alpha-explorer`` (the widget),
``srlib-alpha-slider``, ``srlib-alpha-image``, ``srlib-alpha-plane``,
``srlib-alpha-caption``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from srlib.errors import SRLibError
from srlib.viz import panels
from srlib.viz.figures import StaticPNGTwin

__all__ = [
    "PIRM_REGIONS",
    "InterpolationExplorer",
    "PlanePoint",
    "as_points",
    "explore_interpolation",
    "pirm_region",
    "plane_figure",
    "tradeoff_sketch",
]

# (region, largest RMSE allowed): the PIRM 2018 challenge's three distortion budgets at x4.
PIRM_REGIONS: tuple[tuple[int, float], ...] = ((1, 11.5), (2, 12.5), (3, 16.0))
_REGION_SHADES = {1: 0.26, 2: 0.16, 3: 0.08}  # darker green: tighter budget
_REGION_COLOUR = "#2e8b57"
_HIGHLIGHT_COLOUR = "#d62728"
PLANE_DPI = 80


def pirm_region(rmse: float) -> int | None:
    """1, 2 or 3: the tightest PIRM 2018 region whose bound ``rmse`` meets (bounds included); None above 16."""
    value = float(rmse)
    if math.isnan(value) or value < 0:
        raise SRLibError(f"pirm_region: rmse={rmse!r} — give a non-negative RMSE (0..255 scale)")
    for region, bound in PIRM_REGIONS:
        if value <= bound:
            return region
    return None


@dataclass(frozen=True)
class PlanePoint:
    """A method on the plane: its label, mean RMSE (Y, 0..255) and mean NIQE."""

    label: str
    rmse: float
    niqe: float


def as_points(points) -> list[PlanePoint]:
    """Points from ``{label: (rmse, niqe)}``, ``PlanePoint`` objects or ``(label, rmse, niqe)`` tuples."""
    if points is None:
        return []
    items = points.items() if isinstance(points, Mapping) else points
    result = []
    for item in items:
        if isinstance(item, PlanePoint):
            point = item
        else:
            try:
                if isinstance(points, Mapping):
                    label, (rmse, niqe) = item
                else:
                    label, rmse, niqe = item
                point = PlanePoint(str(label), float(rmse), float(niqe))
            except (TypeError, ValueError):
                raise SRLibError(
                    f"plane point {item!r} — give {{label: (rmse, niqe)}} or (label, rmse, niqe) tuples"
                ) from None
        if not (math.isfinite(point.rmse) and math.isfinite(point.niqe)):
            raise SRLibError(
                f"plane point {point.label!r} has rmse={point.rmse}, niqe={point.niqe} — both must be finite"
            )
        result.append(point)
    return result


def _curve(curve) -> np.ndarray | None:
    if curve is None:
        return None
    array = np.asarray(curve, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) < 2 or not np.all(np.isfinite(array)):
        raise SRLibError(
            "plane_figure: curve must be two or more finite (rmse, niqe) pairs, e.g. [(9.6, 6.1), (12.0, 3.9)]"
        )
    return array


def _limits(values: list[float], must_show: Sequence[float], pad: float) -> tuple[float, float]:
    low, high = min(values + list(must_show)), max(values + list(must_show))
    span = max(high - low, 1e-6)
    return low - pad * span, high + pad * span


def plane_figure(
    points=None,
    *,
    curve=None,
    curve_label: str = "",
    curve_annotations: Sequence[str] | None = None,
    highlight: tuple[float, float] | None = None,
    title: str = "",
    niqe_label: str = "NIQE",
    ax=None,
    width: float = 6.4,
    height: float = 4.6,
):
    """The perception–distortion plane: the three PIRM regions, labelled points, an optional curve.

    ``points``: see :func:`as_points`. ``curve``: ``(rmse, niqe)`` pairs joined by a line
    (``curve_annotations`` label each, e.g. ``"α=0.3"``; ``""`` leaves a point unlabelled).
    ``highlight``: one ``(rmse, niqe)`` drawn as a red ring (the widget's current point). Draws into ``ax`` if given, else
    into a new Figure, which is returned (it displays as a cell's last value).
    Artists carry ``gid``s for tests: ``pirm-bound-<n>``, ``pirm-region-<n>``,
    ``point:<label>``, ``curve``, ``highlight``.
    """
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    points = as_points(points)
    curve = _curve(curve)
    if curve_annotations is not None and (curve is None or len(curve_annotations) != len(curve)):
        raise SRLibError("plane_figure: curve_annotations needs one label per curve point")
    if not points and curve is None and highlight is None:
        raise SRLibError("plane_figure: nothing to draw — give points={'bicubic': (rmse, niqe)} or a curve")
    if ax is None:
        figure = Figure(figsize=(width, height), dpi=PLANE_DPI, layout="constrained")
        ax = figure.subplots()
    else:
        figure = ax.figure

    xs = [p.rmse for p in points] + ([] if curve is None else list(curve[:, 0]))
    ys = [p.niqe for p in points] + ([] if curve is None else list(curve[:, 1]))
    if highlight is not None:
        xs.append(float(highlight[0]))
        ys.append(float(highlight[1]))
    bounds = [bound for _, bound in PIRM_REGIONS]
    x_low, x_high = _limits(xs, [bounds[0] - 1.0, bounds[-1] + 0.5], 0.06)
    y_low, y_high = _limits(ys, [], 0.18)
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)

    # Region n covers every RMSE up to its bound; shading the bands between bounds darker
    # for tighter budgets makes the nesting visible.
    top_of_axes = blended_transform_factory(ax.transData, ax.transAxes)
    left_edge = x_low
    for region, bound in PIRM_REGIONS:
        ax.axvspan(left_edge, bound, color=_REGION_COLOUR, alpha=_REGION_SHADES[region], lw=0, zorder=0,
                   gid=f"pirm-region-{region}")
        ax.axvline(bound, color=_REGION_COLOUR, lw=1.2, ls="--", zorder=1, gid=f"pirm-bound-{region}")
        ax.text(bound, 0.985, f"R{region}: RMSE ≤ {bound:g} ", transform=top_of_axes, ha="right", va="top",
                fontsize=7.5, color="#1d5e3a", rotation=90)
        left_edge = bound

    if curve is not None:
        ax.plot(curve[:, 0], curve[:, 1], "-o", color="#1f77b4", ms=3.5, lw=1.4, zorder=3,
                label=curve_label or None, gid="curve")
        for (x, y), text in zip(curve, curve_annotations or []):
            if not text:
                continue
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, -9), fontsize=7, color="#1f77b4")
    markers = "sDv^P*Xhp"
    for index, point in enumerate(points):
        ax.scatter([point.rmse], [point.niqe], s=46, marker=markers[index % len(markers)], color="0.15", zorder=4,
                   gid=f"point:{point.label}")
        ax.annotate(point.label, (point.rmse, point.niqe), textcoords="offset points", xytext=(6, 5), fontsize=8.5,
                    zorder=5)
    if highlight is not None:
        ax.scatter([highlight[0]], [highlight[1]], s=170, facecolors="none", edgecolors=_HIGHLIGHT_COLOUR,
                   linewidths=2.2, zorder=6, gid="highlight")

    ax.text(0.01, 0.02, "lower left is better", transform=ax.transAxes, fontsize=8, color="0.35")
    ax.set_xlabel("RMSE on Y, 4-pixel shave (distortion; lower: closer to HR)", fontsize=9)
    ax.set_ylabel(f"{niqe_label} (lower: more natural)", fontsize=9)
    if title:
        ax.set_title(title, fontsize=10)
    if curve_label:
        ax.legend(fontsize=8, loc="center right", framealpha=0.9)
    ax.grid(alpha=0.25, zorder=0)
    return figure


def tradeoff_sketch(width: float = 5.6, height: float = 3.8):
    """Schematic of Blau & Michaeli's bound (CVPR 2018, fig. 1/thm. 1): attainable points lie above a convex,
    decreasing curve; the MSE-optimal estimator sits at its left end, perfect perceptual quality needs more distortion.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=PLANE_DPI, layout="constrained")
    ax = figure.subplots()
    d_min, d_perfect = 1.0, 2.0  # the least distortion possible; the least with perfect perceptual quality
    distortion = np.linspace(d_min, 3.2, 200)
    # Any convex decreasing curve that reaches 0 at d_perfect will do for a sketch.
    bound = np.where(distortion < d_perfect, 1.6 * ((d_perfect - distortion) / (d_perfect - d_min)) ** 2, 0.0)
    ax.fill_between(distortion, 0, bound, color="0.85", zorder=0)
    ax.axvspan(0.0, d_min, color="0.85", zorder=0)
    ax.plot(distortion, bound, color="k", lw=2, gid="bound")
    ax.text(0.12, 0.3, "impossible:\nno estimator\nreaches here", fontsize=8.5, color="0.3")
    ax.text(2.15, 0.9, "attainable", fontsize=9, color="0.3")
    ax.plot([d_min], [1.6], "o", color="#1f77b4")
    ax.annotate("MSE-optimal estimator\n(least distortion, blurry)", (d_min, 1.6), xytext=(1.35, 1.55), fontsize=8,
                arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.plot([d_perfect], [0], "o", color="#d62728", clip_on=False, zorder=5)
    ax.annotate("perfect perceptual quality\n(for MSE: at most twice\nthe least MSE)", (d_perfect, 0),
                xytext=(2.1, 0.4), fontsize=8, arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.set_xlim(0.0, 3.2)
    ax.set_ylim(0, 1.8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("distortion (e.g. MSE against the HR image) →", fontsize=9)
    ax.set_ylabel("perceptual index (distance from\nnatural image statistics) →", fontsize=9)
    ax.set_title("the perception–distortion bound (sketch)", fontsize=10)
    return figure


# --- the alpha widget ----------------------------------------------------------------------------------


def _image_view(css_class: str, use_anywidget: bool):
    from srlib.viz.compare import ImageView

    view = ImageView() if use_anywidget else widgets.Image(value=b"", format="png")
    view.add_class(css_class)
    return view


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
        use_anywidget: bool | None = None,
    ) -> None:
        super().__init__()
        from srlib.viz.compare import HAS_ANYWIDGET

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
        self.crop = None if crop is None else panels.zoom_box(self.images[0].shape,
                                                              (crop[0] + crop[2] // 2, crop[1] + crop[2] // 2, crop[2]))
        self.niqe_label, self.title = niqe_label, title
        self.use_anywidget = HAS_ANYWIDGET if use_anywidget is None else bool(use_anywidget)
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
        self.image_view = _image_view("srlib-alpha-image", self.use_anywidget)
        self.plane_view = _image_view("srlib-alpha-plane", self.use_anywidget)
        self.caption = widgets.HTML().add_class("srlib-alpha-caption")
        self.slider.observe(lambda change: self.refresh(), names="value")
        self.children = [self.slider, self.caption, widgets.HBox([self.image_view, self.plane_view],
                                                                 layout=widgets.Layout(flex_flow="row wrap"))]
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
        return plane_figure(self.references, curve=self.points if len(self.points) > 1 else None,
                            curve_label="interpolated models" if len(self.points) > 1 else "",
                            curve_annotations=annotations if len(self.points) > 1 else None,
                            highlight=self.points[index], niqe_label=self.niqe_label, title=self.title, ax=ax,
                            width=5.2, height=3.9)

    def render_plane(self, index: int | None = None) -> bytes:
        from srlib.viz.figures import figure_png

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
        return (f"<b>α = {self.alphas[index]:g}</b>: RMSE {rmse:.2f}, {html.escape(self.niqe_label)} {niqe:.2f} "
                f"— {where}")

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
        from matplotlib.figure import Figure

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
) -> InterpolationExplorer:
    """The alpha widget: for each precomputed ``alphas[i]``, ``images[i]`` (the SR image) and ``points[i]``
    (its ``(rmse, niqe)``), shown live with a slider in JupyterLab and as a PNG elsewhere.

    ``references``: other methods as ``{label: (rmse, niqe)}`` drawn as fixed points;
    ``crop = (top, left, size)`` shows that square of each image, enlarged; ``ends`` names
    the models at alpha 0 and 1 on the slider; ``start`` is the alpha shown first.
    """
    return InterpolationExplorer(alphas, images, points, references=references, crop=crop, niqe_label=niqe_label,
                                 title=title, start=start, ends=ends)
