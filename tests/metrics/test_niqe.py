"""NIQE (srlib.metrics.niqe): MATLAB's reference value, the pieces, our pristine model, errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.stats import gennorm

from srlib.errors import SRLibError
from srlib.image.color import rgb2y
from srlib.image.crop import modcrop
from srlib.image.io import read_image
from srlib.image.resize import imresize
from srlib.metrics.niqe import (
    DEFAULT_PRISTINE,
    fit_aggd,
    fit_pristine,
    load_pristine,
    mscn,
    niqe,
    niqe_features,
    niqe_luma,
)

MATLAB_BABOON_NIQE = 5.72957338  # MATLAB R2021a niqe, official pristine model (reference/README.md)
REPO = Path(__file__).resolve().parents[2]


def blurred(image: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Gaussian blur of the spatial axes, rounded back to uint8."""
    sigmas = (sigma, sigma, 0) if image.ndim == 3 else sigma
    out = gaussian_filter(image.astype(np.float64), sigmas, mode="nearest")
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def bicubic_x4(image: np.ndarray) -> np.ndarray:
    """The SR degradation: MATLAB bicubic down by 4 and back up."""
    return imresize(imresize(modcrop(image, 4), 0.25), 4.0)


@pytest.fixture(scope="module")
def motorcycle() -> np.ndarray:
    """A bundled photo that our pristine model was not fitted on (the right stereo view)."""
    from skimage import data

    return data.stereo_motorcycle()[1]


# --- the reference value -------------------------------------------------------------------


def test_baboon_matches_matlab_with_the_official_model(shared_reference):
    baboon = read_image(shared_reference / "baboon.png")
    score = niqe(baboon, pristine=shared_reference / "niqe_pris_params.npz")
    assert score == pytest.approx(MATLAB_BABOON_NIQE, abs=1e-4)


def test_uint8_rgb_is_measured_on_rounded_y_like_matlab(motorcycle):
    # MATLAB's rgb2ycbcr returns uint8 for uint8 input; float RGB keeps the exact Y.
    crop = motorcycle[:192, :288]
    assert niqe(crop) == niqe(np.floor(rgb2y(crop) + 0.5))
    assert niqe(crop.astype(np.float64)) == niqe(rgb2y(crop))
    assert niqe(crop) != niqe(crop.astype(np.float64))


# --- the pieces ----------------------------------------------------------------------------


def test_fit_aggd_recovers_the_shape_and_the_two_scales():
    rng = np.random.default_rng(0)
    shape, left, right = 1.6, 0.5, 1.2
    magnitude = np.abs(gennorm.rvs(shape, size=200_000, random_state=rng))
    samples = np.where(rng.random(magnitude.size) < left / (left + right), -left * magnitude, right * magnitude)
    alpha, beta_left, beta_right = fit_aggd(samples[None, :])
    assert alpha[0] == pytest.approx(shape, abs=0.03)
    assert beta_left[0] == pytest.approx(left, rel=0.02)
    assert beta_right[0] == pytest.approx(right, rel=0.02)


def test_fit_aggd_picks_the_first_nearest_grid_shape_as_matlab_min():
    from scipy.special import gamma

    rng = np.random.default_rng(1)
    rows = rng.standard_t(df=rng.uniform(2.5, 30, size=(300, 1)), size=(300, 500)) + rng.normal(0, 0.1, (300, 1))
    alpha, _, _ = fit_aggd(rows)
    # Brute force over MATLAB's whole grid 0.2:0.001:10, as estimateaggdparam.m does.
    grid = 0.2 + 0.001 * np.arange(9801)
    ratio = gamma(2 / grid) ** 2 / (gamma(1 / grid) * gamma(3 / grid))
    left = np.sqrt(np.array([np.mean(r[r < 0] ** 2) for r in rows]))
    right = np.sqrt(np.array([np.mean(r[r > 0] ** 2) for r in rows]))
    g = left / right
    r_hat = np.mean(np.abs(rows), axis=1) ** 2 / np.mean(rows**2, axis=1)
    r_norm = r_hat * (g**3 + 1) * (g + 1) / (g**2 + 1) ** 2
    expected = grid[np.argmin((ratio[None, :] - r_norm[:, None]) ** 2, axis=1)]
    np.testing.assert_array_equal(alpha, expected)


def test_fit_aggd_of_all_zero_samples_is_nan_like_matlab():
    alpha, beta_left, beta_right = fit_aggd(np.zeros((1, 50)))
    assert alpha[0] == pytest.approx(0.2)
    assert np.isnan(beta_left[0]) and np.isnan(beta_right[0])


def test_mscn_is_exactly_zero_where_the_window_is_flat():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 256, (40, 40)).astype(np.float64)
    y[10:30, 10:30] = 117.0
    coefficients, sigma = mscn(y)
    # Pixels at least 3 away from the flat square's edge see only the constant.
    assert np.all(coefficients[13:27, 13:27] == 0.0) and np.all(sigma[13:27, 13:27] == 0.0)
    assert np.all(coefficients[:5, :5] != 0.0)


def test_mscn_matches_a_direct_replicate_padded_filter():
    rng = np.random.default_rng(3)
    y = rng.uniform(0, 255, (30, 26))
    coefficients, sigma = mscn(y)
    x = np.arange(-3, 4)
    window = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * (7 / 6) ** 2))
    window /= window.sum()
    padded = np.pad(y, 3, mode="edge")
    patches = np.lib.stride_tricks.sliding_window_view(padded, (7, 7))
    mu = np.einsum("ijkl,kl->ij", patches, window)
    var = np.einsum("ijkl,kl->ij", patches**2, window) - mu**2
    np.testing.assert_allclose(sigma, np.sqrt(np.abs(var)), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(coefficients, (y - mu) / (np.sqrt(np.abs(var)) + 1), rtol=1e-9, atol=1e-9)


def test_features_are_per_block_at_two_scales_without_overlap(motorcycle):
    y = niqe_luma(motorcycle)  # 500x741 -> 5x7 whole blocks of 96
    features, sharpness = niqe_features(y)
    assert features.shape == (35, 36) and sharpness.shape == (35,)
    # The first block's features depend on its own pixels only (no overlap, circshift inside it),
    # up to the filter's border pixels: a block-sized image with the same 102x102 surroundings.
    block = niqe_features(y[:192, :96])[0][0]
    np.testing.assert_allclose(features[0, :18], block[:18], rtol=0, atol=0.02)
    assert np.all(features[:, [0, 18]] >= 0.2) and np.all(features[:, [0, 18]] <= 10)


def test_fit_pristine_ignores_nan_like_nanmean_and_nancov():
    rng = np.random.default_rng(4)
    features = rng.normal(size=(50, 36))
    with_nan = features.copy()
    with_nan[7, 3] = np.nan
    mu, cov = fit_pristine(with_nan)
    assert mu[3] == pytest.approx(np.delete(features[:, 3], 7).mean())
    assert mu[0] == pytest.approx(features[:, 0].mean())
    np.testing.assert_allclose(cov, np.cov(np.delete(features, 7, axis=0), rowvar=False))


# --- our pristine model ---------------------------------------------------------------------


def test_shipped_model_is_a_valid_mvg_with_provenance():
    mu, cov = load_pristine()
    assert mu.shape == (36,) and cov.shape == (36, 36)
    np.testing.assert_allclose(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > 0
    with np.load(DEFAULT_PRISTINE) as data:
        provenance = str(data["provenance"])
    assert "estimatemodelparam" in provenance and "T91" in provenance and "0.75" in provenance
    assert DEFAULT_PRISTINE.stat().st_size < 32_000


def test_blur_and_bicubic_score_worse_than_the_original_with_our_model(motorcycle):
    original = niqe(motorcycle)
    assert niqe(blurred(motorcycle)) > original + 1.0
    assert niqe(bicubic_x4(motorcycle)) > original + 1.0


@pytest.mark.parametrize("name", ["baboon", "zebra", "monarch", "comic", "bridge"])
def test_our_model_ranks_degradations_as_the_official_one(name, shared_datasets, shared_reference):
    official = shared_reference / "niqe_pris_params.npz"
    hr = modcrop(read_image(shared_datasets / "Set14" / f"{name}.png"), 4)
    versions = [hr, bicubic_x4(hr), blurred(hr)]
    ours = [niqe(image) for image in versions]
    theirs = [niqe(image, pristine=official) for image in versions]
    assert list(np.argsort(ours)) == list(np.argsort(theirs)) == [0, 2, 1]


@pytest.mark.slow
def test_fit_script_reproduces_the_shipped_model(shared_datasets, tmp_path):
    spec = importlib.util.spec_from_file_location("fit_niqe_pristine", REPO / "scripts" / "fit_niqe_pristine.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "pristine.npz"
    script.main(["--datasets", str(shared_datasets), "--out", str(out)])
    with np.load(out) as fresh, np.load(DEFAULT_PRISTINE) as shipped:
        np.testing.assert_allclose(fresh["mu_pris_param"], shipped["mu_pris_param"], rtol=1e-9)
        np.testing.assert_allclose(fresh["cov_pris_param"], shipped["cov_pris_param"], rtol=1e-7, atol=1e-12)
        assert str(fresh["provenance"]) == str(shipped["provenance"])


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "block_size", "needle"),
    [((95, 400), 96, "95x400"), ((96, 150), 96, "96x150"), ((20, 30), 16, "20x30"), ((200, 200), 15, "block_size=15")],
)
def test_too_small_images_and_bad_block_sizes_raise_one_line(shape, block_size, needle):
    image = np.random.default_rng(5).integers(0, 256, shape, dtype=np.uint8)
    with pytest.raises(SRLibError, match=needle) as info:
        niqe(image, block_size=block_size)
    assert "\n" not in str(info.value)


def test_small_block_size_works_on_small_images():
    image = np.random.default_rng(6).integers(0, 256, (64, 64), dtype=np.uint8)
    assert np.isfinite(niqe(image, block_size=32))


@pytest.mark.parametrize(
    ("image", "needle"),
    [
        (np.full((200, 200), 128, np.uint8), "too few textured blocks"),
        (np.random.default_rng(7).random((200, 200, 3)), "multiply it by 255"),
        (np.zeros((200, 200, 4), np.uint8), "200, 200, 4"),
        (np.zeros((200, 200), np.int32), "int32"),
    ],
)
def test_bad_images_raise_one_line(image, needle):
    with pytest.raises(SRLibError, match=needle):
        niqe(image)


def test_bad_pristine_files_raise_one_line(tmp_path):
    image = np.random.default_rng(8).integers(0, 256, (200, 200), dtype=np.uint8)
    with pytest.raises(SRLibError, match="not found"):
        niqe(image, pristine=tmp_path / "missing.npz")
    wrong_keys = tmp_path / "wrong.npz"
    np.savez(wrong_keys, mean=np.zeros(36))
    with pytest.raises(SRLibError, match="mu_pris_param"):
        niqe(image, pristine=wrong_keys)
    wrong_shape = tmp_path / "shape.npz"
    np.savez(wrong_shape, mu_pris_param=np.zeros((1, 18)), cov_pris_param=np.eye(18))
    with pytest.raises(SRLibError, match="expected 1x36"):
        niqe(image, pristine=wrong_shape)
