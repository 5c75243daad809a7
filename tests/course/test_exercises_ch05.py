"""Chapter 05's exercises: references agree with srlib, typical mistakes get their hint, solutions run."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.models.network_interpolation import blend_weights
from srlib.course import exercises
from srlib.viz import plane
from srlib.course.exercises.ch05 import best_alpha, interpolate, pareto_front, pirm_region

IDS = ["05.1", "05.2", "05.3", "05.4"]


@pytest.mark.parametrize("rmse", np.linspace(0, 20, 81))
def test_region_reference_agrees_with_the_library(rmse):
    assert pirm_region(rmse) == plane.pirm_region(rmse)


def test_interpolation_reference_agrees_with_blend_weights():
    rng = np.random.default_rng(0)
    a, b = [rng.normal(size=(2, 3))], [rng.normal(size=(2, 3))]
    for alpha in (0, 0.4, 1):
        np.testing.assert_allclose(interpolate(a, b, alpha)[0], blend_weights(a, b, alpha)[0])


def test_front_and_operating_point_on_random_curves():
    rng = np.random.default_rng(1)
    for _ in range(20):
        points = [tuple(p) for p in rng.integers(0, 5, (7, 2)).astype(float)]
        front = pareto_front(points)
        for i in range(len(points)):
            beaten = any(np.all(np.array(q) <= points[i]) and np.any(np.array(q) < points[i]) for q in points)
            assert (i in front) == (not beaten)
        alphas = list(np.linspace(0, 1, 7))
        rmse, niqe = [p[0] for p in points], [p[1] for p in points]
        choice = best_alpha(alphas, rmse, niqe, 2.5)
        fits = [i for i in range(7) if rmse[i] <= 2.5]
        if not fits:
            assert choice is None
        else:
            assert min(niqe[i] for i in fits) == niqe[alphas.index(choice)]


# --- typical mistakes: (exercise, wrong answer, words the hint must contain) ----------------------


def _strict(rmse):
    return 1 if rmse < 11.5 else 2 if rmse < 12.5 else 3 if rmse < 16 else None


def _widest_first(rmse):
    return 3 if rmse <= 16 else 2 if rmse <= 12.5 else 1 if rmse <= 11.5 else None


def _zero_outside(rmse):
    return 1 if rmse <= 11.5 else 2 if rmse <= 12.5 else 3 if rmse <= 16 else 0


def _swapped(a, b, alpha):
    return [alpha * x + (1 - alpha) * y for x, y in zip(a, b)]


def _not_normalised(a, b, alpha):
    return [x + alpha * y for x, y in zip(a, b)]


def _strictly_beaten(points):
    return [i for i, (r, n) in enumerate(points) if not any(rj < r and nj < n for rj, nj in points)]


def _lowest_rmse_only(points):
    return [int(np.argmin([p[0] for p in points]))]


def _most_faithful(alphas, rmse, niqe, max_rmse):
    fits = [i for i, r in enumerate(rmse) if r <= max_rmse]
    return alphas[min(fits, key=lambda i: rmse[i])] if fits else None


def _ignores_budget(alphas, rmse, niqe, max_rmse):
    return alphas[int(np.argmin(niqe))]


def _index(alphas, rmse, niqe, max_rmse):
    fits = [i for i, r in enumerate(rmse) if r <= max_rmse]
    return min(fits, key=lambda i: niqe[i]) if fits else None


def _strict_budget(alphas, rmse, niqe, max_rmse):
    fits = [i for i, r in enumerate(rmse) if r < max_rmse]
    return alphas[min(fits, key=lambda i: niqe[i])] if fits else None


MISTAKES = [
    ("05.1", _strict, "use <="),
    ("05.1", _widest_first, "tightest bound"),
    ("05.1", _zero_outside, "return None"),
    ("05.2", _swapped, "wrong model"),
    ("05.2", _not_normalised, "sum to one"),
    ("05.3", _strictly_beaten, "same RMSE but a lower NIQE"),
    ("05.3", _lowest_rmse_only, "more than one point"),
    ("05.4", _most_faithful, "most faithful"),
    ("05.4", _ignores_budget, "breaks the RMSE budget"),
    ("05.4", _index, "not its index"),
    ("05.4", _strict_budget, "the bound included"),
]


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    assert exercises.check(exercise_id, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✗ Exercise {exercise_id}") and "not yet" in out
    assert hint in out.replace("\n  ", " ")


def test_crashing_and_non_function_answers_are_reported(capsys):
    def broken(points):
        return [points[99]]

    assert exercises.check("05.3", broken) is False
    assert "IndexError" in capsys.readouterr().out
    assert exercises.check("05.1", 2) is False
    assert "function itself" in capsys.readouterr().out
    assert exercises.check("05.2", lambda a, b, alpha: None) is False
    assert "return" in capsys.readouterr().out
