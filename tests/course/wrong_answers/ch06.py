"""Chapter 06's typical mistakes: the anisotropic Gaussian kernel (06.1), JPEG's lossy step on a block (06.2) and
one order of the degradation chain (06.3)."""

from __future__ import annotations

import numpy as np
from scipy.fft import dctn, idctn

from srlib.course.exercises.ch06 import JPEG_LUMA_TABLE
from srlib.image.degrade import blur, gaussian_noise, jpeg, resize


def _kernel(size, sx, sy, theta, *, grid="centred", order="xy", power=2, half=0.5, inverse=True, norm="sum"):
    """The Gaussian kernel as a learner writes it, with the knobs of the typical mistakes."""
    axis = np.arange(size) - (size // 2 if grid == "centred" else 0)
    x, y = np.meshgrid(axis, axis, indexing=order)
    r = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    s = r @ np.diag([sx**power, sy**power]) @ r.T
    m = np.linalg.inv(s) if inverse else s
    k = np.exp(-half * (m[0, 0] * x * x + 2 * m[0, 1] * x * y + m[1, 1] * y * y))
    return {"sum": k / k.sum(), "max": k / k.max(), "none": k}[norm]


def _placeholder_kernel(size, sigma_x, sigma_y, theta):  # the chapter's placeholder: a box blur
    return np.full((size, size), 1.0 / size**2)


def _degrees(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, np.deg2rad(theta))


def _not_rotated(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, 0.0)


def _rotated_back(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, -theta)


def _covariance_not_inverted(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, inverse=False)


def _sigma_not_squared(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, power=1)


def _no_half(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, half=1.0)


def _grid_from_zero(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, grid="corner")


def _rows_as_x(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, order="ij")


def _not_normalised(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, norm="none")


def _peak_normalised(size, sigma_x, sigma_y, theta):
    return _kernel(size, sigma_x, sigma_y, theta, norm="max")


def _wrong_size(size, sigma_x, sigma_y, theta):
    return _kernel(size + 1, sigma_x, sigma_y, theta)


def _kernel_by_rotated_coordinates(size, sigma_x, sigma_y, theta):  # srlib's own way: rotate the grid instead
    axis = np.arange(size) - size // 2
    x, y = np.meshgrid(axis, axis)
    u, v = np.cos(theta) * x + np.sin(theta) * y, -np.sin(theta) * x + np.cos(theta) * y
    k = np.exp(-0.5 * ((u / sigma_x) ** 2 + (v / sigma_y) ** 2))
    return (k / k.sum()).astype(np.float32)


def _jpeg(block, quality, *, rule="ijg", shift=128.0, back=128.0, norm="ortho", rounding=np.round, clamp=True):
    """JPEG's lossy step as a learner writes it."""
    if rule == "fixed":
        table = JPEG_LUMA_TABLE
    else:
        low = quality < 50 if rule != "swapped" else quality >= 50
        scale = 5000 / quality if low else 200 - 2 * quality
        table = np.floor((JPEG_LUMA_TABLE * scale + 50) / 100) if rule != "unrounded" else JPEG_LUMA_TABLE * scale / 100
        table = np.clip(table, 1, 255) if clamp else table
    with np.errstate(all="ignore"):
        return idctn(rounding(dctn(block - shift, norm=norm) / table) * table, norm=norm) + back


def _no_loss(block, quality):  # the chapter's placeholder: returns the block
    return block


def _quality_ignored(block, quality):
    return _jpeg(block, quality, rule="fixed")


def _branches_swapped(block, quality):
    return _jpeg(block, quality, rule="swapped")


def _table_not_rounded(block, quality):
    return _jpeg(block, quality, rule="unrounded")


def _truncated(block, quality):
    return _jpeg(block, quality, rounding=np.floor)


def _default_dct_norm(block, quality):
    return _jpeg(block, quality, norm="backward")


def _no_clamp(block, quality):
    return _jpeg(block, quality, clamp=False)


def _no_level_shift(block, quality):
    return _jpeg(block, quality, shift=0.0, back=0.0)


def _not_shifted_back(block, quality):
    return _jpeg(block, quality, back=0.0)


def _not_dequantised(block, quality):
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    table = np.clip(np.floor((JPEG_LUMA_TABLE * scale + 50) / 100), 1, 255)
    return idctn(np.round(dctn(block - 128.0, norm="ortho") / table), norm="ortho") + 128.0


def _coefficients(block, quality):
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    table = np.clip(np.floor((JPEG_LUMA_TABLE * scale + 50) / 100), 1, 255)
    return np.round(dctn(block - 128.0, norm="ortho") / table) * table + 128.0


def _jpeg_rounded_and_clipped(block, quality):  # a decoder's uint8 output: right too
    return np.clip(np.round(_jpeg(block, quality)), 0, 255).astype(np.uint8)


def _chain(image, kernel, scale, sigma, quality, rng, steps=("blur", "resize", "noise", "jpeg")):
    """One order of the degradation as a learner writes it: the stages in ``steps``, in that order."""
    h, w = image.shape[:2]
    for step in steps:
        if step == "blur":
            image = blur(image, kernel)
        elif step == "resize":
            image = resize(image, (h // scale, w // scale), "area")
        elif step == "up":
            image = resize(image, (h * scale, w * scale), "area")
        elif step in ("noise", "grey noise", "noise/255"):
            image = gaussian_noise(image, sigma / 255 if step == "noise/255" else sigma, step == "grey noise", rng)
        elif step == "jpeg":
            image = jpeg(image, quality)
    return image


def _only_resize(image, kernel, scale, noise_sigma, quality, rng):  # the chapter's placeholder
    return resize(image, (image.shape[0] // scale, image.shape[1] // scale), "area")


def _no_blur(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("resize", "noise", "jpeg"))


def _no_noise(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "resize", "jpeg"))


def _no_jpeg(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "resize", "noise"))


def _resize_then_blur(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("resize", "blur", "noise", "jpeg"))


def _noise_before_resize(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "noise", "resize", "jpeg"))


def _jpeg_before_noise(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "resize", "jpeg", "noise"))


def _noise_in_unit_range(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "resize", "noise/255", "jpeg"))


def _grey_noise(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "resize", "grey noise", "jpeg"))


def _upscaled(image, kernel, scale, noise_sigma, quality, rng):
    return _chain(image, kernel, scale, noise_sigma, quality, rng, ("blur", "up", "noise", "jpeg"))


def _own_generator(image, kernel, scale, noise_sigma, quality, rng):  # right idea, but its own draws
    return _chain(image, kernel, scale, noise_sigma, quality, np.random.default_rng(1234))


def _numpy_noise(image, kernel, scale, noise_sigma, quality, rng):  # rng.normal draws what gaussian_noise draws
    h, w = image.shape[:2]
    image = resize(blur(image, kernel), (h // scale, w // scale), "area")
    image = np.clip(image + rng.normal(0, noise_sigma / 255, image.shape), 0, 1)
    return jpeg(image.astype(np.float32), quality)


def _chain_with_clipping(image, kernel, scale, noise_sigma, quality, rng):  # clips after each stage: right too
    h, w = image.shape[:2]
    image = np.clip(blur(image, kernel), 0, 1)
    image = np.clip(resize(image, (h // scale, w // scale), "area"), 0, 1)
    return jpeg(gaussian_noise(image, noise_sigma, False, rng), quality)


MISTAKES = [
    ("06.1", _placeholder_kernel, "follow the steps"),  # the chapter's placeholder
    ("06.1", _degrees, "theta is in radians already"),
    ("06.1", _not_rotated, "your ellipse is not turned"),
    ("06.1", _rotated_back, "your ellipse is turned by -theta"),
    ("06.1", _covariance_not_inverted, "the *inverse* covariance"),
    ("06.1", _sigma_not_squared, "the covariance holds variances"),
    ("06.1", _no_half, "the factor 1/2 is missing"),
    ("06.1", _grid_from_zero, "count the coordinates from the centre pixel"),
    ("06.1", _rows_as_x, "x and y are swapped"),
    ("06.1", _not_normalised, "sum to one"),
    ("06.1", _peak_normalised, "sum to one"),
    ("06.1", _wrong_size, "return a 21x21 array"),
    ("06.2", _no_loss, "nothing is lost yet"),  # the chapter's placeholder
    ("06.2", _quality_ignored, "the table is the quality-50 one"),
    ("06.2", _branches_swapped, "the two branches of the quality rule are swapped"),
    ("06.2", _table_not_rounded, "rounded to whole numbers"),
    ("06.2", _truncated, "to the *nearest* integer"),
    ("06.2", _default_dct_norm, "norm='ortho'"),
    ("06.2", _no_clamp, "clamp it to at least 1"),
    ("06.2", _no_level_shift, "shift the levels by 128 first"),
    ("06.2", _not_shifted_back, "add the 128 back"),
    ("06.2", _not_dequantised, "multiplies the stored integers by the table again"),
    ("06.2", _coefficients, "decode them with the inverse DCT"),
    ("06.3", _only_resize, "only the resize is there"),  # the chapter's placeholder
    ("06.3", _no_blur, "the blur is missing"),
    ("06.3", _no_noise, "the noise is missing"),
    ("06.3", _no_jpeg, "the JPEG is missing"),
    ("06.3", _resize_then_blur, "blur comes before the resize"),
    ("06.3", _noise_before_resize, "add the noise after the resize"),
    ("06.3", _jpeg_before_noise, "JPEG comes last"),
    ("06.3", _noise_in_unit_range, "takes sigma in grey levels of 255"),
    ("06.3", _grey_noise, "colour noise"),
    ("06.3", _upscaled, "the result is the LR image"),
    ("06.3", _own_generator, "with the rng given"),
]

# srlib's rotated-coordinates form in float32, a decoder's uint8 block, clipping after every stage, the noise
# drawn with rng.normal instead of gaussian_noise: right too.
ALSO_CORRECT = [
    ("06.1", _kernel_by_rotated_coordinates),
    ("06.2", _jpeg_rounded_and_clipped),
    ("06.3", _chain_with_clipping),
    ("06.3", _numpy_noise),
]
