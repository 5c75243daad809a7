"""Chapter 05's typical mistakes: MSCN (05.1), NIQE from features (05.2), pixel blending (05.3), the front (05.4)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve, correlate, gaussian_filter, uniform_filter

from srlib.metrics.ssim import gaussian_1d, gaussian_window

# --- 05.1 ---------------------------------------------------------------------------------------


def _placeholder_mscn(y):
    return y - y.mean()  # the chapter's placeholder


def _mscn(y, *, blur=None, constant=1.0, power=0.5, neighbours=False):
    """MSCN with one thing changed, the way a learner would write it."""
    y = np.asarray(y, dtype=np.float64)
    blur = blur or (lambda x: correlate(x, gaussian_window(7, 7 / 6), mode="nearest"))
    mu = blur(y)
    variance = blur((y - mu) ** 2) if neighbours else np.abs(blur(y * y) - mu * mu)
    return (y - mu) / (variance**power + constant)


def _no_constant(y):
    return _mscn(y, constant=0.0)


def _variance(y):
    return _mscn(y, power=1.0)


def _box_window(y):
    return _mscn(y, blur=lambda x: uniform_filter(x, 7, mode="nearest"))


def _gaussian_filter_default(y):
    return _mscn(y, blur=lambda x: gaussian_filter(x, 7 / 6, mode="nearest"))


def _zero_border(y):
    return _mscn(y, blur=lambda x: correlate(x, gaussian_window(7, 7 / 6), mode="constant"))


def _scipy_default_border(y):
    return _mscn(y, blur=lambda x: correlate(x, gaussian_window(7, 7 / 6)))  # mode='reflect'


def _neighbours_means(y):
    return _mscn(y, neighbours=True)


def _global(y):
    return (y - y.mean()) / (y.std() + 1)


# --- 05.2 ---------------------------------------------------------------------------------------


def _placeholder_score(features, mu_pristine, cov_pristine):
    return float(np.linalg.norm(mu_pristine - features.mean(axis=0)))  # the chapter's placeholder


def _score(features, mu_p, cov_p, *, cov=None, which="mean", root=True):
    mu = features.mean(axis=0)
    cov = np.cov(features, rowvar=False) if cov is None else cov
    matrix = {"mean": (cov_p + cov) / 2, "sum": cov_p + cov, "pristine": cov_p, "image": cov}[which]
    d = mu_p - mu
    value = d @ np.linalg.pinv(matrix) @ d
    return float(np.sqrt(value) if root else value)


def _rows_as_variables(features, mu_p, cov_p):
    return _score(features, mu_p, cov_p, cov=np.cov(features))  # (blocks x blocks): a shape error


def _no_square_root(features, mu_p, cov_p):
    return _score(features, mu_p, cov_p, root=False)


def _covariances_summed(features, mu_p, cov_p):
    return _score(features, mu_p, cov_p, which="sum")


def _pristine_covariance_only(features, mu_p, cov_p):
    return _score(features, mu_p, cov_p, which="pristine")


def _biased_covariance(features, mu_p, cov_p):
    return _score(features, mu_p, cov_p, cov=np.cov(features, rowvar=False, bias=True))


def _mean_over_features(features, mu_p, cov_p):
    d = mu_p - features.mean(axis=1)  # one mean per block: a shape error against 36 features
    return float(np.sqrt(d @ np.linalg.pinv((cov_p + np.cov(features, rowvar=False)) / 2) @ d))


def _inv_instead_of_pinv(features, mu_p, cov_p):
    d = mu_p - features.mean(axis=0)
    return float(np.sqrt(d @ np.linalg.inv((cov_p + np.cov(features, rowvar=False)) / 2) @ d))


# --- 05.3 ---------------------------------------------------------------------------------------


def _placeholder_blend(sr_a, sr_b, alpha):
    return sr_a  # the chapter's placeholder


def _wraps_around(sr_a, sr_b, alpha):
    return (sr_a + alpha * (sr_b - sr_a)).astype(np.uint8)  # sr_b - sr_a in uint8


def _alpha_swapped(sr_a, sr_b, alpha):
    return np.round(alpha * sr_a.astype(float) + (1 - alpha) * sr_b).astype(np.uint8)


def _truncated(sr_a, sr_b, alpha):
    return ((1 - alpha) * sr_a.astype(float) + alpha * sr_b).astype(np.uint8)


def _float_result(sr_a, sr_b, alpha):
    return (1 - alpha) * sr_a.astype(float) + alpha * sr_b


def _rounds_half_up(sr_a, sr_b, alpha):
    return np.floor((1 - alpha) * sr_a.astype(float) + alpha * sr_b + 0.5).astype(np.uint8)


# --- 05.4 ---------------------------------------------------------------------------------------


def _strictly_beaten(points):
    return [i for i, (r, n) in enumerate(points) if not any(rj < r and nj < n for rj, nj in points)]


def _lowest_rmse_only(points):
    return [int(np.argmin([p[0] for p in points]))]


def _separable_gaussian(y):
    g = gaussian_1d(7, 7 / 6)
    y = np.asarray(y, dtype=np.float64)

    def blur(x):
        return convolve(convolve(x, g[:, None], mode="nearest"), g[None, :], mode="nearest")  # symmetric: = correlate

    mu = blur(y)
    return (y - mu) / (np.sqrt(np.maximum(blur(y * y) - mu * mu, 0)) + 1)


MISTAKES = [
    ("05.1", _placeholder_mscn, "sigma + 1"),
    ("05.1", _no_constant, "C = 1"),
    ("05.1", _variance, "square root"),
    ("05.1", _box_window, "7x7 Gaussian"),
    ("05.1", _gaussian_filter_default, "11x11"),
    ("05.1", _zero_border, "replicate the edge pixels"),
    ("05.1", _scipy_default_border, "replicate the edge pixels"),
    ("05.1", _neighbours_means, "not local_mean((y - mu) ** 2)"),
    ("05.1", _global, "local"),
    ("05.2", _placeholder_score, "not the plain Euclidean"),
    ("05.2", _rows_as_variables, "rowvar=False"),
    ("05.2", _no_square_root, "square root"),
    ("05.2", _covariances_summed, "averaged"),
    ("05.2", _pristine_covariance_only, "mean of the two covariances"),
    ("05.2", _biased_covariance, "n - 1"),
    ("05.2", _mean_over_features, "axis 0"),
    ("05.3", _placeholder_blend, "(1 - alpha) * a + alpha * b"),
    ("05.3", _wraps_around, "wraps around"),
    ("05.3", _alpha_swapped, "wrong image"),
    ("05.3", _truncated, "round first"),
    ("05.3", _float_result, "The values are right"),
    ("05.4", _strictly_beaten, "same RMSE but a lower NIQE"),
    ("05.4", _lowest_rmse_only, "more than one point"),
]

ALSO_CORRECT = [
    ("05.1", _separable_gaussian),
    ("05.2", _inv_instead_of_pinv),
    ("05.3", _rounds_half_up),
]
