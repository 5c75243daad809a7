"""Each chapter's exercise cells, as a learner first meets them: the placeholder runs, and the checker says '✗'.

A placeholder is never a solution and never crashes a headless run. The solutions notebooks are
executed (once) with the other notebooks in tests/test_notebooks.py; the checker itself is tested
from one table in test_exercises.py.
"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from srlib.course import exercises
from srlib.metrics import psnr_y
from tools.notebooks import chapters


def _ids(chapter) -> list[str]:
    return [i for i in exercises.exercise_ids() if i.startswith(chapter.name[:2] + ".")]


CHAPTERS = [p for p in chapters() if _ids(p)]


def test_chapters_with_exercises():
    assert [p.name[:2] for p in CHAPTERS] == ["00", "01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_placeholders_fail_gracefully(chapter, capsys):
    nb = nbformat.read(chapter, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "# YOUR CODE HERE" in c.source]
    assert len(cells) == len(_ids(chapter))
    # The names the chapter's earlier cells provide to its exercise cells.
    namespace = {"np": np, "exercises": exercises, "psnr_y": psnr_y}
    for source in cells:
        exec(source, namespace)
    marks = [line[:15] for line in capsys.readouterr().out.splitlines() if line.startswith(("✓", "✗"))]
    assert marks == [f"✗ Exercise {i}" for i in _ids(chapter)]
    # Each cell defines the function the checker's reference (and exercises.solution) is named after.
    for exercise_id in _ids(chapter):
        assert callable(namespace.get(exercises.get(exercise_id).reference.__name__)), exercise_id
