"""Chapter 05's typical mistakes: PIRM regions (05.1), network interpolation (05.2), the front (05.3), a budget (05.4)."""

from __future__ import annotations

import numpy as np


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


def _fitting(rmse, max_rmse):
    return [i for i, r in enumerate(rmse) if r <= max_rmse]


def _most_faithful(alphas, rmse, niqe, max_rmse):
    fits = _fitting(rmse, max_rmse)
    return alphas[min(fits, key=lambda i: rmse[i])] if fits else None


def _ignores_budget(alphas, rmse, niqe, max_rmse):
    return alphas[int(np.argmin(niqe))]


def _index(alphas, rmse, niqe, max_rmse):
    fits = _fitting(rmse, max_rmse)
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
