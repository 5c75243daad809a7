"""Every notebook, executed once per test run: the chapters and their solutions run headless (smoke).

One papermill execution per notebook (the module's ``executed`` cache) serves every check on it:
no errors, short headless output, the ``# NBVAL_CHECK_OUTPUT`` cells' outputs equal to the committed
ones (:func:`tools.notebooks.check_output_differences`, nbval's comparison rules), every check in a
solutions notebook says '✓', and the executed chapter renders to HTML as ``make course`` does.
The fast tests read the files without executing them.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from srlib.course import exercises
from tools.notebooks import (
    CHECK_MARK,
    REPO,
    chapters,
    check_output_differences,
    execute_notebook,
    hygiene_problems,
    notebooks,
    render_html,
)

CHAPTERS = chapters()
ALL_NOTEBOOKS = notebooks()
SOLUTIONS = [p for p in ALL_NOTEBOOKS if p.parent.name == "solutions"]


def _outputs(notebook: nbformat.NotebookNode) -> list:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """``executed(path)``: ``path`` run headless in the smoke profile, once per test run whichever test asks first."""
    folder = tmp_path_factory.mktemp("executed")
    results: dict[Path, nbformat.NotebookNode | Exception] = {}

    def run(path: Path) -> nbformat.NotebookNode:
        if path not in results:
            out = folder / path.name
            try:
                execute_notebook(path, out, profile="smoke", timeout=600)
                results[path] = nbformat.read(out, as_version=4)
            except PapermillExecutionError:
                results[path] = nbformat.read(out, as_version=4)  # it keeps the error output, which tests report
            except Exception as exc:  # a timeout or a dead kernel: every test of this notebook reports it
                results[path] = exc
        if isinstance(results[path], Exception):
            raise results[path]
        return results[path]

    run.folder = folder
    return run


# --- fast: the files themselves -------------------------------------------------------------------


def test_there_are_chapters_each_with_its_solutions():
    assert CHAPTERS, "no notebooks/NN_*.ipynb found"
    assert CHAPTERS[0].name.startswith("00_")
    assert [p.name for p in SOLUTIONS] == [f"{p.stem}_solutions.ipynb" for p in CHAPTERS]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=[str(p.relative_to(REPO)) for p in ALL_NOTEBOOKS])
def test_notebook_is_clean(path):
    assert hygiene_problems(path) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
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


def test_output_comparison_follows_nbval_rules():
    committed = nbformat.read(CHAPTERS[0], as_version=4)
    index = next(i for i, c in enumerate(committed.cells) if CHECK_MARK in c.source and c.outputs)
    ran = copy.deepcopy(committed)
    ran.cells.insert(1, nbformat.v4.new_code_cell('PROFILE = "smoke"'))  # papermill's injected cell
    assert check_output_differences(committed, ran) == []

    cell = ran.cells[index + 1]
    text = cell.outputs[0].text
    # A stream split differently, a picture and a widget id do not count; the text does.
    cell.outputs[0].text = text[:5]
    cell.outputs.insert(1, nbformat.v4.new_output("stream", name="stdout", text=text[5:]))
    cell.outputs.append(nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"}))
    assert check_output_differences(committed, ran) == []
    cell.outputs[1].text = text[5:] + "drift\n"
    [problem] = check_output_differences(committed, ran)
    assert problem.startswith(f"check cell {index} (") and "+" in problem and "drift" in problem

    ran.cells[index + 1].source += "\n# edited"
    assert "is missing from the executed notebook" in check_output_differences(committed, ran)[0]


# --- slow: one execution of each notebook -----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_runs_headless_in_smoke_profile(path, executed):
    outputs = _outputs(executed(path))
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not errors
    # No walls of logs: headless output stays short.
    text = sum(len(o.get("text", "")) for o in outputs)
    assert text < 20_000, f"{path.name} printed {text} characters of text in the smoke run"


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_check_cells_keep_their_committed_outputs(path, executed):
    problems = check_output_differences(nbformat.read(path, as_version=4), executed(path))
    assert not problems, "\n".join(problems) + f"\n(after a deliberate change: python -m tools.notebooks record {path})"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solutions_notebook_passes_every_check(path, executed):
    outputs = _outputs(executed(path))
    assert not [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    marks = [line[:15] for o in outputs for line in o.get("text", "").splitlines() if line.startswith(("✓", "✗"))]
    chapter_ids = [i for i in exercises.exercise_ids() if i.startswith(path.name[:2] + ".")]
    assert chapter_ids and marks == [f"✓ Exercise {i}" for i in chapter_ids]


@pytest.mark.slow
def test_executed_chapter_renders_html_with_static_figures(executed, tmp_path):
    executed(CHAPTERS[0])  # `make course` renders what it executed; here, this run's execution
    html = tmp_path / f"{CHAPTERS[0].stem}.html"
    render_html(executed.folder / CHAPTERS[0].name, html)
    text = html.read_text(encoding="utf-8")
    # Without saved widget state the comparison shows as its static PNG twin.
    assert "data:image/png;base64" in text
    assert "application/vnd.jupyter.widget-state+json" not in text
