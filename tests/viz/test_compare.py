"""srlib.compare and its static twin, driven without a browser.

The widget's callbacks are one-liners calling Comparison methods; these tests
call the same methods (or set the controls, which fires the real observers)
and decode the PNG bytes the front end would show.
"""

from __future__ import annotations

import base64
import datetime
import io

import numpy as np
import pytest
from PIL import Image

import srlib
from srlib.errors import SRLibError
from srlib.metrics import psnr_y, ssim_y
from srlib.viz import panels
from srlib.viz.compare import Comparison, ImageView, compare, comparison_for_upload
from srlib.viz.figures import comparison_figure, figure_png, show_images

H, W = 48, 64


def _photo(seed: int) -> np.ndarray:
    """A smooth colour picture with some texture (so PSNR/SSIM are finite and differ)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W]
    base = np.stack([x * 3, y * 4, (x + y) * 2], axis=-1).astype(np.float64)
    return np.clip(base + rng.normal(0, 12, (H, W, 3)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def trio() -> dict[str, np.ndarray]:
    hr = _photo(0)
    return {"Bicubic": srlib.imresize(srlib.imresize(hr, 1 / 2), 2), "Noisy": _photo(1), "HR": hr}


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _png_file(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(array)
    if mode:
        image = image.convert(mode)
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _one_line(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


# --- building --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3, 4])
@pytest.mark.parametrize("with_hr", [True, False])
def test_widget_builds_for_two_to_four_images(trio, count, with_hr):
    names = ["A", "B", "C", "HR"][-count:]
    images = {name: _photo(i) for i, name in enumerate(names)}
    widget = compare(images, hr="HR" if with_hr else None, scale=2)
    assert isinstance(widget, Comparison)
    assert list(widget.left_picker.options) == names
    assert len(widget.crops.children) == count
    assert widget.swipe_view.value.startswith(b"\x89PNG")
    assert widget.left_picker.value != widget.right_picker.value
    assert widget.error_toggle.disabled is (not with_hr)
    assert set(widget.scores) == (set(names) - {"HR"} if with_hr else set())
    assert "srlib-compare" in widget._dom_classes
    assert "srlib-swipe-slider" in widget.swipe_slider._dom_classes
    assert "srlib-swipe-view" in widget.swipe_view._dom_classes


def test_default_left_is_baseline_and_right_is_last_result(trio):
    widget = compare(trio, scale=2)
    assert (widget.left_picker.value, widget.right_picker.value) == ("Bicubic", "Noisy")
    widget = compare({"Bicubic": trio["Bicubic"], "HR": trio["HR"]})
    assert (widget.left_picker.value, widget.right_picker.value) == ("Bicubic", "HR")


def test_float_and_gray_inputs_are_normalised(trio):
    hr = trio["HR"]
    unit = hr / 255.0
    assert np.array_equal(panels.normalise_image(unit), hr)
    assert np.array_equal(panels.normalise_image(hr.astype(np.float32)), hr)
    assert np.array_equal(panels.normalise_image(unit[None]), hr)  # a model's batch of one
    gray = hr[..., 0]
    widget = compare({"SR": gray[..., None] / 255.0, "HR": gray})
    assert widget.images["SR"].shape == (H, W)
    assert _decode(widget.swipe_view.value).shape == (H, W, 3)
    assert widget.scores["SR"][0] == float("inf")


def test_front_end_module_ships_with_the_package():
    view = ImageView()
    assert "export default" in view._esm and "model.save_changes" in view._esm
    assert ".srlib-zoom-crop" in view._css


# --- swipe -----------------------------------------------------------------------------


def test_moving_the_swipe_slider_changes_the_rendered_image(trio):
    widget = compare(trio, scale=2, left="Bicubic", right="HR")
    before = widget.swipe_view.value
    widget.swipe_slider.value = 10  # fires the real observer
    after = widget.swipe_view.value
    assert after != before
    shown = _decode(after)
    top, left, size = widget.box
    outside_box = np.ones((H, W), dtype=bool)
    outside_box[top : top + size, left : left + size] = False
    assert np.array_equal(shown[:, :10][outside_box[:, :10]], trio["Bicubic"][:, :10][outside_box[:, :10]])
    assert np.array_equal(shown[:, 11:][outside_box[:, 11:]], trio["HR"][:, 11:][outside_box[:, 11:]])
    assert (shown[:, 10] == panels.SPLIT_COLOUR).all()


def test_small_pictures_are_enlarged_and_the_slider_spans_them(trio):
    widget = compare(trio)
    assert widget.display_scale == 384 // W
    assert widget.swipe_view.display_scale == 384 // W
    # The slider's track (its width less the padding on both sides) lies over the picture.
    assert widget.swipe_slider.layout.width == f"{W * (384 // W) + 12}px"
    assert compare({"HR": np.zeros((20, 400, 3), np.uint8)}).display_scale == 1


def test_swipe_dropdowns_choose_the_two_images(trio):
    widget = compare(trio, scale=2)
    widget.left_picker.value, widget.right_picker.value = "HR", "Noisy"
    swiped = panels.swipe_image(trio["HR"], trio["Noisy"], widget.swipe_slider.value)
    expected = panels.draw_overview(swiped, widget.swipe_slider.value, widget.box)
    assert np.array_equal(_decode(widget.swipe_view.value), expected)
    assert "HR" in widget.caption.value and "Noisy" in widget.caption.value


# --- zoom ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zoom", "box"),
    [((24, 32, 16), (16, 24, 16)), ((0, 0, 10), (0, 0, 10)), ((47, 63, 20), (28, 44, 20)), ((5, 5, 100), (0, 0, 48))],
)
def test_zoom_box_is_kept_inside_the_image(zoom, box):
    assert panels.zoom_box((H, W), zoom) == box


def test_zoom_crops_match_numpy_slicing(trio):
    widget = compare(trio, scale=2, zoom=(20, 50, 12))
    top, left, size = widget.box
    assert (top, left, size) == (14, 44, 12)
    factor = panels.crop_factor(size)
    assert factor == 16
    for name, png in widget.render_crops().items():
        crop = _decode(png)
        expected = trio[name][14:26, 44:56]
        assert crop.shape == (12 * factor, 12 * factor, 3)
        assert np.array_equal(crop[::factor, ::factor], expected)
        assert np.array_equal(crop, np.repeat(np.repeat(expected, factor, 0), factor, 1))
    # What the crop views show is what render_crops made.
    assert widget._panels["HR"][1].value == widget.render_crops()["HR"]


def test_click_and_sliders_move_the_zoom_box(trio):
    widget = compare(trio, scale=2, zoom=(20, 50, 12))
    widget.zoom_at(40, 3)  # what a click on the swipe view calls
    assert (widget.zoom_y.value, widget.zoom_x.value) == (40, 3)
    assert widget.box == (34, 0, 12)
    assert np.array_equal(_decode(widget.render_crops()["HR"])[::16, ::16], trio["HR"][34:46, 0:12])
    widget.zoom_at(47, 63)  # near the corner the box slides inwards
    assert widget.box == (36, 52, 12)
    widget.swipe_view.click = [10, 30, 1]  # as the front end reports a click
    assert widget.box == (4, 24, 12)
    widget.zoom_size.value = 20
    assert widget.box[2] == 20


# --- error map and scores --------------------------------------------------------------


def test_error_map_is_absolute_difference_of_matlab_y(trio):
    sr, hr = trio["Bicubic"], trio["HR"]
    weights = np.array([65.481, 128.553, 24.966]) / 255.0

    def y(rgb):
        return 16.0 + rgb.astype(np.float64) @ weights

    expected = np.abs(y(sr) - y(hr))
    assert np.allclose(panels.error_map(sr, hr), expected, atol=1e-9)
    assert np.allclose(panels.error_map(sr, hr), np.abs(srlib.image.rgb2y(sr) - srlib.image.rgb2y(hr)))


def test_error_toggle_shows_heat_maps(trio):
    widget = compare(trio, scale=2, left="Bicubic", right="HR")
    widget.swipe_slider.value = W  # all columns from the left image
    widget.error_toggle.value = True
    vmax = panels.error_scale(trio, "HR")
    heat = panels.heat_map(panels.error_map(trio["Bicubic"], trio["HR"]), vmax)
    expected = panels.draw_overview(heat, W, widget.box)
    assert np.array_equal(_decode(widget.swipe_view.value), expected)
    crop = _decode(widget.render_crops()["HR"])
    assert (crop == panels.heat_map(np.zeros((1, 1)), vmax)[0, 0]).all()  # HR against itself: zero error
    assert "error map" in widget.caption.value


@pytest.mark.parametrize("scale", [2, None])
def test_score_labels_equal_psnr_y_and_ssim_y(trio, scale):
    widget = compare(trio, scale=scale)
    border = scale or 0
    for name in ("Bicubic", "Noisy"):
        psnr, ssim = psnr_y(trio[name], trio["HR"], border), ssim_y(trio[name], trio["HR"], border)
        assert widget.scores[name] == (psnr, ssim)
        assert widget._panels[name][2].value == f"PSNR {psnr:.2f} dB · SSIM {ssim:.4f}"
    assert widget._panels["HR"][2].value == "reference (HR)"
    assert compare(trio, scale=2).scores["Bicubic"] != compare(trio, scale=None).scores["Bicubic"]


# --- static picture and display bundle -------------------------------------------------


def test_mimebundle_holds_live_widget_and_png(trio):
    import matplotlib.pyplot as plt

    widget = compare(trio, scale=2)
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
    png = base64.b64decode(data["image/png"])
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.mode == "RGB"
    assert picture.width < 800 and len(png) < 200_000
    assert data["text/plain"].startswith("Comparison(Bicubic, Noisy, HR")
    assert plt.get_fignums() == []  # nothing left for the inline backend to show twice


def test_static_figure_has_a_panel_and_a_crop_per_image(trio):
    figure = comparison_figure(trio, hr="HR", scale=2, zoom=(20, 50, 12), error_map=True)
    axes = figure.get_axes()
    assert len(axes) == 6
    titles = [ax.get_title() for ax in axes[:3]]
    psnr = psnr_y(trio["Bicubic"], trio["HR"], 2)
    assert titles[0].startswith("Bicubic") and f"{psnr:.2f}" in titles[0]
    assert titles[2] == "HR\nreference"
    crop = axes[3].get_images()[0].get_array()
    heat = panels.heat_map(panels.error_map(trio["Bicubic"], trio["HR"]), panels.error_scale(trio, "HR"))
    assert np.array_equal(np.asarray(crop), heat[14:26, 44:56])
    assert figure_png(figure).startswith(b"\x89PNG")


def test_show_images_accepts_different_sizes(trio):
    lr = srlib.imresize(trio["HR"], 1 / 2)
    figure = show_images({"LR": lr, "HR": trio["HR"]})
    axes = figure.get_axes()
    assert [ax.get_title() for ax in axes] == ["LR (24x32)", "HR (48x64)"]
    assert [ax.get_images()[0].get_array().shape for ax in axes] == [(24, 32, 3), (48, 64, 3)]


# --- upload ----------------------------------------------------------------------------


def _bicubic_pair(hr: np.ndarray) -> dict[str, np.ndarray]:
    return {"Bicubic": srlib.imresize(srlib.imresize(hr, 1 / 2), 2), "HR": hr}


def test_upload_bytes_become_the_comparison(trio):
    data = _png_file(trio["HR"])
    images = comparison_for_upload(data, _bicubic_pair, name="photo.png", scale=2)
    assert np.array_equal(images["HR"], trio["HR"])
    assert np.array_equal(images["Bicubic"], _bicubic_pair(trio["HR"])["Bicubic"])
    # RGBA and palette files are read the way read_image reads them.
    assert np.array_equal(comparison_for_upload(_png_file(trio["HR"], "RGBA"), _bicubic_pair)["HR"], trio["HR"])
    assert comparison_for_upload(_png_file(trio["HR"], "P"), _bicubic_pair)["HR"].shape == (H, W, 3)


def test_large_uploads_are_block_averaged_and_modcropped():
    big = np.zeros((130, 200, 3), dtype=np.uint8)
    big[:, 1::2] = 200  # alternate columns: a 2x2 block average is exactly 100
    images = comparison_for_upload(_png_file(big), _bicubic_pair, max_side=100, scale=2)
    assert images["HR"].shape == (64, 100, 3)  # 130x200 -> 65x100 -> modcrop 2
    assert (images["HR"] == 100).all()


def test_bad_uploads_raise_one_line_errors():
    with pytest.raises(SRLibError) as excinfo:
        comparison_for_upload(b"not an image", _bicubic_pair, name="notes.txt")
    assert "notes.txt" in _one_line(excinfo) and "/tmp" not in str(excinfo.value)
    with pytest.raises(SRLibError) as excinfo:
        comparison_for_upload(b"", _bicubic_pair, name="empty.png")
    assert "empty" in _one_line(excinfo)
    with pytest.raises(SRLibError):
        comparison_for_upload(_png_file(_photo(0)), lambda hr: [hr])


def test_widget_upload_control_runs_the_upload_path(trio):
    widget = compare(_bicubic_pair, upload=True, sample=trio["HR"], scale=2)
    assert np.array_equal(widget.images["HR"], trio["HR"])  # the sample went through the bytes path
    assert widget.uploader in widget.children[0].children
    assert "sample" in widget.status.value
    other = _photo(7)[:40, :40]
    content = _png_file(other)
    upload_value = (
        {
            "name": "mine.png",
            "type": "image/png",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime.datetime.now(datetime.timezone.utc),
        },
    )
    widget.uploader.value = upload_value  # fires the real observer
    assert np.array_equal(widget.images["HR"], other)
    assert "mine.png" in widget.status.value and "40x40" in widget.status.value
    assert widget.swipe_slider.max == 40 and _decode(widget.swipe_view.value).shape == (40, 40, 3)
    widget.load_upload(({"name": "broken.png", "content": memoryview(b"\x89PNG broken")},))
    assert "broken.png" in widget.status.value
    assert np.array_equal(widget.images["HR"], other)  # a bad upload keeps the last good picture


def test_callable_images_default_to_the_scikit_image_sample():
    widget = compare(_bicubic_pair, max_side=128)
    assert widget.images["HR"].shape == (128, 128, 3)  # astronaut 512x512, block-averaged by 4


# --- bad input -------------------------------------------------------------------------


def test_size_mismatch_names_the_images(trio):
    with pytest.raises(SRLibError) as excinfo:
        compare({"HR": trio["HR"], "SRCNN": trio["HR"][:40]})
    message = _one_line(excinfo)
    assert "'HR' is 48x64" in message and "'SRCNN' is 40x64" in message


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"hr": "GT"}, "hr='GT'"), ({"left": "EDSR"}, "left='EDSR'"), ({"right": "x"}, "right='x'")],
)
def test_unknown_names_are_rejected(trio, kwargs, word):
    with pytest.raises(SRLibError) as excinfo:
        compare(trio, **kwargs)
    message = _one_line(excinfo)
    assert word in message and "'Bicubic'" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda t: compare({}),
        lambda t: compare([t["HR"]]),
        lambda t: compare(t, upload=True),
        lambda t: compare(t, sample=t["HR"]),
        lambda t: compare(t, zoom=(1, 2)),
        lambda t: compare(t, scale=2.5),
        lambda t: compare({"HR": t["HR"], "SR": t["HR"][..., 0]}),
        lambda t: compare({"HR": t["HR"], "SR": np.full((H, W, 3), np.nan)}),
        lambda t: compare({"HR": t["HR"], "SR": np.zeros((H, W, 2))}),
        lambda t: comparison_figure(t, hr=None, error_map=True),
    ],
)
def test_bad_inputs_raise_one_line_srliberror(trio, call):
    with pytest.raises(SRLibError) as excinfo:
        call(trio)
    _one_line(excinfo)


def test_srlib_exposes_compare_lazily():
    assert srlib.compare is compare
