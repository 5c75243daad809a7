"""Typical wrong answers to every exercise, one module per chapter, as data for tests/course/test_exercises.py.

Each chapter module holds ``MISTAKES``: rows of (exercise id, a wrong answer, words its hint must
contain), the chapter's placeholder first; and ``ALSO_CORRECT``: (exercise id, an answer that
differs from the reference but is right too).
"""

from tests.course.wrong_answers import ch00, ch01, ch02, ch03, ch04, ch05, ch06

CHAPTERS = (ch00, ch01, ch02, ch03, ch04, ch05, ch06)
MISTAKES = [row for chapter in CHAPTERS for row in chapter.MISTAKES]
ALSO_CORRECT = [row for chapter in CHAPTERS for row in getattr(chapter, "ALSO_CORRECT", [])]
