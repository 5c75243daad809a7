"""NIQE, the no-reference "naturalness" score of Mittal, Soundararajan & Bovik (2013).

"Making a 'Completely Blind' Image Quality Analyzer", IEEE Signal Processing
Letters 20(3). Lower is better (more like a sharp natural photo). The steps
follow the authors' MATLAB release (``computequality.m``, ``computefeature.m``,
``estimateaggdparam.m``) and MATLAB R2021a's ``niqe``:

1. luma: an RGB image becomes the Y of MATLAB ``rgb2ycbcr``. For a ``uint8``
   image MATLAB returns ``uint8`` Y, i.e. *rounded*, and so do we (this is what
   reproduces the published 5.72957338 on baboon); float RGB (0..255) keeps its
   unrounded Y; grayscale is used as it is;
2. crop to a whole number of ``block_size`` blocks (top-left kept);
3. MSCN coefficients (sec. II-A): ``(I - mu) / (sigma + 1)`` with a 7x7
   Gaussian window (sigma 7/6) and 'replicate' borders, as ``imfilter`` does;
   pixels whose whole window is one value get exactly 0 (needed to match MATLAB);
4. per block, without overlap, 18 features (sec. II-C): the AGGD fit of the
   MSCN values (shape, mean of left/right scales), then for each of the four
   neighbour products (horizontal, vertical, two diagonals; ``circshift``
   *inside the block*) the AGGD shape, mean, left and right scales. Shapes are
   found by moment matching on the grid ``gamma = 0.2:0.001:10``;
5. the same at half size (MATLAB bicubic, antialiased ``imresize(I, 0.5)`` on
   float), blocks ``block_size / 2``, giving 36 features per block;
6. a multivariate Gaussian of the blocks' features (``nanmean``, ``nancov``)
   and its distance to the pristine model (sec. II-D, eq. 10):
   ``sqrt((mu_p - mu)' pinv((cov_p + cov) / 2) (mu_p - mu))``.

The pristine model. The authors' ``modelparameters.mat`` cannot be
redistributed, so srlib ships its own (``niqe_pristine.npz``, used when
``pristine=None``), fitted by ``scripts/fit_niqe_pristine.py`` with their
training procedure (``estimatemodelparam.m``: 96x96 blocks, no overlap, only
blocks whose mean local sigma exceeds 0.75 of the image's sharpest block). It
differs from the official model in its training images: the authors used 125
high-resolution photographs converted with ``rgb2gray``; ours are the small
T91 and General-100 SR training sets plus scikit-image's bundled photos (811
blocks), converted to luma as at test time (its ``provenance`` entry lists
them). Scores with our model are therefore *not* on the published scale
(baboon: 5.19 with ours, 5.73 with the official model). Both models order an
image's original, blurred and bicubic-x4 versions the same way on the Set14
images tests/test_niqe.py checks; over all of Set14 x {original,
bicubic x4, blur} the two agree with Spearman 0.82, and near-ties can flip
(pepper original vs blur; ppt3 and face, bicubic vs blur). To compare with
published numbers, pass the official model: ``srlib niqe-official`` (or
``srlib.data.niqe_official.official_niqe_pristine()``) downloads the authors'
release, checks the parameters' SHA-256 and prints the path of an ``.npz`` for
``niqe(img, pristine=path)``; an ``.npz`` you converted yourself works as well.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from scipy.ndimage import correlate1d
from scipy.special import gamma as gamma_fn

from srlib.errors import SRLibError
from srlib.image.color import rgb2y
from srlib.image.resize import imresize
from srlib.metrics.ssim import gaussian_1d

__all__ = [
    "niqe",
    "niqe_features",
    "mscn",
    "fit_aggd",
    "fit_pristine",
    "load_pristine",
    "niqe_luma",
    "DEFAULT_PRISTINE",
    "SHARPNESS_THRESHOLD",
]

DEFAULT_PRISTINE = Path(__file__).with_name("niqe_pristine.npz")
SHARPNESS_THRESHOLD = 0.75  # estimatemodelparam.m's sh_th, used only when fitting a model
FEATURES_PER_SCALE = 18

# MATLAB's 0.2:0.001:10 and the ratio E[|x|]^2 / E[x^2] of a GGD with each shape.
_GAMMA_GRID = 0.2 + 0.001 * np.arange(9801)
_RATIO_GRID = gamma_fn(2.0 / _GAMMA_GRID) ** 2 / (gamma_fn(1.0 / _GAMMA_GRID) * gamma_fn(3.0 / _GAMMA_GRID))
_NEIGHBOUR_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))  # computefeature.m's circshift offsets


def niqe_luma(image: np.ndarray) -> np.ndarray:
    """The float64 plane NIQE measures: MATLAB ``rgb2ycbcr`` Y (rounded for uint8), or the gray image."""
    image = np.asarray(image)
    if image.dtype != np.uint8 and not np.issubdtype(image.dtype, np.floating):
        raise SRLibError(f"niqe: image dtype {image.dtype} is not supported — pass uint8, or float on 0..255")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (1, 3))):
        raise SRLibError(
            f"niqe: image shape {image.shape} is not (H, W) or (H, W, 1|3) — pass one grayscale or RGB image"
        )
    y = rgb2y(image)
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3:
        # MATLAB's rgb2ycbcr on uint8 returns uint8, rounding halves away from zero.
        y = np.floor(y + 0.5)
    return y


def mscn(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MSCN coefficients and local sigma (sec. II-A, eq. 1-3), C = 1, 'replicate' borders."""
    g = gaussian_1d(7, 7.0 / 6.0)

    def blur(x: np.ndarray) -> np.ndarray:
        return correlate1d(correlate1d(x, g, axis=0, mode="nearest"), g, axis=1, mode="nearest")

    mu = blur(y)
    # abs() as in the release: rounding can make the variance slightly negative on flat areas.
    sigma = np.sqrt(np.abs(blur(y * y) - mu * mu))
    coefficients = (y - mu) / (sigma + 1.0)
    # Where the whole 7x7 window is one value the exact coefficient is 0. The filter's rounding
    # noise gives +-1e-14 instead, whose sign moves such pixels between the AGGD's left and right
    # halves: 1.4e-4 on baboon's NIQE. With exact zeros we match MATLAB's value to 5e-7.
    flat = _flat_window_pixels(y, np.abs(y - mu) <= 1e-10 * (np.abs(y) + 1.0))
    coefficients[flat] = 0.0
    sigma[flat] = 0.0
    return coefficients, sigma


def _flat_window_pixels(y: np.ndarray, candidates: np.ndarray, chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the ``candidates`` whose 7x7 'replicate' window holds one value only.

    Only pixels already equal to their local mean can be flat, so only those are checked.
    """
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(y, 3, mode="edge"), (7, 7))
    rows, cols = np.nonzero(candidates)
    keep = np.zeros(rows.size, dtype=bool)
    for start in range(0, rows.size, chunk):  # bounded memory on large flat images
        part = windows[rows[start : start + chunk], cols[start : start + chunk]]
        keep[start : start + chunk] = np.all(part == part[:, 3:4, 3:4], axis=(1, 2))
    return rows[keep], cols[keep]


def _nan_mean(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Sum / count with MATLAB's NaN for the mean of nothing."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def fit_aggd(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moment-matching AGGD fit of each row of ``samples`` (``estimateaggdparam.m``).

    Returns ``(alpha, beta_left, beta_right)``, one value per row. The shape
    ``alpha`` is the grid value whose GGD ratio is nearest (first on a tie, as
    MATLAB's ``min``); a row without negative or positive values gives NaN
    scales, and alpha 0.2 where the ratio is undefined, exactly as MATLAB does.
    """
    samples = np.asarray(samples, dtype=np.float64)
    negative = samples < 0
    positive = samples > 0
    squares = samples * samples
    left_std = np.sqrt(_nan_mean(np.where(negative, squares, 0.0).sum(axis=1), negative.sum(axis=1)))
    right_std = np.sqrt(_nan_mean(np.where(positive, squares, 0.0).sum(axis=1), positive.sum(axis=1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma_hat = left_std / right_std
        r_hat = np.abs(samples).mean(axis=1) ** 2 / squares.mean(axis=1)
        r_hat_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2

    # The ratio grid rises strictly, so the nearest entry is one of the two around r_hat_norm.
    upper = np.clip(np.searchsorted(_RATIO_GRID, r_hat_norm), 1, _RATIO_GRID.size - 1)
    lower = upper - 1
    take_lower = (_RATIO_GRID[lower] - r_hat_norm) ** 2 <= (_RATIO_GRID[upper] - r_hat_norm) ** 2
    index = np.where(take_lower, lower, upper)
    index = np.where(np.isnan(r_hat_norm), 0, index)  # MATLAB's min over all-NaN picks the first
    alpha = _GAMMA_GRID[index]
    scale = np.sqrt(gamma_fn(1.0 / alpha) / gamma_fn(3.0 / alpha))
    return alpha, left_std * scale, right_std * scale


def _blocks(plane: np.ndarray, block: int) -> np.ndarray:
    """Non-overlapping ``block`` x ``block`` tiles, shape ``(n, block, block)``, row by row."""
    rows, cols = plane.shape[0] // block, plane.shape[1] // block
    tiles = plane[: rows * block, : cols * block].reshape(rows, block, cols, block)
    return tiles.transpose(0, 2, 1, 3).reshape(rows * cols, block, block)


def _block_features(coefficients: np.ndarray, block: int) -> np.ndarray:
    """The 18 features of ``computefeature.m`` for every block: ``(n_blocks, 18)``."""
    tiles = _blocks(coefficients, block)
    flat = tiles.reshape(tiles.shape[0], -1)
    alpha, beta_left, beta_right = fit_aggd(flat)
    columns = [alpha, (beta_left + beta_right) / 2.0]
    for shift in _NEIGHBOUR_SHIFTS:
        # circshift wraps around inside each block, not across the image.
        products = (tiles * np.roll(tiles, shift, axis=(1, 2))).reshape(tiles.shape[0], -1)
        alpha, beta_left, beta_right = fit_aggd(products)
        mean = (beta_right - beta_left) * (gamma_fn(2.0 / alpha) / gamma_fn(1.0 / alpha))
        columns += [alpha, mean, beta_left, beta_right]
    return np.stack(columns, axis=1)


def _check_size(shape: tuple[int, ...], block_size: int, min_blocks: int) -> None:
    is_integer = isinstance(block_size, (int, np.integer)) and not isinstance(block_size, bool)
    if not is_integer or block_size < 8 or block_size % 2:
        raise SRLibError(
            f"niqe: block_size={block_size!r} is not valid — use an even integer of at least 8 (default 96)"
        )
    blocks = (shape[0] // block_size) * (shape[1] // block_size)
    if blocks < min_blocks:
        raise SRLibError(
            f"niqe: image of {shape[0]}x{shape[1]} pixels holds {blocks} block(s) of {block_size}x{block_size}, "
            f"needs at least {min_blocks} — use an image of at least {block_size}x{min_blocks * block_size} "
            "or a smaller block_size"
        )


def niqe_features(y: np.ndarray, block_size: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """Per-block NIQE features of a luma plane (0..255 float) and each block's sharpness.

    Returns ``(features, sharpness)``: ``(n_blocks, 36)`` (18 at full size, then 18
    at half size, as ``computequality.m`` concatenates them) and ``(n_blocks,)``,
    the mean local sigma of each full-size block (``estimatemodelparam.m``'s
    block selection criterion).
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2:
        raise SRLibError(
            f"niqe_features: expected a 2-D luma plane, got shape {y.shape} — convert with niqe_luma first"
        )
    _check_size(y.shape, block_size, min_blocks=1)
    rows, cols = y.shape[0] // block_size, y.shape[1] // block_size
    plane = y[: rows * block_size, : cols * block_size]

    coefficients, sigma = mscn(plane)
    sharpness = _blocks(sigma, block_size).mean(axis=(1, 2))
    fine = _block_features(coefficients, block_size)
    coefficients, _ = mscn(imresize(plane, 0.5))
    coarse = _block_features(coefficients, block_size // 2)
    return np.concatenate([fine, coarse], axis=1), sharpness


def _mvg(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB ``nanmean`` (per column) and ``nancov`` (rows with any NaN dropped) of the features."""
    with warnings.catch_warnings():  # all-NaN column -> NaN mean, as MATLAB; niqe() reports it
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(features, axis=0)
    complete = features[~np.isnan(features).any(axis=1)]
    if complete.shape[0] < 2:
        return mean, np.full((features.shape[1], features.shape[1]), np.nan)
    return mean, np.cov(complete, rowvar=False)


def fit_pristine(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pristine MVG ``(mu (36,), cov (36, 36))`` of selected blocks' features (``estimatemodelparam.m``)."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise SRLibError(f"fit_pristine: need features of at least 2 blocks as (n, 36), got shape {features.shape}")
    return _mvg(features)


def load_pristine(pristine: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read a pristine model ``.npz`` (keys ``mu_pris_param`` 1x36, ``cov_pris_param`` 36x36)."""
    path = DEFAULT_PRISTINE if pristine is None else Path(pristine)
    if not path.is_file():
        raise SRLibError(
            f"niqe: pristine model {path} not found — pass the path of an .npz with mu_pris_param and cov_pris_param"
        )
    try:
        with np.load(path) as data:
            mu = np.asarray(data["mu_pris_param"], dtype=np.float64).reshape(-1)
            cov = np.asarray(data["cov_pris_param"], dtype=np.float64)
    except (KeyError, ValueError, OSError) as exc:
        raise SRLibError(
            f"niqe: cannot read pristine model {path} ({type(exc).__name__}) — it must be an .npz with "
            "keys mu_pris_param (1x36) and cov_pris_param (36x36)"
        ) from None
    n = 2 * FEATURES_PER_SCALE
    if mu.shape != (n,) or cov.shape != (n, n):
        raise SRLibError(
            f"niqe: pristine model {path} has mu {mu.shape} and cov {cov.shape} — expected 1x{n} and {n}x{n}"
        )
    return mu, cov


def niqe(image: np.ndarray, pristine: str | os.PathLike | None = None, block_size: int = 96) -> float:
    """NIQE of one image (lower is more natural), sec. II-D of Mittal et al. 2013.

    ``image`` is uint8 RGB/grayscale or float on 0..255 (see the module
    docstring for the luma rule). ``pristine`` is an ``.npz`` pristine model;
    ``None`` uses srlib's own model, whose scores are not on the published scale.
    """
    mu_pristine, cov_pristine = load_pristine(pristine)
    image = np.asarray(image)
    if np.issubdtype(image.dtype, np.floating) and image.size and 0 < np.nanmax(image) <= 1.0:
        raise SRLibError("niqe: float image has values only up to 1 — NIQE expects 0..255, multiply it by 255")
    y = niqe_luma(image)
    # One block gives no covariance: the distorted image's MVG needs at least two.
    _check_size(y.shape, block_size, min_blocks=2)
    features, _ = niqe_features(y, block_size)
    mu, cov = _mvg(features)
    if not np.all(np.isfinite(mu)) or not np.all(np.isfinite(cov)):
        raise SRLibError(
            f"niqe: image of {y.shape[0]}x{y.shape[1]} has too few textured blocks to fit NIQE's model "
            "(flat or constant areas) — measure a natural image, or a larger crop"
        )
    difference = mu_pristine - mu
    return float(np.sqrt(difference @ np.linalg.pinv((cov_pristine + cov) / 2.0) @ difference))
