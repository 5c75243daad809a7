"""Every exercise, checked from one table: its reference passes, each typical mistake fails with its hint,
and a crashing, missing or hollow answer is reported in a few lines instead of raising.

The wrong answers are data, one module per chapter, in tests/course/wrong_answers/.
"""

from __future__ import annotations

import numpy as np
import pytest

from srlib.course import exercises
from srlib.image import imresize, modcrop
from tests.course.wrong_answers import ALSO_CORRECT, MISTAKES

ALL_IDS = exercises.exercise_ids()
# Exercises where returning None is a right answer or a verdict of its own, not a forgotten `return`:
# 02.4 freezes layers in place.
NONE_IS_AN_ANSWER = {"02.4"}


def _printed(capsys) -> str:
    """What the checker printed, with its line wrapping undone."""
    return " ".join(capsys.readouterr().out.split())


def _crashes(*args, **kwargs):
    return 1 // 0


def test_every_chapter_registers_its_exercises():
    assert sorted({i[:2] for i in ALL_IDS}) == ["00", "01", "02", "03", "04", "05", "06"]
    assert {i for i, _, _ in MISTAKES} == set(ALL_IDS), "every exercise has typical mistakes in the table"


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_reference_solution_passes(exercise_id, capsys):
    assert exercises.check(exercise_id, exercises.get(exercise_id).reference) is True
    out = _printed(capsys)
    assert out.startswith(f"✓ Exercise {exercise_id}") and "): correct" in out, out


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_solution_source_is_runnable(exercise_id):
    """The text a teacher pastes (``exercises.solution``) defines the function the chapter asks for, and passes."""
    source = exercises.solution(exercise_id)
    name = exercises.get(exercise_id).reference.__name__
    assert source.startswith(f"def {name}(")
    namespace: dict = {"np": np}  # the chapters import numpy as np before their exercises
    exec(source, namespace)
    assert exercises.check(exercise_id, namespace[name], quiet=True)


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    with np.errstate(all="ignore"):  # some mistakes overflow on purpose
        assert exercises.check(exercise_id, answer) is False
    out = _printed(capsys)
    assert out.startswith(f"✗ Exercise {exercise_id}") and "not yet" in out
    assert "Hint:" in out and hint in out, out


@pytest.mark.parametrize("exercise_id,answer", ALSO_CORRECT, ids=[f"{e}-{a.__name__}" for e, a in ALSO_CORRECT])
def test_other_correct_answers_pass(exercise_id, answer):
    assert exercises.check(exercise_id, answer, quiet=True) is True


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_crashing_answer_is_reported_with_its_line(exercise_id, capsys):
    assert exercises.check(exercise_id, _crashes) is False
    out = _printed(capsys)
    assert "your code raised ZeroDivisionError" in out and "return 1 // 0" in out, out


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_answer_that_is_not_a_function(exercise_id, capsys):
    assert exercises.check(exercise_id, 42) is False
    out = _printed(capsys)
    assert "needs your function itself" in out and "pass the function without calling it" in out


@pytest.mark.parametrize("exercise_id", sorted(set(ALL_IDS) - NONE_IS_AN_ANSWER))
def test_missing_return_is_named(exercise_id, capsys):
    assert exercises.check(exercise_id, lambda *args, **kwargs: None) is False
    assert "returned None" in (out := _printed(capsys)) and "forget the `return`" in out, out


# --- the checker's own rules ----------------------------------------------------------------------


def test_unknown_exercise_is_reported(capsys):
    assert exercises.check("99.9", _crashes) is False
    assert "unknown exercise '99.9'" in capsys.readouterr().out
    with pytest.raises(KeyError):
        exercises.solution("99.9")


def test_answer_cannot_corrupt_the_test_images():
    def vandal(hr, scale):
        hr[:] = 0  # writes into its input
        return imresize(modcrop(hr, scale), 1 / scale)

    assert exercises.check("00.1", vandal, quiet=True) is False
    assert exercises.check("00.1", exercises.get("00.1").reference, quiet=True) is True


def test_closest_mistake_picks_the_nearest_within_tolerance():
    near = exercises.Mistake("near", 30.0, "near")
    far = exercises.Mistake("far", 30.5, "far")
    assert exercises.closest_mistake(30.0004, [far, near], 1e-3) is near
    assert exercises.closest_mistake(31.0, [far, near], 1e-3) is None
    assert exercises.closest_mistake(np.zeros(3), [exercises.Mistake("shape", np.zeros(4), "")], 0) is None
    assert exercises.closest_mistake((float("inf"), 1.0), [exercises.Mistake("id", (float("inf"), 1.0), "")], 0)
