"""Chapter 05's exercises: NIQE's two halves written out, pixel against network interpolation, the Pareto front.

05.1 builds the MSCN coefficients NIQE starts from (Mittal et al. 2013, sec. II-A, eq. 1-3), checked against
:func:`srlib.metrics.niqe.mscn`; the hints name the usual slips (no constant C = 1, the variance for the
standard deviation, a box or an untruncated Gaussian window, zero or mirrored borders, one global mean).
05.2 builds NIQE's last step (sec. II-D, eq. 10): the multivariate Gaussian of an image's block features and
its distance to the pristine one; the slips are np.cov's row convention, one covariance instead of their
mean, the missing square root. 05.3 is the pixel blend ESRGAN (sec. 3.4) compares with network
interpolation, on uint8 images, where ``a + alpha * (b - a)`` wraps around. 05.4 finds the methods no
other method beats on both axes of the plane (the empirical frontier Blau & Michaeli's bound sits under).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.ndimage import correlate1d, gaussian_filter, uniform_filter

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    checker_images,
    describe_call,
    mistake_hint,
    register,
    run_cases,
)
from srlib.image import rgb2y
from srlib.metrics.niqe import load_pristine, niqe_features
from srlib.metrics.niqe import mscn as srlib_mscn
from srlib.metrics.ssim import gaussian_1d

__all__ = ["mscn", "niqe_score", "blend_images", "pareto_front"]

MSCN_TOLERANCE = 1e-6  # float64 filters agree to ~1e-12; a wrong window or border is off by > 1e-3


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.


def mscn(y):
    """MSCN coefficients (Mittal et al. 2013, sec. II-A, eq. 1-3): (y - mu) / (sigma + 1), 7x7 Gaussian window."""
    from scipy.ndimage import correlate1d

    from srlib.metrics import gaussian_1d

    g = gaussian_1d(7, 7 / 6)  # the window's 1-D factor, summing to 1

    def local_mean(x):  # the 7x7 window as two 1-D passes; borders replicated, as MATLAB's imfilter 'replicate'
        return correlate1d(correlate1d(x, g, axis=0, mode="nearest"), g, axis=1, mode="nearest")

    y = np.asarray(y, dtype=np.float64)
    mu = local_mean(y)
    sigma = np.sqrt(np.abs(local_mean(y * y) - mu * mu))  # abs: round-off makes flat areas slightly negative
    return (y - mu) / (sigma + 1)  # C = 1 keeps flat areas (sigma = 0) finite


def niqe_score(features, mu_pristine, cov_pristine):
    """NIQE (Mittal et al. 2013, sec. II-D, eq. 10): distance of the blocks' Gaussian to the pristine Gaussian."""
    mu = features.mean(axis=0)  # one row per block, one column per feature
    cov = np.cov(features, rowvar=False)  # 36 x 36; np.cov's default takes rows as variables
    difference = mu_pristine - mu
    return float(np.sqrt(difference @ np.linalg.pinv((cov_pristine + cov) / 2) @ difference))


def blend_images(sr_a, sr_b, alpha):
    """Pixel interpolation (ESRGAN sec. 3.4's alternative): (1 - alpha) * a + alpha * b, rounded back to uint8."""
    blend = (1 - alpha) * sr_a.astype(np.float64) + alpha * sr_b.astype(np.float64)  # float: no wrap-around
    return np.clip(np.round(blend), 0, 255).astype(np.uint8)


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


# --- 05.1 MSCN coefficients --------------------------------------------------------------------------


def _normalised(y: np.ndarray, mean: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """(y - mu) / (sigma + 1) with the local mean ``mean`` (a window and a border rule)."""
    mu = mean(y)
    return (y - mu) / (np.sqrt(np.abs(mean(y * y) - mu * mu)) + 1)


def _mscn_mistakes(y: np.ndarray) -> list[Mistake]:
    g = gaussian_1d(7, 7 / 6)

    def gaussian(mode: str) -> Callable[[np.ndarray], np.ndarray]:
        return lambda x: correlate1d(correlate1d(x, g, axis=0, mode=mode), g, axis=1, mode=mode)

    mu = gaussian("nearest")(y)
    sigma = np.sqrt(np.abs(gaussian("nearest")(y * y) - mu * mu))
    border = (
        "the values inside are right but not at the border: replicate the edge pixels (mode='nearest', "
        "MATLAB's imfilter 'replicate'), not zeros or a mirror."
    )
    mistakes = [
        Mistake("no constant", (y - mu) / sigma, "divide by sigma + 1: C = 1 keeps flat areas (sigma = 0) finite."),
        Mistake("variance", (y - mu) / (sigma**2 + 1), "divide by the local standard deviation, the square root."),
        Mistake("global", (y - y.mean()) / (y.std() + 1), "mu and sigma are local: weighted over each 7x7 window."),
        Mistake(
            "box window",
            _normalised(y, lambda x: uniform_filter(x, 7, mode="nearest")),
            "NIQE's window is a 7x7 Gaussian with sigma 7/6, normalised to sum 1: gaussian_1d(7, 7 / 6), two passes.",
        ),
        Mistake(
            "untruncated Gaussian",
            _normalised(y, lambda x: gaussian_filter(x, 7 / 6, mode="nearest")),
            "gaussian_filter's default window reaches 4 sigma (11x11); NIQE's is 7x7: gaussian_1d(7, 7 / 6), "
            "or truncate=3 / (7 / 6).",
        ),
        Mistake(
            "neighbours' means",
            (y - mu) / (np.sqrt(gaussian("nearest")((y - mu) ** 2)) + 1),
            "sigma(i, j) measures the window around (i, j) against mu(i, j) itself: "
            "sqrt(local_mean(y * y) - mu * mu), not local_mean((y - mu) ** 2).",
        ),
    ]
    mistakes += [Mistake(f"{mode} border", _normalised(y, gaussian(mode)), border) for mode in ("constant", "reflect")]
    return mistakes


@lru_cache(maxsize=1)
def _mscn_planes() -> tuple[tuple[str, np.ndarray], ...]:
    (name, photo), *_ = checker_images()
    flat = rgb2y(photo).astype(np.float64)
    flat[20:50, 30:80] = 117.0  # a flat patch: sigma = 0 there
    rng = np.random.default_rng(51)
    return (
        (f"Y of the {name}", rgb2y(photo).astype(np.float64)),
        (f"Y of the {name} with a flat patch", flat),
        ("a 12x17 random plane", rng.uniform(0, 255, (12, 17))),
    )


def _judge_mscn(got: Any, y: np.ndarray, *, call: str) -> Feedback | None:
    expected = srlib_mscn(y)[0]
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return Feedback(
            False, f"{call} returned shape {got.shape}; expected {expected.shape}.", "one coefficient per pixel."
        )
    if np.all(np.abs(got - expected) <= MSCN_TOLERANCE):
        return None
    fallback = (
        "mu = local_mean(y), sigma = sqrt(|local_mean(y * y) - mu * mu|), (y - mu) / (sigma + 1), with the 7x7 "
        "Gaussian window (sigma 7/6) and replicated borders."
    )
    if not np.all(np.isfinite(got)):
        fallback = "some coefficients are inf or NaN: divide by sigma + 1 and take abs() before the square root."
    inner = (slice(3, -3), slice(3, -3))
    if y.shape[0] > 6 and y.shape[1] > 6 and np.all(np.abs(got[inner] - expected[inner]) <= MSCN_TOLERANCE):
        fallback = "the values inside are right but not at the border: replicate the edge pixels (mode='nearest')."
    worst = float(np.nanmax(np.abs(got - expected))) if np.isfinite(got).any() else float("nan")
    return Feedback(
        False,
        f"{call} differs from (y - mu) / (sigma + 1) by up to {worst:.3g}.",
        mistake_hint(got, _mscn_mistakes(y), 1e-6, fallback),
    )


def _check_mscn(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "mscn",
        [(describe_call("mscn", y=plane), (plane.copy(),)) for _, plane in _mscn_planes()],
        _judge_mscn,
        "equals srlib.metrics.niqe.mscn on all {count} planes (a photo, one with a flat patch, a random one), "
        "borders included.",
    )


register(Exercise("05.1", "MSCN coefficients, NIQE's first step", _check_mscn, mscn))


# --- 05.2 NIQE from the block features ---------------------------------------------------------------


@lru_cache(maxsize=1)
def _feature_cases() -> tuple[tuple[str, np.ndarray, np.ndarray, np.ndarray], ...]:
    mu, cov = load_pristine(None)
    cases = []
    for name, photo in checker_images():
        features, _ = niqe_features(rgb2y(photo).astype(np.float64), block_size=32)  # 9 or 12 blocks
        cases.append((name, features, mu, cov))
    rng = np.random.default_rng(52)
    features = rng.normal(size=(40, 36)) @ rng.normal(scale=0.3, size=(36, 36)) + 1.0
    cases.append(("random", features, mu, cov * 0.5))  # 40 blocks: more blocks than features
    return tuple(cases)


def _score_mistakes(features: np.ndarray, mu_p: np.ndarray, cov_p: np.ndarray) -> list[Mistake]:
    mu, cov = features.mean(axis=0), np.cov(features, rowvar=False)
    d = mu_p - mu

    def distance(matrix: np.ndarray) -> float:
        return float(np.sqrt(d @ np.linalg.pinv(matrix) @ d))

    average = "use the mean of the two covariances, pinv((cov_pristine + cov) / 2): both Gaussians' spreads count."
    return [
        Mistake("no square root", float(d @ np.linalg.pinv((cov_p + cov) / 2) @ d), "eq. 10 is a distance: take the square root."),
        Mistake("sum, not mean", distance(cov_p + cov), "the covariances are averaged: (cov_pristine + cov) / 2."),
        Mistake("pristine covariance only", distance(cov_p), average),
        Mistake("image covariance only", distance(cov), average),
        Mistake("Euclidean", float(np.linalg.norm(d)), "the distance is weighted by pinv((cov_pristine + cov) / 2), "
                "not the plain Euclidean one."),
        Mistake("biased covariance", distance((cov_p + np.cov(features, rowvar=False, bias=True)) / 2),
                "np.cov's default divides by n - 1, as MATLAB's cov: do not pass bias=True or divide by n."),
    ]  # fmt: skip


def _judge_score(got: Any, features, mu_p, cov_p, *, call: str) -> Feedback | None:
    try:
        value = float(got)
    except (TypeError, ValueError):
        return Feedback(False, f"{call} returned {type(got).__name__}.", "return one number, the distance.")
    expected = niqe_score(features, mu_p, cov_p)
    if np.isclose(value, expected, rtol=1e-6, atol=0):
        return None
    fallback = "mu = mean over blocks, cov = np.cov(features, rowvar=False), sqrt(d' pinv((cov_p + cov) / 2) d)."
    return Feedback(
        False,
        f"{call} gave {value:.6g}; expected {expected:.6g}.",
        mistake_hint(value, _score_mistakes(features, mu_p, cov_p), 1e-6 * expected, fallback),
    )


def _crashed_score(exc: Exception, *args, call: str, **kwargs) -> Feedback | None:
    if not isinstance(exc, ValueError):
        return None  # check() reports it with the line
    return Feedback(
        False,
        f"{call} raised ValueError: {exc}",
        "shapes: features is (blocks, 36), so the mean is over axis 0, and np.cov takes rows as variables "
        "unless rowvar=False — the covariance must be 36 x 36, like cov_pristine.",
    )


def _check_score(answer: Any) -> Feedback:
    cases = [
        (f"niqe_score(features of the {name}: {f.shape[0]} blocks x 36, mu_pristine, cov_pristine)", (f, mu, cov))
        for name, f, mu, cov in _feature_cases()
    ]
    return run_cases(
        answer,
        "niqe_score",
        cases,
        _judge_score,
        "right on all {count} cases: with niqe_features it gives srlib.metrics.niqe's score.",
        crashed=_crashed_score,
    )


register(Exercise("05.2", "NIQE from its features", _check_score, niqe_score))


# --- 05.3 pixel interpolation ---------------------------------------------------------------------------


def _blend_cases() -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(53)
    a = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    a[0, :3], b[0, :3] = 255, 0  # extremes, where wrap-around shows
    a[1, :3], b[1, :3] = 0, 255
    return [
        (describe_call("blend_images", sr_a=a, sr_b=b, alpha=alpha), (a, b, alpha)) for alpha in (0.3, 0.5, 0.0, 1.0)
    ]


def _blend_hint(got: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float) -> str:
    af, bf = a.astype(np.float64), b.astype(np.float64)
    if np.array_equal(got, (a + np.asarray(alpha * (b - a))).astype(np.uint8)) or np.array_equal(
        got, np.round(a + alpha * (b - a)).astype(np.uint8)
    ):
        return "b - a in uint8 wraps around below 0 (3 - 5 = 254): convert to float before subtracting."
    if np.all(np.abs(got.astype(np.float64) - (alpha * af + (1 - alpha) * bf)) <= 0.5 + 1e-9):
        return "alpha is on the wrong image: alpha = 0 must give sr_a (SRResNet), alpha = 1 sr_b (SRGAN)."
    if np.array_equal(got, ((1 - alpha) * af + alpha * bf).astype(np.uint8)):
        return "astype(np.uint8) cuts off the fraction (0.9 becomes 0): round first, then convert."
    return "(1 - alpha) * a + alpha * b in float, rounded, clipped to 0..255, as uint8."


def _judge_blend(got: Any, a: np.ndarray, b: np.ndarray, alpha: float, *, call: str) -> Feedback | None:
    got = np.asarray(got)
    if got.shape != a.shape:
        return Feedback(False, f"{call} returned shape {got.shape}; expected {a.shape}.", "blend pixel by pixel.")
    exact = (1 - alpha) * a.astype(np.float64) + alpha * b.astype(np.float64)
    if got.dtype != np.uint8:
        close = np.all(np.abs(got.astype(np.float64) - exact) <= 0.5 + 1e-9)
        return Feedback(
            False,
            f"{call} returned {got.dtype}; expected uint8, like the SR images it blends.",
            "round, clip to 0..255 and convert: np.clip(np.round(x), 0, 255).astype(np.uint8)."
            + (" The values are right." if close else ""),
        )
    if np.all(np.abs(got.astype(np.float64) - exact) <= 0.5 + 1e-9):  # any correct rounding of a .5
        return None
    return Feedback(False, f"{call} is not (1 - alpha) * a + alpha * b, rounded.", _blend_hint(got, a, b, alpha))


def _check_blend(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "blend_images",
        _blend_cases(),
        _judge_blend,
        "right on all {count} cases, black-against-white pixels included: rounded, no wrap-around.",
    )


register(Exercise("05.3", "pixel interpolation", _check_blend, blend_images))


# --- 05.4 the Pareto front -----------------------------------------------------------------------------


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


register(Exercise("05.4", "the methods nobody beats", _check_front, pareto_front))
