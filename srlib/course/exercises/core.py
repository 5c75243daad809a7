"""Exercises: check a learner's answer against srlib's reference and say what to fix.

In a chapter, the learner edits a cell marked ``# YOUR CODE HERE`` and runs::

    from srlib.course import exercises
    exercises.check("00.1", make_lr)      # prints what is right or wrong, returns a bool

A check never raises: a wrong answer, a crashing answer or an unknown id is
reported in a few printed lines, so chapters run headless with the placeholders
in place. ``exercises.solution("00.1")`` returns the reference solution's source
for teachers to show.

Each chapter's exercises live in their own module (``srlib/course/exercises/chNN.py``),
imported on first use; it registers :class:`Exercise` objects with
:func:`register`. A checker runs the answer on test cases (:func:`run_cases`), compares with
the reference, and for a wrong answer looks for the *typical mistake* it matches
(each mistake is a :class:`Mistake`: what the answer would be if the learner
had made it, and the hint for it).
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from srlib.data.photos import skimage_data_dir
from srlib.image.io import read_image

__all__ = [
    "Exercise",
    "Feedback",
    "Mistake",
    "register",
    "get",
    "exercise_ids",
    "check",
    "solution",
    "closest_mistake",
    "describe_call",
    "checker_images",
    "returned_none",
    "wrong_shape",
    "run_cases",
    "mistake_hint",
]

OK_MARK = "✓"
WRONG_MARK = "✗"


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: correct or not, what was found, and a hint to fix it."""

    correct: bool
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Mistake:
    """A typical mistake: the value a wrong answer would produce, and what to tell the learner."""

    name: str
    value: Any
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``checker(answer) -> Feedback`` and the ``reference`` solution (a function)."""

    id: str
    title: str
    checker: Callable[[Any], Feedback]
    reference: Callable


_REGISTRY: dict[str, Exercise] = {}
# Chapter prefix -> module defining that chapter's exercises (imported on first use).
CHAPTER_MODULES = {
    "00": "srlib.course.exercises.ch00",
    "01": "srlib.course.exercises.ch01",
    "02": "srlib.course.exercises.ch02",
    "03": "srlib.course.exercises.ch03",
    "04": "srlib.course.exercises.ch04",
    "05": "srlib.course.exercises.ch05",
    "06": "srlib.course.exercises.ch06",
}


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the registry (a chapter module calls this at import)."""
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load_chapter(exercise_id: str) -> None:
    module = CHAPTER_MODULES.get(str(exercise_id).split(".", 1)[0])
    if module:
        importlib.import_module(module)


def get(exercise_id: str) -> Exercise:
    """The registered exercise ``exercise_id`` (``"00.1"``); KeyError naming its chapter's ids.

    Only that chapter's module is imported, so a typo in chapter 00 does not load TensorFlow
    for chapter 03's checkers.
    """
    _load_chapter(exercise_id)
    if exercise_id not in _REGISTRY:
        chapter = str(exercise_id).split(".", 1)[0]
        same_chapter = sorted(i for i in _REGISTRY if i.split(".", 1)[0] == chapter)
        known = (
            f"chapter {chapter} has {', '.join(same_chapter)}"
            if same_chapter
            else (f"chapters are {', '.join(CHAPTER_MODULES)}, ids look like '00.1'")
        )
        raise KeyError(f"unknown exercise {exercise_id!r} — {known}")
    return _REGISTRY[exercise_id]


def exercise_ids() -> list[str]:
    """Every exercise id, in chapter order."""
    for module in CHAPTER_MODULES.values():
        importlib.import_module(module)
    return sorted(_REGISTRY, key=lambda i: tuple(int(part) for part in i.split(".")))


def _print_feedback(exercise: Exercise, feedback: Feedback) -> None:
    mark = OK_MARK if feedback.correct else WRONG_MARK
    verdict = "correct" if feedback.correct else "not yet"
    print(f"{mark} Exercise {exercise.id} ({exercise.title}): {verdict}")
    print(textwrap.indent(textwrap.fill(feedback.message, 100, break_long_words=False), "  "))
    if feedback.hint:
        print(textwrap.indent(textwrap.fill("Hint: " + feedback.hint, 100, break_long_words=False), "  "))


def check(exercise_id: str, answer: Any, *, quiet: bool = False) -> bool:
    """Check ``answer`` for exercise ``exercise_id``; print the verdict (unless ``quiet``) and return it.

    Never raises: an exception inside the learner's code is reported as feedback.
    """
    try:
        exercise = get(exercise_id)
    except KeyError as exc:
        if not quiet:
            print(f"{WRONG_MARK} {exc.args[0]}")
        return False
    try:
        feedback = exercise.checker(answer)
    except Exception as exc:  # the learner's code failed inside the checker: report, do not crash the cell
        feedback = Feedback(False, f"your code raised {_exception_line(exc)}", _where(exc))
    if not quiet:
        _print_feedback(exercise, feedback)
    return feedback.correct


def solution(exercise_id: str) -> str:
    """Source code of the reference solution of ``exercise_id`` (to print or paste)."""
    return textwrap.dedent(inspect.getsource(get(exercise_id).reference))


def _exception_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _where(exc: BaseException) -> str:
    """Where in the learner's code the exception happened (the last frame outside srlib)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/srlib/" not in f.filename.replace("\\", "/")]
    if not frames:
        return ""
    frame = frames[-1]
    return f"it happened at line {frame.lineno}: {frame.line}" if frame.line else ""


# --- helpers for chapter modules -------------------------------------------------------------


def describe_call(function_name: str, **arguments: Any) -> str:
    """'make_lr(hr of 101x136x3 uint8, scale=3)': a readable description of a test call."""
    parts = []
    for name, value in arguments.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{name} of {'x'.join(str(n) for n in value.shape)} {value.dtype}")
        else:
            parts.append(f"{name}={value!r}")
    return f"{function_name}({', '.join(parts)})"


def closest_mistake(answer: Any, mistakes: Sequence[Mistake], tolerance: float) -> Mistake | None:
    """The typical mistake whose value ``answer`` matches (within ``tolerance``), or None.

    Values may be numbers or arrays; arrays must have the answer's shape to match,
    and the match is on the largest absolute difference.
    """
    best, best_distance = None, float("inf")
    for mistake in mistakes:
        distance = _distance(answer, mistake.value)
        if distance <= tolerance and distance < best_distance:
            best, best_distance = mistake, distance
    return best


def _distance(a: Any, b: Any) -> float:
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return float("inf")
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - b)
    both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    diff = np.where(both_inf, 0.0, diff)
    return float(np.nanmax(diff)) if not np.isnan(diff).all() else float("inf")


# --- helpers every chapter's checkers share ------------------------------------------------------


@lru_cache(maxsize=1)
def _photo_crops() -> tuple[tuple[str, np.ndarray], ...]:
    folder = skimage_data_dir()
    # Sides that are not multiples of 2, 3 or 4 (101, 107) so a missing modcrop shows.
    return (
        ("astronaut crop", read_image(folder / "astronaut.png")[40:141, 180:316]),
        ("chelsea crop", read_image(folder / "chelsea.png")[60:160, 150:257]),
    )


def checker_images() -> list[tuple[str, np.ndarray]]:
    """The checkers' HR test images: two photo crops installed with scikit-image (copies: an answer may modify them)."""
    return [(name, image.copy()) for name, image in _photo_crops()]


def returned_none(value: Any, call: str) -> Feedback | None:
    """Feedback when ``call`` returned None (a forgotten ``return``), else None."""
    if value is None:
        return Feedback(False, f"{call} returned None.", "did you forget the `return` line?")
    return None


def wrong_shape(got: np.ndarray, expected: np.ndarray, call: str, hint: Callable[[tuple], str]) -> Feedback | None:
    """Feedback when ``call`` returned an array of another shape than ``expected`` (``hint(got.shape)``), else None."""
    if got.shape == expected.shape:
        return None
    return Feedback(False, f"{call} returned shape {got.shape}; expected {expected.shape}.", hint(got.shape))


def not_a_function(answer: Any, name: str) -> Feedback | None:
    """Feedback when the learner passed a value (often the function's result) instead of the function."""
    if callable(answer):
        return None
    return Feedback(
        False,
        f"check() needs your function itself, got a {type(answer).__name__}.",
        f"pass the function without calling it: exercises.check(..., {name})",
    )


def as_number(value: Any, call: str) -> tuple[float | None, Feedback | None]:
    """``(float(value), None)``, or ``(None, feedback)`` when ``call`` did not return one number."""
    if value is None:
        return None, Feedback(False, f"{call} returned None.", "did you forget the `return` line?")
    if np.ndim(value) != 0:
        return None, Feedback(
            False, f"{call} returned {type(value).__name__} of shape {np.shape(value)}.", "return one number."
        )
    try:
        return float(value), None
    except (TypeError, ValueError):
        return None, Feedback(False, f"{call} returned {value!r}.", "return one number.")


def mistake_hint(got: Any, mistakes: Sequence[Mistake], tolerance: float, fallback: str) -> str:
    """The hint of the typical mistake ``got`` matches (see :func:`closest_mistake`), else ``fallback``."""
    mistake = closest_mistake(got, mistakes, tolerance)
    return mistake.hint if mistake else fallback


def _copied(value: Any) -> Any:
    """A copy of an array or a list (of arrays), so that an answer writing into its inputs spoils no test case."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def run_cases(
    answer: Any,
    name: str,
    cases: Iterable[tuple[str, tuple | dict]],
    judge: Callable[..., Feedback | None],
    success: str,
    *,
    crashed: Callable[..., Feedback | None] | None = None,
    none_is_an_answer: bool = False,
) -> Feedback:
    """The checker skeleton: run ``answer`` on each ``(call, arguments)`` case, stop at the first wrong one.

    ``call`` is the call as the learner reads it (:func:`describe_call`); ``arguments`` a tuple of
    positional arguments or a dict of keyword arguments, given to the answer as copies (arrays,
    lists) with numpy's floating-point warnings off. A None result is a forgotten ``return`` unless
    ``none_is_an_answer``; otherwise ``judge(got, *arguments, call=call)`` (``**arguments`` for a
    dict) returns None when right, else the feedback. An exception from the answer goes up to
    :func:`check`, which reports it, unless ``crashed(exc, *arguments, call=call)`` returns feedback.
    All right: ``Feedback(True, success.format(count=number of cases))``.
    """
    problem = not_a_function(answer, name)
    if problem:
        return problem
    count = 0
    for call, arguments in cases:
        args, kwargs = ((), arguments) if isinstance(arguments, dict) else (arguments, {})
        try:
            with np.errstate(all="ignore"):
                got = answer(*map(_copied, args), **{key: _copied(value) for key, value in kwargs.items()})
        except Exception as exc:
            problem = crashed(exc, *args, call=call, **kwargs) if crashed else None
            if problem is None:
                raise
            return problem
        problem = None if none_is_an_answer else returned_none(got, call)
        problem = problem or judge(got, *args, call=call, **kwargs)
        if problem:
            return problem
        count += 1
    return Feedback(True, success.format(count=count))


def check_numbers(
    answer: Any,
    name: str,
    cases: list[dict],
    reference: Callable,
    mistakes: Callable,
    tolerance: float,
    fallback_hint: str,
    success: str,
) -> Feedback:
    """Check a function returning one number on several ``cases`` (keyword arguments) against ``reference``.

    On the first wrong case, the hint of the closest typical mistake (``mistakes(**case)``) is given.
    """

    def judge(got: Any, *, call: str, **arguments: Any) -> Feedback | None:
        got, problem = as_number(got, call)
        if problem:
            return problem
        expected = reference(**arguments)
        if abs(got - expected) <= tolerance:
            return None
        hint = mistake_hint(got, mistakes(**arguments), tolerance, fallback_hint)
        return Feedback(False, f"{call} gave {got:g}; expected {expected:g}.", hint)

    return run_cases(
        answer, name, [(describe_call(name, **arguments), arguments) for arguments in cases], judge, success
    )
