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
  schematic of the bound.

The widget that moves a point along such a curve is :mod:`srlib.viz.alpha_widget`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from srlib.errors import SRLibError

__all__ = ["PIRM_REGIONS", "PlanePoint", "as_points", "pirm_region", "plane_figure", "tradeoff_sketch"]

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
    ax: Axes | None = None,
    width: float = 6.4,
    height: float = 4.6,
) -> Figure:
    """The perception–distortion plane: the three PIRM regions, labelled points, an optional curve.

    ``points``: see :func:`as_points`. ``curve``: ``(rmse, niqe)`` pairs joined by a line
    (``curve_annotations`` label each, e.g. ``"α=0.3"``; ``""`` leaves a point unlabelled).
    ``highlight``: one ``(rmse, niqe)`` drawn as a red ring (the widget's current point). Draws into ``ax`` if given, else
    into a new Figure, which is returned (it displays as a cell's last value).
    Artists carry ``gid``s for tests: ``pirm-bound-<n>``, ``pirm-region-<n>``,
    ``point:<label>``, ``curve``, ``highlight``.
    """
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
    _draw_regions(ax, x_low)
    _draw_data(ax, points, curve, curve_label, curve_annotations, highlight)
    ax.text(0.01, 0.02, "lower left is better", transform=ax.transAxes, fontsize=8, color="0.35")
    ax.set_xlabel("RMSE on Y, 4-pixel shave (distortion; lower: closer to HR)", fontsize=9)
    ax.set_ylabel(f"{niqe_label} (lower: more natural)", fontsize=9)
    if title:
        ax.set_title(title, fontsize=10)
    if curve_label:
        ax.legend(fontsize=8, loc="center right", framealpha=0.9)
    ax.grid(alpha=0.25, zorder=0)
    return figure


def _draw_regions(ax: Axes, x_low: float) -> None:
    """The PIRM regions as vertical bands from the left edge of the axes to each bound.

    Region n covers every RMSE up to its bound; shading the bands between bounds darker
    for tighter budgets makes the nesting visible.
    """
    top_of_axes = blended_transform_factory(ax.transData, ax.transAxes)
    left_edge = x_low
    for region, bound in PIRM_REGIONS:
        ax.axvspan(
            left_edge,
            bound,
            color=_REGION_COLOUR,
            alpha=_REGION_SHADES[region],
            lw=0,
            zorder=0,
            gid=f"pirm-region-{region}",
        )
        ax.axvline(bound, color=_REGION_COLOUR, lw=1.2, ls="--", zorder=1, gid=f"pirm-bound-{region}")
        ax.text(
            bound,
            0.985,
            f"R{region}: RMSE ≤ {bound:g} ",
            transform=top_of_axes,
            ha="right",
            va="top",
            fontsize=7.5,
            color="#1d5e3a",
            rotation=90,
        )
        left_edge = bound


def _draw_data(
    ax: Axes,
    points: list[PlanePoint],
    curve: np.ndarray | None,
    curve_label: str,
    curve_annotations: Sequence[str] | None,
    highlight: tuple[float, float] | None,
) -> None:
    """The curve with its labels, the labelled points and the highlight ring."""
    if curve is not None:
        ax.plot(
            curve[:, 0],
            curve[:, 1],
            "-o",
            color="#1f77b4",
            ms=3.5,
            lw=1.4,
            zorder=3,
            label=curve_label or None,
            gid="curve",
        )
        for (x, y), text in zip(curve, curve_annotations or []):
            if not text:
                continue
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, -9), fontsize=7, color="#1f77b4")
    markers = "sDv^P*Xhp"
    for index, point in enumerate(points):
        ax.scatter(
            [point.rmse],
            [point.niqe],
            s=46,
            marker=markers[index % len(markers)],
            color="0.15",
            zorder=4,
            gid=f"point:{point.label}",
        )
        ax.annotate(
            point.label, (point.rmse, point.niqe), textcoords="offset points", xytext=(6, 5), fontsize=8.5, zorder=5
        )
    if highlight is not None:
        ax.scatter(
            [highlight[0]],
            [highlight[1]],
            s=170,
            facecolors="none",
            edgecolors=_HIGHLIGHT_COLOUR,
            linewidths=2.2,
            zorder=6,
            gid="highlight",
        )


def _labelled_point(ax, xy: tuple[float, float], text: str, text_at: tuple[float, float], color: str, **style) -> None:
    """A dot at ``xy`` with ``text`` at ``text_at`` and an arrow to it."""
    ax.plot([xy[0]], [xy[1]], "o", color=color, **style)
    ax.annotate(text, xy, xytext=text_at, fontsize=8, arrowprops={"arrowstyle": "->", "color": "0.3"})


def tradeoff_sketch() -> Figure:
    """Schematic of Blau & Michaeli's bound (CVPR 2018, fig. 1/thm. 1): attainable points lie above a convex,
    decreasing curve; the MSE-optimal estimator sits at its left end, perfect perceptual quality needs more distortion.
    """
    figure = Figure(figsize=(5.6, 3.8), dpi=PLANE_DPI, layout="constrained")
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
    _labelled_point(ax, (d_min, 1.6), "MSE-optimal estimator\n(least distortion, blurry)", (1.35, 1.55), "#1f77b4")
    _labelled_point(
        ax, (d_perfect, 0), "perfect perceptual quality\n(for MSE: at most twice\nthe least MSE)", (2.1, 0.4),
        "#d62728", clip_on=False, zorder=5,
    )  # fmt: skip
    ax.set_xlim(0.0, 3.2)
    ax.set_ylim(0, 1.8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("distortion (e.g. MSE against the HR image) →", fontsize=9)
    ax.set_ylabel("perceptual index (distance from\nnatural image statistics) →", fontsize=9)
    ax.set_title("the perception–distortion bound (sketch)", fontsize=10)
    return figure
