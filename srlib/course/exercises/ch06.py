"""Chapter 06's exercises (real-world SR): a blur kernel, JPEG's lossy step and one order of the chain, by hand.

06.1 builds the anisotropic Gaussian kernel from ``sigma_x``, ``sigma_y`` and ``theta`` and compares it
with :func:`srlib.image.degrade.gaussian_kernel` on several kernels. 06.2 writes JPEG's lossy step on
one 8x8 block (level shift, DCT, quantisation by the quality-scaled luminance table, and back); its
reference agrees with Pillow's JPEG codec (:func:`srlib.image.degrade.jpeg`) on grey images to a
small fraction of a grey level on average (``tests/course/test_exercise_references.py``). 06.3 chains
srlib's operations into one first-order degradation (Real-ESRGAN, sec. 3.1) and compares it with the
reference drawn from the same seed. Each wrong answer is matched with its typical mistake: theta in
degrees, a covariance not rotated or not inverted, a kernel not normalised; a table not scaled for the
quality or never clamped to 1; stages in the wrong order, noise in the wrong units.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from scipy.fft import dctn, idctn

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    checker_images,
    describe_call,
    mistake_hint,
    register,
    run_cases,
    wrong_shape,
)
from srlib.image.degrade import blur, gaussian_kernel, gaussian_noise, jpeg, resize

__all__ = ["anisotropic_gaussian", "jpeg_block", "first_order", "JPEG_LUMA_TABLE", "KERNEL_CASES"]

# (size, sigma_x, sigma_y, theta): rotated anisotropic kernels first (they tell the mistakes apart), then isotropic.
KERNEL_CASES = ((21, 2.0, 0.8, 0.5), (15, 3.0, 1.0, -1.2), (13, 0.6, 2.5, np.pi / 3), (7, 1.2, 1.2, 0.0))
KERNEL_TOLERANCE = 1e-6
# The luminance quantisation table of the JPEG standard (ITU-T T.81, Annex K, table K.1): quality 50.
JPEG_LUMA_TABLE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.float64,
)
JPEG_QUALITIES = (10, 30, 75, 100)
JPEG_TOLERANCE = 0.51  # grey levels: a block rounded to whole levels, or clipped to 0..255, is right too
CHAIN_TOLERANCE = 1e-5


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.


def anisotropic_gaussian(size, sigma_x, sigma_y, theta):
    """The size x size anisotropic Gaussian blur kernel (Real-ESRGAN sec. 3.1), normalised to sum to one.

    x runs along the columns and y down the rows, both counted from the centre pixel; the kernel's
    first axis, of standard deviation sigma_x, is turned by theta radians from the x axis.
    """
    import numpy as np

    radius = size // 2
    x, y = np.meshgrid(np.arange(-radius, radius + 1), np.arange(-radius, radius + 1))  # x: columns, y: rows
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    covariance = rotation @ np.diag([sigma_x**2, sigma_y**2]) @ rotation.T  # the ellipse, turned by theta
    inverse = np.linalg.inv(covariance)
    d2 = inverse[0, 0] * x**2 + 2 * inverse[0, 1] * x * y + inverse[1, 1] * y**2  # p^T inv(covariance) p
    kernel = np.exp(-0.5 * d2)
    return kernel / kernel.sum()  # a blur keeps the brightness: the weights sum to one


def jpeg_block(block, quality):
    """One 8x8 block of grey levels (0..255) after JPEG's lossy step at ``quality`` (1-100), decoded again."""
    import numpy as np
    from scipy.fft import dctn, idctn

    from srlib.course.exercises.ch06 import JPEG_LUMA_TABLE

    scale = 5000 / quality if quality < 50 else 200 - 2 * quality  # the IJG library's quality rule, in percent
    table = np.clip(np.floor((JPEG_LUMA_TABLE * scale + 50) / 100), 1, 255)  # rounded; never below 1
    coefficients = dctn(np.asarray(block, dtype=np.float64) - 128.0, norm="ortho")  # level shift, then 2-D DCT-II
    quantised = np.round(coefficients / table)  # the one lossy step: these integers are what the file stores
    return idctn(quantised * table, norm="ortho") + 128.0  # the decoder: dequantise, inverse DCT, shift back


def first_order(image, kernel, scale, noise_sigma, quality, rng):
    """One order of Real-ESRGAN's degradation (sec. 3.1) with fixed settings: blur, downscale, noise, JPEG.

    ``image`` is float (H, W, C) on [0, 1] with H and W multiples of ``scale``; the result is (H/scale, W/scale, C).
    """
    from srlib.image.degrade import blur, gaussian_noise, jpeg, resize

    h, w = image.shape[:2]
    image = blur(image, kernel)  # the lens (and any shake) blurs the scene before the sensor samples it
    image = resize(image, (h // scale, w // scale), "area")  # the sensor's coarser grid: scale x scale blocks averaged
    image = gaussian_noise(image, noise_sigma, False, rng)  # sensor noise, one draw per LR pixel and channel
    return jpeg(image, quality)  # compression last, when the file is saved


# --- 06.1 anisotropic_gaussian -------------------------------------------------------------------


def _gaussian(size, sx, sy, theta, *, squared=True, inverted=True, half=0.5, centred=True, rows_as_x=False):
    """The Gaussian kernel with the knobs of the typical mistakes (not normalised)."""
    axis = np.arange(size) - (size // 2 if centred else 0)
    x, y = np.meshgrid(axis, axis)
    if rows_as_x:
        x, y = y, x
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    spread = np.diag([sx**2, sy**2] if squared else [sx, sy])
    covariance = rotation @ spread @ rotation.T
    m = np.linalg.inv(covariance) if inverted else covariance
    return np.exp(-half * (m[0, 0] * x**2 + 2 * m[0, 1] * x * y + m[1, 1] * y**2))


def _kernel_mistakes(size, sx, sy, theta) -> list[Mistake]:
    def normalised(kernel):
        return kernel / kernel.sum()

    return [
        Mistake(
            "theta in degrees",
            normalised(_gaussian(size, sx, sy, np.deg2rad(theta))),
            "theta is in radians already (numpy's cos and sin take radians): do not convert it from degrees.",
        ),
        Mistake(
            "not rotated",
            normalised(_gaussian(size, sx, sy, 0.0)),
            "your ellipse is not turned: rotate the covariance, R diag(sigma_x^2, sigma_y^2) R^T with R the "
            "rotation by theta.",
        ),
        Mistake(
            "rotated the other way",
            normalised(_gaussian(size, sx, sy, -theta)),
            "your ellipse is turned by -theta: the covariance is R diag(...) R^T (not R^T diag(...) R), "
            "R = [[cos, -sin], [sin, cos]], with x along the columns and y down the rows.",
        ),
        Mistake(
            "covariance not inverted",
            normalised(_gaussian(size, sx, sy, theta, inverted=False)),
            "the exponent uses the *inverse* covariance: exp(-p^T inv(S) p / 2) (np.linalg.inv).",
        ),
        Mistake(
            "sigma not squared",
            normalised(_gaussian(size, sx, sy, theta, squared=False)),
            "the covariance holds variances: diag(sigma_x**2, sigma_y**2), not the standard deviations.",
        ),
        Mistake(
            "no one half",
            normalised(_gaussian(size, sx, sy, theta, half=1.0)),
            "the Gaussian is exp(-d^2 / 2): the factor 1/2 is missing.",
        ),
        Mistake(
            "grid not centred",
            normalised(_gaussian(size, sx, sy, theta, centred=False)),
            "count the coordinates from the centre pixel: np.arange(size) - size // 2 (the peak belongs in the "
            "middle).",
        ),
        Mistake(
            "rows as x",
            normalised(_gaussian(size, sx, sy, theta, rows_as_x=True)),
            "x and y are swapped: x runs along the columns (the second index), y down the rows; np.meshgrid(axis, "
            "axis) gives them in that order.",
        ),
        Mistake(
            "not normalised",
            _gaussian(size, sx, sy, theta),
            "normalise the kernel so that its weights sum to one (kernel / kernel.sum()): a blur must keep the "
            "brightness. Its peak is 1 now.",
        ),
    ]


def _judge_kernel(got: Any, size: int, sx: float, sy: float, theta: float, *, call: str) -> Feedback | None:
    got = np.asarray(got, dtype=np.float64)
    expected = gaussian_kernel(size, sx, sy, theta)
    problem = wrong_shape(got, expected, call, lambda shape: f"return a {size}x{size} array, one weight per pixel.")
    if problem:
        return problem
    if np.allclose(got, expected, rtol=0, atol=KERNEL_TOLERANCE):
        return None
    hint = mistake_hint(
        got,
        _kernel_mistakes(size, sx, sy, theta),
        KERNEL_TOLERANCE,
        "follow the steps: a centred grid, the rotated covariance, exp(-p^T inv(S) p / 2), then normalise.",
    )
    peak = np.unravel_index(np.argmax(got), got.shape)
    return Feedback(False, f"{call} differs from srlib's kernel (your peak is at row, column {peak}).", hint)


def _check_kernel(answer: Any) -> Feedback:
    cases = [
        (describe_call("anisotropic_gaussian", size=s, sigma_x=sx, sigma_y=sy, theta=round(t, 4)), (s, sx, sy, t))
        for s, sx, sy, t in KERNEL_CASES
    ]
    return run_cases(
        answer,
        "anisotropic_gaussian",
        cases,
        _judge_kernel,
        "your kernels equal srlib's gaussian_kernel on all {count} cases (three rotated ellipses and a circle).",
    )


register(Exercise("06.1", "the anisotropic Gaussian kernel", _check_kernel, anisotropic_gaussian))


# --- 06.2 jpeg_block -----------------------------------------------------------------------------


def _table(quality, *, swapped=False, rounded=True):
    """The scaled luminance table; ``swapped``/``rounded=False``: two typical slips in the quality rule."""
    low = quality < 50 if not swapped else quality >= 50
    scale = 5000 / quality if low else 200 - 2 * quality
    table = np.floor((JPEG_LUMA_TABLE * scale + 50) / 100) if rounded else JPEG_LUMA_TABLE * scale / 100
    return np.clip(table, 1, 255)


def _jpeg(
    block,
    quality,
    *,
    table=None,
    shift=128.0,
    back=128.0,
    norm="ortho",
    rounding=np.round,
    steps=("dequantise", "idct"),
):
    """JPEG's lossy step with the knobs of the typical mistakes."""
    table = _table(quality) if table is None else table
    values = rounding(dctn(block - shift, norm=norm) / table)
    values = values * table if "dequantise" in steps else values
    return (idctn(values, norm=norm) if "idct" in steps else values) + back


def _jpeg_mistakes(block, quality) -> list[Mistake]:
    def mistake(name, hint, **knobs):
        with np.errstate(all="ignore"):
            return Mistake(name, np.clip(_jpeg(block, quality, **knobs), 0, 255), hint)

    return [
        mistake("nothing lost", "nothing is lost yet: divide the coefficients by the table and *round* them.",
                rounding=lambda c: c),
        mistake("quality ignored", "the table is the quality-50 one: scale it for the quality asked (5000 / q "
                "below 50, 200 - 2 q from 50 on, in percent).", table=JPEG_LUMA_TABLE),
        mistake("branches swapped", "the two branches of the quality rule are swapped: 5000 / q is for q < 50, "
                "200 - 2 q for q >= 50.", table=_table(quality, swapped=True)),
        mistake("table not rounded", "the scaled table is rounded to whole numbers, floor((T * scale + 50) / 100), "
                "before it is used.", table=_table(quality, rounded=False)),
        mistake("truncated", "round the quantised coefficients to the *nearest* integer (np.round), not down.",
                rounding=np.floor),
        mistake("DCT not orthonormal", "use the orthonormal DCT, dctn(..., norm='ortho') and idctn(..., "
                "norm='ortho'): the table is made for it.", norm="backward"),
        mistake("not dequantised", "the decoder multiplies the stored integers by the table again before the "
                "inverse DCT.", steps=("idct",)),
        mistake("no inverse DCT", "these are DCT coefficients: decode them with the inverse DCT (idctn).",
                steps=("dequantise",)),
        mistake("no level shift", "shift the levels by 128 first (block - 128) and add 128 back at the end: the "
                "DCT is taken around mid-grey.", shift=0.0, back=0.0),
        mistake("not shifted back", "add the 128 back after the inverse DCT.", back=0.0),
    ]  # fmt: skip


def _judge_jpeg(got: Any, block: np.ndarray, quality: int, *, call: str) -> Feedback | None:
    got = np.asarray(got, dtype=np.float64)
    expected = jpeg_block(block, quality)
    problem = wrong_shape(got, expected, call, lambda shape: "return the decoded 8x8 block.")
    if problem:
        return problem
    if not np.isfinite(got).all():
        return Feedback(
            False,
            f"{call} returned inf or NaN values.",
            "at quality 100 the scaled table is 0: clamp it to at least 1 (np.clip(table, 1, 255)), as libjpeg does.",
        )
    if np.abs(np.clip(got, 0, 255) - np.clip(expected, 0, 255)).max() <= JPEG_TOLERANCE:
        return None
    hint = mistake_hint(
        np.clip(got, 0, 255),
        _jpeg_mistakes(block, quality),
        JPEG_TOLERANCE,
        "follow the steps: block - 128, dctn(norm='ortho'), divide by the scaled table and round, multiply back, "
        "idctn(norm='ortho'), + 128.",
    )
    worst = np.abs(np.clip(got, 0, 255) - np.clip(expected, 0, 255)).max()
    return Feedback(False, f"{call} is up to {worst:.1f} grey levels away from the reference.", hint)


def _jpeg_blocks() -> list[tuple[str, np.ndarray]]:
    _name, photo = checker_images()[0]
    grey = photo.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    ramp = np.add.outer(np.arange(8.0), np.arange(8.0)) * 16 + 8
    noise = np.random.default_rng(6).integers(0, 256, (8, 8)).astype(np.float64)
    return [("photo", grey[40:48, 60:68]), ("noise", noise), ("ramp", ramp), ("photo", grey[16:24, 90:98])]


def _check_jpeg(answer: Any) -> Feedback:
    cases = [
        (describe_call("jpeg_block", block=block, quality=q) + f" ({kind} block)", (block, q))
        for (kind, block), q in zip(_jpeg_blocks(), JPEG_QUALITIES)
    ]
    return run_cases(
        answer,
        "jpeg_block",
        cases,
        _judge_jpeg,
        "all {count} blocks (a photo, noise, a ramp) at qualities 10 to 100 decode as JPEG's lossy step does.",
    )


register(Exercise("06.2", "JPEG's lossy step on one block", _check_jpeg, jpeg_block))


# --- 06.3 first_order ----------------------------------------------------------------------------


def _order(image, kernel, scale, sigma, quality, seed, steps) -> np.ndarray:
    """The stages named in ``steps``, in that order (the typical mistakes' chains)."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    do = {
        "blur": lambda x: blur(x, kernel),
        "resize": lambda x: resize(x, (h // scale, w // scale), "area"),
        "noise": lambda x: gaussian_noise(x, sigma, False, rng),
        "grey noise": lambda x: gaussian_noise(x, sigma, True, rng),
        "noise/255": lambda x: gaussian_noise(x, sigma / 255, False, rng),
        "jpeg": lambda x: jpeg(x, quality),
    }
    for step in steps:
        image = do[step](image)
    return image


CHAIN_MISTAKES = {  # the stages a wrong answer runs, in its order, and the hint
    ("resize",): "only the resize is there: blur, add noise and compress too.",
    ("resize", "noise", "jpeg"): "the blur is missing: blur the HR image with the kernel first (blur(image, kernel)).",
    ("blur", "resize", "jpeg"): "the noise is missing: gaussian_noise(image, noise_sigma, False, rng) after the "
    "resize.",
    ("blur", "resize", "noise"): "the JPEG is missing: jpeg(image, quality) is the last step.",
    ("resize", "blur", "noise", "jpeg"): "blur comes before the resize: the lens blurs the scene at full resolution, "
    "then the sensor samples it.",
    ("blur", "noise", "resize", "jpeg"): "add the noise after the resize: sensor noise is one draw per LR pixel; "
    "before the resize, the averaging would smooth most of it away.",
    ("blur", "resize", "jpeg", "noise"): "JPEG comes last, when the file is saved: its blocks are not noisy.",
    ("blur", "resize", "noise/255", "jpeg"): "gaussian_noise takes sigma in grey levels of 255 (it divides by 255 "
    "itself): pass noise_sigma as it is.",
    ("blur", "resize", "grey noise", "jpeg"): "the noise is the same in the three channels: this exercise asks for "
    "colour noise, gaussian_noise(..., False, rng).",
}


def _chain_cases() -> list[tuple[str, tuple, int]]:
    kernel = gaussian_kernel(11, 1.5, 0.7, 0.4)
    cases = []
    for k, ((_name, photo), scale, sigma, quality) in enumerate(zip(checker_images(), (4, 2), (12.0, 5.0), (40, 75))):
        h, w = (np.array(photo.shape[:2]) // (scale * 8)) * scale * 8
        image = photo[:h, :w].astype(np.float32) / 255.0
        call = describe_call("first_order", image=image, kernel=kernel, scale=scale, noise_sigma=sigma, quality=quality)
        cases.append((f"{call[:-1]}, rng=np.random.default_rng({k}))", (image, kernel, scale, sigma, quality), k))
    return cases


def _judge_chain(got, image, kernel, scale, sigma, quality, rng, *, call: str, seeds: dict) -> Feedback | None:
    got = np.asarray(got, dtype=np.float64)
    expected = _order(image, kernel, scale, sigma, quality, seeds[call], ("blur", "resize", "noise", "jpeg"))
    problem = wrong_shape(
        got, expected, call, lambda shape: f"the result is the LR image: (H / scale, W / scale, C); got {shape}."
    )
    if problem:
        return problem
    if np.abs(got - expected).max() <= CHAIN_TOLERANCE:
        return None
    mistakes = [
        Mistake("/".join(steps), _order(image, kernel, scale, sigma, quality, seeds[call], steps), hint)
        for steps, hint in CHAIN_MISTAKES.items()
    ]
    hint = mistake_hint(
        got,
        mistakes,
        CHAIN_TOLERANCE,
        "blur, resize (area), gaussian_noise and jpeg from srlib.image.degrade, in that order, with the rng given: "
        "then your noise is drawn exactly as the reference's.",
    )
    return Feedback(False, f"{call} differs from the reference first-order degradation.", hint)


def _check_chain(answer: Any) -> Feedback:
    cases = _chain_cases()
    seeds = {call: seed for call, _args, seed in cases}
    calls = [(call, (*args, np.random.default_rng(seed))) for call, args, seed in cases]
    return run_cases(
        answer,
        "first_order",
        calls,
        partial(_judge_chain, seeds=seeds),
        "on {count} photos (x4 and x2) your chain gives the reference's LR image, noise draw for noise draw.",
    )


register(Exercise("06.3", "one order of the degradation", _check_chain, first_order))
