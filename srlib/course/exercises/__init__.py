"""The course's exercises: ``check(id, answer)`` prints what is right or wrong; ``solution(id)`` shows the reference.

The machinery (registry, feedback, typical mistakes) is in :mod:`srlib.course.exercises.core`;
each chapter's exercises are in ``chNN.py`` and load the first time one of their ids is used.
"""

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    check,
    closest_mistake,
    describe_call,
    exercise_ids,
    get,
    register,
    solution,
)

__all__ = [
    "Exercise",
    "Feedback",
    "Mistake",
    "check",
    "closest_mistake",
    "describe_call",
    "exercise_ids",
    "get",
    "register",
    "solution",
]
