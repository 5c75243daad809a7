"""Every chapter's exercise cells and solutions notebook, checked the same way.

* each ``# YOUR CODE HERE`` cell runs with its placeholder and the checker says
  '✗' (a placeholder is never a solution, and never crashes a headless run);
* each solutions notebook runs headless and every check says '✓'.
(Hygiene of the solutions notebooks is checked with all notebooks in test_notebooks.py.)
"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from srlib.metrics import psnr_y
from srlib.course import exercises
from tools.notebooks import REPO, chapters, execute_notebook

CHAPTERS = [p for p in chapters() if any(i.startswith(p.name[:2] + ".") for i in exercises.exercise_ids())]


def _ids(chapter) -> list[str]:
    return [i for i in exercises.exercise_ids() if i.startswith(chapter.name[:2] + ".")]


def _marks(text: str) -> list[str]:
    return [line[:15] for line in text.splitlines() if line.startswith(("✓", "✗"))]


def test_chapters_with_exercises():
    assert [p.name[:2] for p in CHAPTERS][:4] == ["00", "01", "02", "03"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_placeholders_fail_gracefully(chapter, capsys):
    nb = nbformat.read(chapter, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "# YOUR CODE HERE" in c.source]
    assert len(cells) == len(_ids(chapter))
    for source in cells:
        # The names the chapter's earlier cells provide to its exercise cells.
        namespace = {"np": np, "exercises": exercises, "psnr_y": psnr_y}
        exec(source, namespace)
    assert _marks(capsys.readouterr().out) == [f"✗ Exercise {i}" for i in _ids(chapter)]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_solutions_notebook_passes_every_check(chapter, tmp_path):
    solutions = REPO / "notebooks" / "solutions" / f"{chapter.stem}_solutions.ipynb"
    out = tmp_path / solutions.name
    execute_notebook(solutions, out, profile="smoke", timeout=300)
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert _marks("".join(o.get("text", "") for o in outputs)) == [f"✓ Exercise {i}" for i in _ids(chapter)]


# --- every registered exercise, whatever its chapter ------------------------------------------

ALL_IDS = exercises.exercise_ids()


def test_every_chapter_registers_its_exercises():
    assert sorted({i[:2] for i in ALL_IDS}) == ["00", "01", "02", "03", "04", "05"]


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_reference_solution_passes(exercise_id, capsys):
    assert exercises.check(exercise_id, exercises.get(exercise_id).reference) is True
    assert capsys.readouterr().out.startswith(f"✓ Exercise {exercise_id}")


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_solution_source_is_runnable(exercise_id):
    """The text a teacher pastes (``exercises.solution``) must itself pass the check."""
    source = exercises.solution(exercise_id)
    assert source.startswith("def ")
    namespace: dict = {"np": np}  # the chapters import numpy as np before their exercises
    exec(source, namespace)
    name = source.split("(", 1)[0].removeprefix("def ")
    assert exercises.check(exercise_id, namespace[name], quiet=True)
