"""Chapter 00's exercises: the papers' LR input, their PSNR, and the bicubic baseline.

Each checker runs the learner's function on small crops of two photographs
installed with scikit-image (so checks work offline and take milliseconds),
compares with the reference below, and names the typical mistake a wrong answer
matches: a missing ``modcrop`` or shave, RGB instead of Y, uint8 wrap-around,
the 0..1 range, subsampling or a non-MATLAB resizer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from PIL import Image

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
from srlib.image.color import rgb2y
from srlib.image.crop import modcrop, shave
from srlib.image.resize import imresize
from srlib.metrics.psnr import psnr, psnr_y
from srlib.metrics.ssim import ssim_y

__all__ = ["make_lr", "paper_psnr", "bicubic_scores"]

SCALES = (2, 3, 4)
PSNR_TOLERANCE = 1e-3  # dB: a correct answer does the same arithmetic, so it agrees far closer
SSIM_TOLERANCE = 1e-4
PEAK_DB = 20 * np.log10(255.0)  # what a 0..1 peak on 0..255 data (or the reverse) shifts PSNR by


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.


def make_lr(hr, scale):
    """The papers' LR input: crop HR to a multiple of scale, then MATLAB bicubic downscaling."""
    from srlib.image import imresize, modcrop

    hr = modcrop(hr, scale)  # so that upscaling by `scale` gives back exactly hr's size
    return imresize(hr, 1 / scale)  # uint8 in, uint8 out, antialiased like MATLAB


def paper_psnr(sr, hr, scale):
    """PSNR as the SR papers report it: Y channel of MATLAB rgb2ycbcr, `scale` pixels shaved."""
    import numpy as np

    from srlib.image import rgb2y, shave

    y_sr = shave(rgb2y(sr), scale)  # float64 on 0..255, so no uint8 wrap-around
    y_hr = shave(rgb2y(hr), scale)
    mse = np.mean((y_sr - y_hr) ** 2)
    return 10 * np.log10(255**2 / mse)


def bicubic_scores(hr, scale):
    """The bicubic baseline of every table: (PSNR, SSIM) on Y with `scale` pixels shaved."""
    from srlib.image import imresize, modcrop
    from srlib.metrics import psnr_y, ssim_y

    hr = modcrop(hr, scale)
    lr = imresize(hr, 1 / scale)
    sr = imresize(lr, scale)
    return psnr_y(sr, hr, scale), ssim_y(sr, hr, scale)


# --- what wrong answers compute --------------------------------------------------------------


def _pil_resize(image: np.ndarray, size_hw: tuple[int, int], method: str) -> np.ndarray:
    resample = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}[method]
    return np.asarray(Image.fromarray(image).resize((size_hw[1], size_hw[0]), resample))


def _nearest_up(lr: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1)


# --- 00.1 make_lr ---------------------------------------------------------------------------


def _lr_mistakes(hr: np.ndarray, scale: int) -> list[Mistake]:
    cropped = modcrop(hr, scale)
    h, w = cropped.shape[:2]
    return [
        Mistake(
            "subsampled",
            cropped[::scale, ::scale],
            "keeping every scale-th pixel (hr[::scale, ::scale]) is subsampling: without the low-pass "
            "filter of bicubic downscaling, fine detail aliases. Use srlib.imresize(hr, 1 / scale).",
        ),
        Mistake(
            "subsampled, centred",
            cropped[scale // 2 :: scale, scale // 2 :: scale],
            "subsampling from the block centres is still subsampling (no antialiasing filter). "
            "Use srlib.imresize(hr, 1 / scale).",
        ),
        Mistake(
            "no antialiasing",
            imresize(cropped, 1 / scale, antialiasing=False),
            "you turned antialiasing off: MATLAB widens the bicubic kernel by `scale` when shrinking, "
            "and the papers' LR images are made that way (the default of srlib.imresize).",
        ),
        Mistake(
            "PIL bicubic",
            _pil_resize(cropped, (h // scale, w // scale), "bicubic"),
            "this is Pillow's bicubic: the same kernel and antialiasing as MATLAB, but it treats the "
            "borders and rounding differently, so the pixels differ. Use srlib.imresize for the papers' LR.",
        ),
        Mistake(
            "PIL bilinear",
            _pil_resize(cropped, (h // scale, w // scale), "bilinear"),
            "this is bilinear (PIL); the papers' degradation is MATLAB bicubic: srlib.imresize.",
        ),
    ]


def _judge_lr(got: Any, hr: np.ndarray, scale: int, *, call: str) -> Feedback | None:
    expected = make_lr(hr, scale)
    got = np.asarray(got)
    problem = wrong_shape(got, expected, call, lambda shape: _shape_hint_lr(shape, hr, scale))
    if problem:
        return problem
    if got.dtype != np.uint8:
        return Feedback(
            False,
            f"{call} returned {got.dtype} values in {got.min():.3g}..{got.max():.3g}; expected uint8 in 0..255.",
            _dtype_hint_lr(got, expected),
        )
    if np.array_equal(got, expected):
        return None
    hint = mistake_hint(
        got,
        _lr_mistakes(hr, scale),
        0,
        "make it exactly as the papers do: modcrop(hr, scale), then srlib.imresize(hr, 1 / scale) "
        "on the uint8 image (MATLAB bicubic with antialiasing, rounded to uint8).",
    )
    differ = np.abs(got.astype(int) - expected.astype(int))
    message = (
        f"{call}: {np.mean(differ > 0):.0%} of the pixels differ from the papers' LR "
        f"(by up to {differ.max()} grey levels)."
    )
    return Feedback(False, message, hint)


def _check_make_lr(answer: Any) -> Feedback:
    cases = (
        (describe_call("make_lr", hr=hr, scale=scale), (hr, scale))
        for _name, hr in checker_images()
        for scale in SCALES
    )
    return run_cases(
        answer,
        "make_lr",
        cases,
        _judge_lr,
        "your LR images equal the papers' (modcrop, then MATLAB bicubic) on all {count} "
        f"test cases (2 images, scales {', '.join(map(str, SCALES))}).",
    )


def _shape_hint_lr(shape: tuple, hr: np.ndarray, scale: int) -> str:
    h, w = hr.shape[:2]
    if shape[:2] == (-(-h // scale), -(-w // scale)):
        return (
            f"the HR image is {h}x{w}, not a multiple of {scale}: crop it first with modcrop(hr, scale), "
            "so that upscaling the LR by the scale gives back exactly the HR size."
        )
    if len(shape) >= 2 and (shape[0] > h or shape[1] > w):
        return "your result is larger than the HR image: downscale by 1 / scale, not by scale."
    if len(shape) == 2 and hr.ndim == 3:
        return "keep the three colour channels: the LR is an RGB image (metrics convert to Y later)."
    return "the LR of an (H, W, 3) image at x scale is (H // scale, W // scale, 3) after modcrop."


def _dtype_hint_lr(got: np.ndarray, expected: np.ndarray) -> str:
    values = got.astype(np.float64)
    zero_one = values.max() <= 1.0 + 1e-6
    # Float resizing skips MATLAB's per-dimension rounding and clipping: allow that much difference.
    difference = np.abs(np.clip(values * 255 if zero_one else values, 0, 255) - expected)
    if difference.mean() < 0.5 and difference.max() <= 2:
        if zero_one:
            return (
                "your values are on the 0..1 scale. The course (and MATLAB's uint8 pipeline) works on "
                "0..255: pass the uint8 image to srlib.imresize and it returns uint8."
            )
        return (
            "the values are right up to rounding, but MATLAB rounds to uint8 after each dimension: "
            "give srlib.imresize the uint8 image (not a float copy) and it returns uint8."
        )
    return "return a uint8 image on 0..255, as srlib.imresize does for a uint8 input."


register(Exercise("00.1", "make the papers' LR input", _check_make_lr, make_lr))


# --- 00.2 paper_psnr ------------------------------------------------------------------------


def _uint8_wrapped_psnr(sr: np.ndarray, hr: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        mse = np.mean((sr - hr) ** 2)  # deliberately uint8 arithmetic: the classic wrap-around bug
        return float(10 * np.log10(255.0**2 / mse))


def _full_range_luma(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _psnr_mistakes(sr: np.ndarray, hr: np.ndarray, scale: int) -> list[Mistake]:
    correct = psnr_y(sr, hr, scale)
    wrap = (
        "subtracting two uint8 arrays wraps around (3 - 5 gives 254, not -2), so the error is "
        "garbage: convert to float first (rgb2y returns float64, or use .astype(np.float64))."
    )
    return [
        Mistake("uint8 RGB, no shave", _uint8_wrapped_psnr(sr, hr), wrap + " Then use Y and shave `scale` pixels."),
        Mistake("uint8 RGB, shaved", _uint8_wrapped_psnr(shave(sr, scale), shave(hr, scale)), wrap + " Then use Y."),
        Mistake(
            "RGB, no shave",
            psnr(sr, hr),
            "you computed PSNR on RGB over the whole image. The papers use the Y channel of MATLAB's "
            "rgb2ycbcr (srlib.image.rgb2y) and shave `scale` pixels from every border first.",
        ),
        Mistake(
            "RGB, shaved",
            psnr(shave(sr, scale), shave(hr, scale)),
            "the shave is right, but you computed on RGB: convert both images to Y with rgb2y first.",
        ),
        Mistake(
            "Y, no shave",
            psnr(rgb2y(sr), rgb2y(hr)),
            "Y is right, but you forgot to shave: remove `scale` pixels from every border "
            "(shave(y, scale)) — the papers ignore the border, where resizers see padding.",
        ),
        Mistake(
            "full-range luma",
            psnr(shave(_full_range_luma(sr), scale), shave(_full_range_luma(hr), scale)),
            "that is the 0..255 'luma' of JPEG/PIL (0.299 R + 0.587 G + 0.114 B). The papers use MATLAB's "
            "rgb2ycbcr, whose Y spans 16..235: use srlib.image.rgb2y.",
        ),
        Mistake(
            "rounded Y",
            psnr(shave(np.round(rgb2y(sr)), scale), shave(np.round(rgb2y(hr)), scale)),
            "you rounded Y to integers; the papers' evaluation keeps Y unrounded (float).",
        ),
        Mistake(
            "peak 1",
            correct - PEAK_DB,
            "your images are on 0..255 but you used a peak of 1: use 255**2 / mse (or divide the images by 255).",
        ),
        Mistake(
            "peak 255 on 0..1",
            correct + PEAK_DB,
            "your images are on 0..1 but you used a peak of 255: keep them on 0..255 (rgb2y expects that).",
        ),
    ]


def _psnr_cases() -> Iterator[tuple[str, tuple]]:
    for _name, image in checker_images():
        for scale in (3, 4):
            hr = modcrop(image, scale)
            sr = imresize(imresize(hr, 1 / scale), scale)
            yield describe_call("paper_psnr", sr=sr, hr=hr, scale=scale), (sr, hr, scale)


def _judge_psnr(got: Any, sr: np.ndarray, hr: np.ndarray, scale: int, *, call: str) -> Feedback | None:
    if np.ndim(got) != 0:
        return Feedback(
            False,
            f"{call} returned {type(got).__name__} of shape {np.shape(got)}.",
            "return one number: the mean is taken over all pixels before the log.",
        )
    got, expected = float(got), psnr_y(sr, hr, scale)
    if abs(got - expected) <= PSNR_TOLERANCE:
        return None
    hint = mistake_hint(
        got,
        _psnr_mistakes(sr, hr, scale),
        PSNR_TOLERANCE,
        "the steps: Y = rgb2y(image) (float, 16..235), shave `scale` pixels, "
        "mse = mean((y_sr - y_hr) ** 2), psnr = 10 log10(255^2 / mse).",
    )
    return Feedback(False, f"{call} gave {got:.4f} dB; the papers' convention gives {expected:.4f} dB.", hint)


def _check_paper_psnr(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "paper_psnr",
        _psnr_cases(),
        _judge_psnr,
        f"your PSNR matches the papers' convention (Y, {{count}} test cases, shave = scale) to {PSNR_TOLERANCE} dB.",
    )


register(Exercise("00.2", "PSNR the papers' way", _check_paper_psnr, paper_psnr))


# --- 00.3 bicubic_scores ------------------------------------------------------------------------


def _scores_mistakes(hr: np.ndarray, scale: int) -> list[Mistake]:
    hr = modcrop(hr, scale)
    h, w = hr.shape[:2]
    lr = imresize(hr, 1 / scale)
    sr = imresize(lr, scale)

    def scores(sr_variant: np.ndarray, border: int = scale) -> tuple[float, float]:
        return psnr_y(sr_variant, hr, border), ssim_y(sr_variant, hr, border)

    pil_lr = _pil_resize(hr, (h // scale, w // scale), "bicubic")
    return [
        Mistake(
            "no SR at all",
            (float("inf"), 1.0),
            "you compared the HR image with itself: make the LR with imresize(hr, 1 / scale), upscale it "
            "back with imresize(lr, scale), and measure that.",
        ),
        Mistake(
            "no shave",
            scores(sr, 0),
            "the pipeline is right, but the metrics must shave `scale` pixels: psnr_y(sr, hr, scale), "
            "ssim_y(sr, hr, scale).",
        ),
        Mistake("swapped", scores(sr)[::-1], "return (psnr, ssim) in that order."),
        Mistake(
            "RGB PSNR",
            (psnr(shave(sr, scale), shave(hr, scale)), scores(sr)[1]),
            "SSIM is right, but PSNR was measured on RGB: use psnr_y (the Y channel).",
        ),
        Mistake(
            "nearest upscaling",
            scores(_nearest_up(lr, scale)),
            "that is nearest-neighbour upscaling (pixel repetition): upscale with MATLAB bicubic, imresize(lr, scale).",
        ),
        Mistake(
            "subsampled LR",
            scores(imresize(hr[::scale, ::scale], scale)),
            "the LR was made by subsampling (hr[::scale, ::scale]): make it with imresize(hr, 1 / scale).",
        ),
        Mistake(
            "no antialiasing",
            scores(imresize(imresize(hr, 1 / scale, antialiasing=False), scale)),
            "the LR was made without antialiasing; the papers shrink with MATLAB's antialiased bicubic "
            "(srlib.imresize's default).",
        ),
        Mistake(
            "PIL bicubic",
            scores(_pil_resize(pil_lr, (h, w), "bicubic")),
            "Pillow's bicubic is close to MATLAB's but not identical (borders, rounding): use "
            "srlib.imresize for both steps to get the papers' numbers.",
        ),
        Mistake(
            "PIL LR",
            scores(imresize(pil_lr, scale)),
            "the LR was made with PIL's bicubic: use srlib.imresize(hr, 1 / scale) (MATLAB's).",
        ),
    ]


def _as_pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, dict) and {"psnr", "ssim"} <= set(value):
        value = (value["psnr"], value["ssim"])
    try:
        pair = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return pair if len(pair) == 2 else None


def _shape_error(exc: Exception, hr: np.ndarray, scale: int, *, call: str) -> Feedback | None:
    """A shape mismatch inside the answer: most likely the HR image was not cropped to a multiple of scale."""
    if not (isinstance(exc, ValueError) and "shape" in str(exc)):
        return None
    return Feedback(
        False,
        f"{call} raised ValueError: {str(exc).splitlines()[0]}",
        f"the HR image is {hr.shape[0]}x{hr.shape[1]}: crop it with modcrop(hr, scale) "
        "first, so that the upscaled LR has exactly the HR size.",
    )


def _judge_scores(got: Any, hr: np.ndarray, scale: int, *, call: str) -> Feedback | None:
    pair = _as_pair(got)
    if pair is None:
        return Feedback(False, f"{call} returned {got!r}.", "return two numbers: (psnr, ssim).")
    expected = bicubic_scores(hr, scale)
    if abs(pair[0] - expected[0]) <= PSNR_TOLERANCE and abs(pair[1] - expected[1]) <= SSIM_TOLERANCE:
        return None
    hint = mistake_hint(
        pair,
        _scores_mistakes(hr, scale),
        PSNR_TOLERANCE,
        "the protocol: hr = modcrop(hr, scale); lr = imresize(hr, 1 / scale); sr = imresize(lr, scale); "
        "then psnr_y and ssim_y with `scale` pixels shaved.",
    )
    return Feedback(
        False,
        f"{call} gave PSNR {pair[0]:.4f} dB, SSIM {pair[1]:.4f}; the papers' "
        f"protocol gives {expected[0]:.4f} dB, {expected[1]:.4f}.",
        hint,
    )


def _check_bicubic_scores(answer: Any) -> Feedback:
    cases = (
        (describe_call("bicubic_scores", hr=hr, scale=scale), (hr, scale))
        for _name, hr in checker_images()
        for scale in (2, 3)
    )
    return run_cases(
        answer,
        "bicubic_scores",
        cases,
        _judge_scores,
        "your bicubic baseline matches the papers' protocol on all {count} test cases (2 images, scales 2 and 3).",
        crashed=_shape_error,
    )


register(Exercise("00.3", "the bicubic baseline, end to end", _check_bicubic_scores, bicubic_scores))
