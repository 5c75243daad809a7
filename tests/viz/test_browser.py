"""Chapter 00 in a real JupyterLab, driven by headless Chromium (Playwright).

What only a browser can show: the notebook runs from the "Run" menu without a
single error, the comparison widget renders live (anywidget front end loaded,
comm messages flowing), and moving its swipe slider redraws the picture with the
divider where the slider now is. No JavaScript error may be logged meanwhile.

Uses Debian's Chromium (``/usr/bin/chromium``; ``make browser`` installs it),
never a Playwright download. Without it the test skips, unless
``SRLIB_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
A screenshot is left in ``test-artifacts/browser/chapter00.png``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.support.browser_helpers import (
    CHROMIUM_ARGS,
    RUN_STATE_JS,
    SWIPE_PIXELS_JS,
    ConsoleLog,
    find_chromium,
    run_jupyterlab,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHAPTER = REPO / "notebooks" / "00_introduction.ipynb"
ARTIFACTS = REPO / "test-artifacts" / "browser"
SCREENSHOT = ARTIFACTS / "chapter00.png"

# Generous: two shared CPU cores; the smoke run itself takes about 15 s.
OPEN_TIMEOUT_MS = 90_000
RUN_TIMEOUT_S = 240
REDRAW_TIMEOUT_S = 30
SWIPE_STEPS = 24  # arrow-key presses on the swipe slider (one image column each)


def _missing(message: str):
    if os.environ.get("SRLIB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SRLIB_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the Python package playwright is not installed (pip install -e '.[dev]')")
    path = find_chromium()
    if path is None:
        _missing("Debian's chromium is not installed (run `make browser` as root, or apt-get install chromium)")
    return path


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a copy of chapter 00 (the repository stays clean), smoke profile."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(CHAPTER, root / CHAPTER.name)
    env = {"SRLIB_PROFILE": "smoke", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with run_jupyterlab(root, tmp_path / "jupyter-home", env=env) as server:
        yield server


@pytest.fixture
def page(chromium, tmp_path):
    """A fresh headless Chromium page (own profile directory) and its console log."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1400},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(OPEN_TIMEOUT_MS)
            yield page, ConsoleLog.attach(page)
        finally:
            context.close()


def accept_kernel_dialog(page) -> None:
    """If JupyterLab asks which kernel to start (it can, when the kernel list loads slowly), take the default."""
    select = page.get_by_role("button", name="Select Kernel")
    if select.is_visible():
        select.click()


def poll(page, check, timeout_s: float, what: str):
    """Call ``check()`` until it returns something other than None; answer kernel dialogs meanwhile."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        accept_kernel_dialog(page)
        result = check()
        if result is not None:
            return result
        page.wait_for_timeout(500)  # polling interval, not a wait for something in particular
    pytest.fail(f"{what} did not happen in {timeout_s:.0f} s")


def wait_for_kernel(page) -> None:
    """The notebook's kernel is connected and idle (status bar: 'Python 3 (ipykernel) | Idle')."""
    status = page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\(ipykernel\) \| Idle"))
    poll(page, lambda: True if status.count() else None, OPEN_TIMEOUT_MS / 1000, "the kernel becoming idle")


def run_all_cells(page) -> list[str]:
    """Run > Run All Cells, then wait until the last cell ran or a cell failed; the prompts."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    return poll(page, lambda: page.evaluate(RUN_STATE_JS), RUN_TIMEOUT_S, "Run All Cells finishing")


def output_errors(page) -> list[str]:
    """Text of every error output (tracebacks) in the notebook."""
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return [text for text in stderr.all_text_contents() if "Traceback" in text or re.search(r"^\w*Error\b", text, re.M)]


def swipe_state(view) -> dict:
    return view.evaluate(SWIPE_PIXELS_JS)


@contextlib.contextmanager
def evidence_on_failure(page, server):
    """On failure, keep what the page showed and the server's log next to the screenshot."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / "chapter00-failure.png"), full_page=True)
        (ARTIFACTS / "jupyterlab-failure.log").write_text(server.log_tail(200_000))
        raise


def test_chapter00_runs_and_compare_widget_swipes(lab, page):
    page, console = page
    with evidence_on_failure(page, lab):
        check_chapter00(lab, page, console)


def check_chapter00(lab, page, console) -> None:
    page.goto(lab.lab_url(CHAPTER.name))
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    wait_for_kernel(page)

    prompts = run_all_cells(page)
    assert output_errors(page) == []
    assert prompts == [f"[{n}]:" for n in range(1, len(prompts) + 1)], "every code cell ran once, in order"

    widget = page.locator(".srlib-compare").first
    widget.scroll_into_view_if_needed()
    widget.wait_for(state="visible")
    view = widget.locator(".srlib-swipe-view")
    view.locator("img.srlib-image[src]").wait_for(state="visible")
    before = swipe_state(view)
    assert before["version"] >= 1 and before["width"] > 2 * SWIPE_STEPS

    handle = widget.locator(".srlib-swipe-slider .noUi-handle")
    split_before = int(handle.get_attribute("aria-valuenow").split(".")[0])
    handle.focus()
    for _ in range(SWIPE_STEPS):
        handle.press("ArrowRight")
    split_after = split_before + SWIPE_STEPS
    page.wait_for_function(
        "([h, v]) => Number(h.getAttribute('aria-valuenow')) === v", arg=[handle.element_handle(), split_after]
    )

    # Python redraws after every step; wait until the divider is drawn in its new column.
    def redrawn():
        state = swipe_state(view)
        return state if state["columns"][split_after] != before["columns"][split_after] else None

    after = poll(page, redrawn, REDRAW_TIMEOUT_S, f"the swipe divider moving to column {split_after}")
    changed = [x for x, (a, b) in enumerate(zip(before["columns"], after["columns"])) if a != b]
    assert after["version"] > before["version"], "the swipe view was not redrawn"
    assert after["src"] != before["src"]
    assert split_before in changed and split_after in changed, (split_before, split_after, changed[:10])
    # Swipe semantics: only the columns the divider passed over changed (they now show the left image).
    assert min(changed) >= split_before and max(changed) <= split_after, changed

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # The saved notebook says the same as the page: every code cell counted, no error output.
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Save Notebook(?! As)")).click()
    page.locator(".jp-mod-dirty").first.wait_for(state="detached")
    saved = json.loads((lab.root / CHAPTER.name).read_text())
    code = [cell for cell in saved["cells"] if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in code] == list(range(1, len(code) + 1))
    assert [o for cell in code for o in cell["outputs"] if o["output_type"] == "error"] == []

    print("console errors:", *console.errors, "console warnings:", *console.warnings, sep="\n  ")
    assert console.unexpected_errors() == [], "JavaScript errors in the page"
