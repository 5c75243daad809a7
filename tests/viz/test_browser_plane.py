"""The alpha widget of chapter 05 in a real JupyterLab, driven by headless Chromium (Playwright).

A two-cell notebook (no TensorFlow: four synthetic images stand in for the SR
results of four interpolated models) builds ``srlib.viz.explore_interpolation``;
pressing the right arrow on its alpha slider must swap the SR image, redraw the
plane and update the caption — through the live comm, with no JavaScript error.
Same browser and server set-up as tests/test_browser.py (Debian's Chromium, a
private JupyterLab); skipped without them unless ``SRLIB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.support.browser_helpers import SWIPE_PIXELS_JS, run_jupyterlab
from tests.viz.test_browser import (  # noqa: F401
    ARTIFACTS,
    chromium,
    output_errors,
    page,
    poll,
    run_all_cells,
    wait_for_kernel,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "alpha_widget.ipynb"
REDRAW_TIMEOUT_S = 30
SOURCE = """\
import numpy as np
from srlib.viz import explore_interpolation

base = np.random.default_rng(0).integers(0, 200, (48, 64, 3), dtype=np.uint8)
images = [base + np.uint8(15 * k) for k in range(4)]  # one picture per alpha, brighter each step
points = [(9.7, 5.9), (10.2, 4.8), (11.0, 4.0), (12.2, 3.4)]
explore_interpolation([0, 1 / 3, 2 / 3, 1], images, points, references={"bicubic": (12.9, 6.8)})
"""


@pytest.fixture
def lab(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOURCE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, root / NOTEBOOK)
    with run_jupyterlab(root, tmp_path / "jupyter-home", env={"TF_CPP_MIN_LOG_LEVEL": "2"}) as server:
        yield server


def test_alpha_slider_swaps_image_and_point(lab, page):  # noqa: F811 (the fixtures imported above)
    page, console = page
    try:
        page.goto(lab.lab_url(NOTEBOOK))
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        wait_for_kernel(page)
        assert run_all_cells(page) == ["[1]:"]
        assert output_errors(page) == []

        widget = page.locator(".srlib-alpha-explorer").first
        widget.wait_for(state="visible")
        image, plane = widget.locator(".srlib-alpha-image"), widget.locator(".srlib-alpha-plane")
        image.locator("img.srlib-image[src]").wait_for(state="visible")
        plane.locator("img.srlib-image[src]").wait_for(state="visible")
        caption = widget.locator(".srlib-alpha-caption")
        assert "α = 0" in caption.inner_text()
        image_before, plane_before = image.evaluate(SWIPE_PIXELS_JS), plane.evaluate(SWIPE_PIXELS_JS)
        assert (image_before["width"], image_before["height"]) == (64, 48)

        handle = widget.locator(".srlib-alpha-slider .noUi-handle")
        handle.focus()
        handle.press("ArrowRight")

        def redrawn():
            state = image.evaluate(SWIPE_PIXELS_JS)
            return state if state["columns"] != image_before["columns"] else None

        image_after = poll(page, redrawn, REDRAW_TIMEOUT_S, "the SR image changing after the alpha slider moved")
        assert image_after["version"] > image_before["version"]
        page.wait_for_function("el => el.textContent.includes('α = 0.333')", arg=caption.element_handle())
        assert re.search(r"RMSE 10\.20", caption.inner_text())

        def plane_redrawn():
            state = plane.evaluate(SWIPE_PIXELS_JS)
            return state if state["columns"] != plane_before["columns"] else None

        plane_after = poll(page, plane_redrawn, REDRAW_TIMEOUT_S, "the plane redrawing its highlighted point")
        assert plane_after["width"] == plane_before["width"]
        assert console.unexpected_errors() == [], "JavaScript errors in the page"
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "alpha-widget-failure.png"), full_page=True)
        (ARTIFACTS / "jupyterlab-alpha-failure.log").write_text(lab.log_tail(200_000))
        raise
    print("console warnings:", *console.warnings, sep="\n  ")
