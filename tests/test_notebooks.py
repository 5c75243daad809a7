"""Every chapter is clean in git, has a papermill parameters cell, and runs headless (smoke).

nbval (``--nbval-lax``, configured in pyproject.toml) separately re-executes each
chapter and compares the cells marked ``# NBVAL_CHECK_OUTPUT`` with their
committed, expected outputs.
"""

from __future__ import annotations

import nbformat
import pytest

from tools.notebooks import REPO, chapters, execute_notebook, hygiene_problems

CHAPTERS = chapters()
ALL_NOTEBOOKS = sorted((REPO / "notebooks").rglob("*.ipynb"))
ids = [p.stem for p in CHAPTERS]


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks/NN_*.ipynb found"
    assert CHAPTERS[0].name.startswith("00_")


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=[str(p.relative_to(REPO)) for p in ALL_NOTEBOOKS])
def test_notebook_is_clean(path):
    assert hygiene_problems(path) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_parameters_cell_sets_profile(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    source = tagged[0].source
    assert "PROFILE" in source and "SRLIB_PROFILE" in source
    title = nb.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith("# ")
    for word in ("objectives", "smoke", "workshop", "full"):
        assert word in title.source.lower(), f"title cell should mention {word!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_chapter_runs_headless_in_smoke_profile(path, tmp_path):
    out = tmp_path / path.name
    execute_notebook(path, out, profile="smoke", timeout=600)
    executed = nbformat.read(out, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # No walls of logs: headless output stays short.
    text = sum(len(o.get("text", "")) for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert text < 20_000, f"{path.name} printed {text} characters of text in the smoke run"


@pytest.mark.slow
def test_make_course_renders_html_with_static_figures(tmp_path):
    from tools.notebooks import build_course

    timings = build_course(tmp_path, profile="smoke", notebooks=CHAPTERS[:1], record=False)
    assert [name for name, _ in timings] == [CHAPTERS[0].stem]
    html = (tmp_path / f"{CHAPTERS[0].stem}.html").read_text(encoding="utf-8")
    # Without saved widget state the comparison shows as its static PNG twin.
    assert "data:image/png;base64" in html
    assert "application/vnd.jupyter.widget-state+json" not in html
