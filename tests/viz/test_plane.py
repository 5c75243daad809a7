"""The perception–distortion plane, the alpha widget and the PIRM-style scores, without a browser.

The widget's slider callback is one line calling ``refresh``; these tests move the
real slider (its observer fires) and decode the PNG bytes the front end would show.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from srlib.errors import SRLibError
from srlib.eval.pirm import plane_scores
from srlib.eval.protocol import bicubic_upscaler, make_lr
from srlib.image import imresize, modcrop, shave
from srlib.metrics import niqe, rmse_y
from srlib.viz.alpha_widget import InterpolationExplorer, explore_interpolation
from srlib.viz.plane import PIRM_REGIONS, PlanePoint, as_points, pirm_region, plane_figure, tradeoff_sketch

POINTS = {"bicubic": (12.9, 6.8), "SRResNet": (9.7, 5.9), "SRGAN": (12.2, 3.4)}


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _artist(figure, gid):
    found = [a for ax in figure.axes for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, (gid, found)
    return found[0]


@pytest.mark.parametrize(
    "rmse,region", [(0.0, 1), (9.7, 1), (11.5, 1), (11.5001, 2), (12.5, 2), (12.51, 3), (16.0, 3), (16.01, None)]
)
def test_pirm_region_bounds_are_inclusive(rmse, region):
    assert pirm_region(rmse) == region


@pytest.mark.parametrize("rmse", [-1.0, float("nan")])
def test_pirm_region_refuses_impossible_rmse(rmse):
    with pytest.raises(SRLibError, match="rmse"):
        pirm_region(rmse)


def test_figure_draws_the_three_pirm_bounds_and_bands():
    figure = plane_figure(POINTS)
    for region, bound in PIRM_REGIONS:
        line = _artist(figure, f"pirm-bound-{region}")
        assert list(line.get_xdata()) == [bound, bound]
        _artist(figure, f"pirm-region-{region}")
    assert [bound for _, bound in PIRM_REGIONS] == [11.5, 12.5, 16.0]
    low, high = figure.axes[0].get_xlim()
    assert low < 11.5 and high > 16.0  # all three boundaries visible


def test_points_sit_at_their_coordinates_with_labels():
    figure = plane_figure(
        POINTS,
        curve=[(9.7, 5.9), (10.5, 4.6), (12.2, 3.4)],
        curve_annotations=["α=0", "α=0.5", "α=1"],
        highlight=(10.5, 4.6),
    )
    for label, (rmse, niqe_value) in POINTS.items():
        offsets = _artist(figure, f"point:{label}").get_offsets()
        np.testing.assert_allclose(offsets, [[rmse, niqe_value]])
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert set(POINTS) <= set(texts) and "α=0.5" in texts
    np.testing.assert_allclose(_artist(figure, "curve").get_xydata(), [[9.7, 5.9], [10.5, 4.6], [12.2, 3.4]])
    np.testing.assert_allclose(_artist(figure, "highlight").get_offsets(), [[10.5, 4.6]])
    low, high = figure.axes[0].get_ylim()
    assert low < 3.4 and high > 6.8


def test_points_accept_tuples_and_planepoints_and_refuse_garbage():
    assert as_points([("a", 1, 2)]) == [PlanePoint("a", 1.0, 2.0)] == as_points({"a": (1, 2)})
    assert as_points([PlanePoint("b", 3, 4)]) == [PlanePoint("b", 3.0, 4.0)]
    with pytest.raises(SRLibError, match="label"):
        as_points({"a": 5})
    with pytest.raises(SRLibError, match="finite"):
        as_points({"a": (float("nan"), 2)})
    with pytest.raises(SRLibError, match="nothing to draw"):
        plane_figure({})
    with pytest.raises(SRLibError, match="curve"):
        plane_figure(POINTS, curve=[(1, 2)])


def test_tradeoff_sketch_draws_a_decreasing_convex_bound():
    line = _artist(tradeoff_sketch(), "bound")
    y = np.asarray(line.get_ydata())
    assert np.all(np.diff(y) <= 1e-12) and np.all(np.diff(y, 2) >= -1e-9)


# --- the widget -------------------------------------------------------------------------------------------


ALPHAS = [0.0, 0.5, 1.0]
CURVE = [(9.7, 5.9), (10.6, 4.4), (12.2, 3.4)]


@pytest.fixture(scope="module")
def alpha_images():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    # Three visibly different images, one per alpha.
    return [base, np.clip(base.astype(int) + 60, 0, 255).astype(np.uint8), 255 - base]


def test_slider_changes_the_shown_image_and_point(alpha_images):
    widget = explore_interpolation(ALPHAS, alpha_images, CURVE, references=POINTS)
    assert isinstance(widget, InterpolationExplorer)
    assert widget.alpha == 0.0 and widget.current_point == CURVE[0]
    np.testing.assert_array_equal(_decode(widget.image_view.value), alpha_images[0])
    first_plane = widget.plane_view.value
    assert "α = 0</b>" in widget.caption.value and "region 1" in widget.caption.value

    widget.slider.value = 2  # what dragging the slider does; the observer redraws
    assert widget.alpha == 1.0 and widget.current_point == CURVE[2]
    np.testing.assert_array_equal(_decode(widget.image_view.value), alpha_images[2])
    assert widget.plane_view.value != first_plane
    assert "RMSE 12.20" in widget.caption.value and "region 2" in widget.caption.value

    widget.select(0.45)  # nearest precomputed alpha
    assert widget.alpha == 0.5
    np.testing.assert_array_equal(_decode(widget.image_view.value), alpha_images[1])


def test_plane_of_each_alpha_highlights_its_own_point(alpha_images):
    widget = explore_interpolation(ALPHAS, alpha_images, CURVE, references=POINTS)
    for index, point in enumerate(CURVE):
        figure = widget.plane(index)
        np.testing.assert_allclose(_artist(figure, "highlight").get_offsets(), [point])
        np.testing.assert_allclose(_artist(figure, "curve").get_xydata(), CURVE)
        _artist(figure, "point:SRGAN")
        labels = {t.get_text() for t in figure.axes[0].texts if t.get_text().startswith("α=")}
        assert labels == {"α=0", "α=1", f"α={ALPHAS[index]:g}"}  # the ends and the current point only


def test_crop_is_enlarged_pixel_for_pixel(alpha_images):
    widget = explore_interpolation(ALPHAS, alpha_images, CURVE, crop=(2, 3, 8))
    shown = _decode(widget.image_view.value)
    factor = shown.shape[0] // 8
    assert shown.shape == (8 * factor, 8 * factor, 3) and factor > 1
    np.testing.assert_array_equal(shown[::factor, ::factor], alpha_images[0][2:10, 3:11])


def test_mimebundle_holds_live_widget_and_static_png(alpha_images):
    widget = explore_interpolation(ALPHAS, alpha_images, CURVE, references=POINTS, start=0.5)
    assert widget.alpha == 0.5
    data = widget._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "application/vnd.jupyter.widget-view+json" in data
    picture = _decode(base64.b64decode(data["image/png"]))
    assert picture.shape[0] > 200 and picture.shape[1] > 300
    figure = widget.static_figure()
    assert len(figure.axes) == 1 + len(widget.static_indices()) and 1 in widget.static_indices()


@pytest.mark.parametrize(
    "alphas,images,points,words",
    [
        ([], [], [], "no alphas"),
        ([0.0, 1.0], "two", CURVE[:2], "images"),
        ([0.0, 1.0], None, CURVE, "one image"),
        ([0.5, 0.2], None, CURVE[:2], "increasing"),
        ([0.0, 1.5], None, CURVE[:2], "increasing"),
    ],
)
def test_bad_widget_inputs_raise_one_line_errors(alpha_images, alphas, images, points, words):
    images = alpha_images[: len(alphas)] if images is None else images
    with pytest.raises(SRLibError) as caught:
        explore_interpolation(alphas, images, points)
    assert words in str(caught.value) and "\n" not in str(caught.value)


# --- PIRM-style scores --------------------------------------------------------------------------------------


def _photo(seed: int, shape=(212, 204)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    base = np.stack([np.sin(x / 7.0) * 60, np.cos(y / 5.0) * 50, np.sin((x + y) / 9.0) * 40], axis=-1) + 120
    return np.clip(base + rng.normal(0, 18, (*shape, 3)), 0, 255).astype(np.uint8)


def test_plane_scores_match_rmse_and_niqe_of_the_shaved_images():
    images = [("one", _photo(1)), ("two", _photo(2))]
    scores = plane_scores(bicubic_upscaler(4), images, 4, keep=["two"])
    expected_rmse, expected_niqe = [], []
    for _, image in images:
        hr = modcrop(image, 4)
        sr = imresize(make_lr(hr, 4), 4)
        expected_rmse.append(rmse_y(sr, hr, 4))
        expected_niqe.append(niqe(shave(sr, 4)))
    assert scores.names == ["one", "two"]
    np.testing.assert_allclose(scores.rmse_per_image, expected_rmse)
    np.testing.assert_allclose(scores.niqe_per_image["srlib"], expected_niqe)
    assert scores.point() == pytest.approx((np.mean(expected_rmse), np.mean(expected_niqe)))
    assert list(scores.sr) == ["two"] and scores.sr["two"].shape == modcrop(images[1][1], 4).shape


def test_plane_scores_with_two_pristine_models(tmp_path):
    from srlib.metrics.niqe import DEFAULT_PRISTINE, load_pristine

    mu, cov = load_pristine()
    other = tmp_path / "other.npz"
    np.savez(other, mu_pris_param=mu[None] * 1.05, cov_pris_param=cov)
    pristine = {"srlib": DEFAULT_PRISTINE, "other": other}
    scores = plane_scores(bicubic_upscaler(4), [("one", _photo(3))], 4, pristine=pristine)
    assert set(scores.niqe_per_image) == {"srlib", "other"}
    assert scores.niqe("srlib") != scores.niqe("other")
    assert scores.niqe() == scores.niqe("srlib")
    with pytest.raises(SRLibError, match="measured: srlib, other"):
        scores.niqe("official")


def test_plane_scores_refuse_wrong_sizes_and_empty_sets():
    with pytest.raises(SRLibError, match="x4 model"):
        plane_scores(lambda lr: lr, [("one", _photo(4))], 4)
    with pytest.raises(SRLibError, match="no images"):
        plane_scores(bicubic_upscaler(4), [], 4)
