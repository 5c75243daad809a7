"""Chapter 05's exercises: PIRM regions, network interpolation by hand, the Pareto front, an operating point.

05.1 asks for the PIRM 2018 region of an RMSE (Blau et al., ECCVW 2018: region n
holds RMSE <= 11.5, 12.5, 16); the typical mistakes are strict inequalities and
testing the widest region first. 05.2 is ESRGAN's network interpolation (sec. 3.4)
on plain lists of arrays, checked against :func:`srlib.models.network_interpolation.blend_weights`;
the usual slip puts alpha on the wrong model. 05.3 finds the methods no other
method beats on both axes of the plane (the empirical lower-left frontier that
Blau & Michaeli's bound sits under). 05.4 picks the interpolation weight for an
application: the most natural-looking (lowest NIQE) alpha whose RMSE stays within
a budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    describe_call,
    register,
    run_cases,
)
from srlib.models.network_interpolation import blend_weights

__all__ = ["best_alpha", "interpolate", "pareto_front", "pirm_region"]


# --- reference solutions (solution(id) shows their source) -----------------------------------


def pirm_region(rmse):
    """The PIRM 2018 region (1, 2 or 3) of a method with this RMSE, or None when it is above all three bounds."""
    for region, bound in ((1, 11.5), (2, 12.5), (3, 16.0)):  # tightest budget first: region 1 also lies inside 2 and 3
        if rmse <= bound:  # the bounds belong to their region
            return region
    return None


def interpolate(weights_a, weights_b, alpha):
    """Network interpolation (ESRGAN sec. 3.4): (1 - alpha) * a + alpha * b for every pair of weight arrays."""
    return [(1 - alpha) * a + alpha * b for a, b in zip(weights_a, weights_b)]  # alpha = 0 gives model a


def pareto_front(points):
    """Indices (ascending) of the (rmse, niqe) points that no other point beats: at most as bad in both, better in one."""
    front = []
    for i, (rmse_i, niqe_i) in enumerate(points):
        beaten = any(
            rmse_j <= rmse_i and niqe_j <= niqe_i and (rmse_j < rmse_i or niqe_j < niqe_i)
            for j, (rmse_j, niqe_j) in enumerate(points)
            if j != i
        )
        if not beaten:
            front.append(i)
    return front


def best_alpha(alphas, rmse, niqe, max_rmse):
    """The alpha with the lowest NIQE among those whose RMSE is at most max_rmse; None if none fits the budget."""
    allowed = [(n, a) for a, r, n in zip(alphas, rmse, niqe) if r <= max_rmse]
    return min(allowed)[1] if allowed else None  # lowest NIQE first


# --- 05.1 PIRM region ------------------------------------------------------------------------------


def _strict_region(rmse):
    for region, bound in ((1, 11.5), (2, 12.5), (3, 16.0)):
        if rmse < bound:
            return region
    return None


def _widest_first(rmse):
    for region, bound in ((3, 16.0), (2, 12.5), (1, 11.5)):
        if rmse <= bound:
            return region
    return None


def _region_hint(got: Any, rmse: float, expected: int | None) -> str:
    if expected is None:
        return "above 16 the method is in no region: return None (not 0 or 4)."
    if got == _widest_first(rmse):
        return (
            "region 3 contains regions 1 and 2 (they are nested budgets): test the tightest bound, 11.5, "
            "first, so a method gets the best region it qualifies for."
        )
    if got == _strict_region(rmse):
        return "the bounds belong to their region: 'RMSE ≤ 11.5' — use <=, not <."
    return "region 1: RMSE ≤ 11.5; region 2: ≤ 12.5; region 3: ≤ 16; above: None."


def _judge_region(got: Any, rmse: float, *, call: str) -> Feedback | None:
    expected = pirm_region(rmse)
    if got == expected and (got is None) == (expected is None):
        return None
    return Feedback(False, f"{call} gave {got!r}; expected {expected!r}.", _region_hint(got, rmse, expected))


def _check_region(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "pirm_region",
        [(describe_call("pirm_region", rmse=rmse), (rmse,)) for rmse in (9.6, 11.5, 12.0, 12.5, 13.9, 16.0, 17.2)],
        _judge_region,
        "right on all {count} cases, bounds included: an RMSE of exactly 11.5 is still region 1.",
        none_is_an_answer=True,  # above every bound
    )


register(Exercise("05.1", "the PIRM region of a method", _check_region, pirm_region))


# --- 05.2 network interpolation by hand ---------------------------------------------------------------


def _judge_interpolate(
    got: Any, weights_a: list[np.ndarray], weights_b: list[np.ndarray], alpha: float, *, call: str
) -> Feedback | None:
    got = list(got)
    if len(got) != len(weights_a):
        return Feedback(
            False,
            f"{call} returned {len(got)} items; expected 3, one array per weight.",
            "blend the arrays pair by pair: zip(weights_a, weights_b).",
        )
    expected = blend_weights(weights_a, weights_b, alpha)
    shapes = [np.shape(g) for g in got]
    if shapes != [e.shape for e in expected]:
        return Feedback(
            False,
            f"{call} returned arrays of shapes {shapes}; expected {[e.shape for e in expected]}.",
            "blend each pair element by element, keeping its shape.",
        )
    if all(np.allclose(g, e) for g, e in zip(got, expected)):
        return None
    swapped = [alpha * a + (1 - alpha) * b for a, b in zip(weights_a, weights_b)]
    added = [a + alpha * b for a, b in zip(weights_a, weights_b)]
    if all(np.allclose(g, s) for g, s in zip(got, swapped)):
        hint = "alpha is on the wrong model: alpha = 0 must give model a (SRResNet), alpha = 1 model b (SRGAN)."
    elif all(np.allclose(g, s) for g, s in zip(got, added)):
        hint = "the weights must sum to one: (1 - alpha) * a + alpha * b, otherwise the layers' scale changes."
    else:
        hint = "theta = (1 - alpha) * theta_a + alpha * theta_b, for each array."
    return Feedback(False, f"{call} differs from (1 - alpha) * a + alpha * b.", hint)


def _check_interpolate(answer: Any) -> Feedback:
    rng = np.random.default_rng(5)
    weights_a = [rng.normal(size=(3, 3, 2, 4)), rng.normal(size=(4,)), rng.normal(size=(1, 1, 4))]
    weights_b = [w + rng.normal(scale=0.5, size=w.shape) for w in weights_a]
    cases = [
        (f"interpolate(3 arrays of a, 3 arrays of b, alpha={alpha})", (weights_a, weights_b, alpha))
        for alpha in (0.3, 0.75, 0.0, 1.0)
    ]
    return run_cases(
        answer,
        "interpolate",
        cases,
        _judge_interpolate,
        "equals srlib.models.network_interpolation.blend_weights for alpha = 0.3, 0.75, 0 and 1; "
        "interpolate_weights does the same on a Keras model's get_weights().",
    )


register(Exercise("05.2", "network interpolation by hand", _check_interpolate, interpolate))


# --- 05.3 the Pareto front -----------------------------------------------------------------------------


_FRONT_CASES = [
    [(12.9, 6.8), (9.7, 5.9), (12.2, 3.4), (11.6, 6.3)],  # bicubic, SRResNet, SRGAN, FSRCNN
    [(10.0, 5.0), (10.0, 4.0), (11.0, 4.0), (9.0, 6.0)],  # ties: (10, 5) and (11, 4) are beaten by (10, 4)
    [(10.0, 4.0), (10.0, 4.0), (12.0, 3.0)],  # a duplicate beats neither copy
    [(11.0, 5.0)],
]


def _strictly_beaten_front(points):
    return [i for i, (r, n) in enumerate(points) if not any(rj < r and nj < n for rj, nj in points)]


def _front_hint(got: list[int], points: list[tuple[float, float]]) -> str:
    if sorted(got) == _strictly_beaten_front(points):
        return (
            "a point with the same RMSE but a lower NIQE also beats it: 'beaten' means no worse on both "
            "axes and better on at least one."
        )
    if len(got) == 1:
        return "more than one point can be on the front: one can be more faithful, another more natural."
    return "keep point i unless some other point j has rmse_j <= rmse_i and niqe_j <= niqe_i, one of them strictly."


def _judge_front(got: Any, points: list[tuple[float, float]], *, call: str) -> Feedback | None:
    try:
        got = [int(i) for i in got]
    except (TypeError, ValueError):
        return Feedback(False, f"{call} returned {got!r}.", "return a list of indices into points, e.g. [1, 2].")
    expected = pareto_front(points)
    if sorted(got) == expected:
        return None
    return Feedback(False, f"{call} gave {sorted(got)}; expected {expected}.", _front_hint(got, points))


def _check_front(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "pareto_front",
        [(f"pareto_front({points})", (points,)) for points in _FRONT_CASES],
        _judge_front,
        "right on all {count} cases: bicubic and FSRCNN are beaten; SRResNet and SRGAN are both on the front, "
        "each best on one axis.",
    )


register(Exercise("05.3", "the methods nobody beats", _check_front, pareto_front))


# --- 05.4 an operating point under a distortion budget ---------------------------------------------------------

_CURVE = {
    "alphas": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
    "rmse": [9.7, 9.9, 10.3, 10.8, 11.5, 12.2],
    "niqe": [5.9, 5.5, 4.9, 4.3, 3.8, 3.4],
}


def _best_alpha_hint(got, alphas, rmse, niqe, max_rmse) -> str:
    inside = [i for i, r in enumerate(rmse) if r <= max_rmse]
    if not inside:
        return "no alpha fits this budget: return None."
    if got is None:
        return (
            "some alphas fit this budget (rmse <= max_rmse, the bound included): return the one with the lowest NIQE."
        )
    best = min(inside, key=lambda i: niqe[i])
    if np.isclose(float(got), alphas[min(inside, key=lambda i: rmse[i])]):
        return "that is the most faithful alpha; the task is the most natural-looking (lowest NIQE) one that fits."
    if np.isclose(float(got), alphas[int(np.argmin(niqe))]):
        return "that alpha has the lowest NIQE but breaks the RMSE budget: consider only rmse <= max_rmse."
    if float(got) == best:
        return "return the alpha itself, not its index."
    return "among the alphas with rmse <= max_rmse (the bound included), take the one with the lowest NIQE."


def _judge_best_alpha(
    got: Any, *, call: str, alphas: list[float], rmse: list[float], niqe: list[float], max_rmse: float
) -> Feedback | None:
    expected = best_alpha(alphas, rmse, niqe, max_rmse)
    if (got is None) == (expected is None) and (got is None or np.isclose(float(got), expected)):
        return None
    return Feedback(
        False, f"{call} gave {got!r}; expected {expected!r}.", _best_alpha_hint(got, alphas, rmse, niqe, max_rmse)
    )


def _check_best_alpha(answer: Any) -> Feedback:
    cases = [_CURVE | {"max_rmse": m} for m in (10.5, 11.5, 12.5, 9.0, 9.7)]
    # NIQE not monotone in alpha: the lowest NIQE within the budget is not the largest alpha in it.
    cases.append({"alphas": [0.0, 0.5, 1.0], "rmse": [9.5, 10.0, 10.6], "niqe": [5.0, 5.2, 4.6], "max_rmse": 10.2})
    return run_cases(
        answer,
        "best_alpha",
        [(f"best_alpha(alphas, rmse, niqe, max_rmse={case['max_rmse']})", case) for case in cases],
        _judge_best_alpha,
        "right on all {count} cases, including a budget nothing fits and a curve whose NIQE is not monotone.",
        none_is_an_answer=True,  # no alpha fits the budget
    )


register(Exercise("05.4", "an operating point for a distortion budget", _check_best_alpha, best_alpha))
