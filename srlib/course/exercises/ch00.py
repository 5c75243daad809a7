"""Chapter 00's exercises: the papers' degradation built from its parts (00.1), their PSNR (00.2), a
prediction of what three convention changes cost (00.3), and Y from MATLAB's coefficients (00.4).

Each checker runs the learner's function on crops of two photographs installed with scikit-image
(offline, milliseconds), compares with srlib, and names the typical mistake a wrong answer matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import numpy as np
from PIL import Image

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    as_number,
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

__all__ = ["make_lr", "paper_psnr", "predicted_deltas", "rgb_to_y", "measured_deltas", "CHANGES"]

SCALES = (2, 3, 4)
PSNR_TOLERANCE = 1e-3  # dB: a correct answer does the same arithmetic, so it agrees far closer
FLOAT_TOLERANCE = 1e-3  # grey levels: float32 arithmetic passes, every typical slip differs by far more
PEAK_DB = 20 * np.log10(255.0)  # what a 0..1 peak on 0..255 data (or the reverse) shifts PSNR by
RANGE_DB = 20 * np.log10(255 / 219)  # Y's 219 levels against a peak of 255: 1.32 dB
CHANGES = ("RGB instead of Y", "no shave", "no antialiasing")  # 00.3's convention changes
PREDICTION_TOLERANCE = 0.5  # dB: a prediction this close to the measured change counts
SIGN_MATTERS = 0.25  # dB: a measured change at least this large must also be predicted with its sign
BT601 = np.array([65.481, 128.553, 24.966])  # MATLAB rgb2ycbcr's Y row (for R, G, B on 0..1), sums to 219


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.


def make_lr(hr, scale):
    """The papers' LR input built from its parts: modcrop, a blur by Keys' kernel stretched by scale, subsampling."""
    import numpy as np

    from srlib.image import modcrop

    def keys(x, a=-0.5):  # Keys (1981), eq. 15: MATLAB's 'bicubic'
        x = np.abs(x)
        near = (a + 2) * x**3 - (a + 3) * x**2 + 1
        far = a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
        return np.where(x <= 1, near, np.where(x < 2, far, 0.0))

    def downscale_weights(n, scale):
        centres = (np.arange(n // scale) + 0.5) * scale - 0.5  # output pixel i, in input pixel units
        taps = np.arange(-2 * scale, n + 2 * scale)  # input pixels, with a margin beyond each border
        weights = keys((centres[:, None] - taps[None, :]) / scale)  # stretched by scale: the antialiasing blur
        weights /= weights.sum(axis=1, keepdims=True)
        mirrored = np.where(taps < 0, -taps - 1, np.where(taps >= n, 2 * n - 1 - taps, taps))
        return weights @ np.eye(n)[mirrored]  # taps beyond a border fold back onto their mirror pixel

    hr = modcrop(hr, scale).astype(np.float64)
    rows, cols = downscale_weights(hr.shape[0], scale), downscale_weights(hr.shape[1], scale)
    return np.einsum("ij,jkc,lk->ilc", rows, hr, cols)


def paper_psnr(sr, hr, scale):
    """PSNR as the SR papers report it: Y channel of MATLAB rgb2ycbcr, `scale` pixels shaved."""
    import numpy as np

    from srlib.image import rgb2y, shave

    y_sr = shave(rgb2y(sr), scale)  # float64 on 0..255, so no uint8 wrap-around
    y_hr = shave(rgb2y(hr), scale)
    mse = np.mean((y_sr - y_hr) ** 2)
    return 10 * np.log10(255**2 / mse)


def predicted_deltas(scale):
    """A reasoned prediction (dB, + = higher) of how far each change moves the bicubic PSNR at x`scale`."""
    # RGB: Y errors are 219/255 of the luma errors, the peak is 255 both times: Y is 20 log10(255/219) =
    # 1.32 dB higher; the three channels' errors also partly cancel in Y's weighted sum: a little more.
    rgb = -20 * np.log10(255 / 219) - 0.3
    # No shave: MATLAB mirrors the image at its borders, so bicubic is about as good there: about 0.
    # No antialiasing: at odd scales the unstretched kernel sits on a pixel centre (weight 1, neighbours 0),
    # plain subsampling, aliased: lower. At even scales it averages the two nearest pixels: a milder blur,
    # which keeps more than the stretched kernel at x2 but is too short a filter at x4.
    no_antialiasing = {2: 0.5, 3: -0.9, 4: -0.5}[scale]
    return {"RGB instead of Y": rgb, "no shave": 0.0, "no antialiasing": no_antialiasing}


def rgb_to_y(rgb):
    """Y of MATLAB's rgb2ycbcr on 0..255 (16..235), unrounded, from its BT.601 coefficients."""
    import numpy as np

    rgb = np.asarray(rgb, dtype=np.float64) / 255  # the coefficients are for R, G, B on 0..1
    return 16 + 65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]


# --- 00.1 make_lr ---------------------------------------------------------------------------


def _keys(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    near = (a + 2) * x**3 - (a + 3) * x**2 + 1
    return np.where(x <= 1, near, np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0))


def _degrade(hr: np.ndarray, scale: int, *, a=-0.5, stretch=True, corner=False, border="mirror", normalise=True):
    """The LR a learner's weights give: right with the defaults, each keyword one typical slip."""
    image = modcrop(hr, scale).astype(np.float64)

    def weights(n: int) -> np.ndarray:
        centres = np.arange(n // scale) * scale + (0.0 if corner else (scale - 1) / 2)
        taps = np.arange(-2 * scale, n + 2 * scale)
        w = _keys((centres[:, None] - taps[None, :]) / (scale if stretch else 1), a)
        w = w / w.sum(axis=1, keepdims=True) if normalise else w
        if border != "mirror":  # taps beyond the border dropped, the rest renormalised or not
            w = w * ((taps >= 0) & (taps < n))
            w = w / w.sum(axis=1, keepdims=True) if border == "renormalise" else w
        mirrored = np.where(taps < 0, -taps - 1, np.where(taps >= n, 2 * n - 1 - taps, taps))
        return w @ np.eye(n)[mirrored]

    return np.einsum("ij,jkc,lk->ilc", weights(image.shape[0]), image, weights(image.shape[1]))


LR_HINTS = {  # what each typical slip in building the weights (00.1) looks like, and what to tell the learner
    "subsampled": "keeping every scale-th pixel is subsampling without the blur k of the degradation model: detail finer than the LR grid aliases, and the grid is shifted. Weigh input pixel j by keys((c_i - j) / scale) around output pixel i's centre c_i = (i + 0.5) * scale - 0.5.",
    "no stretch": "your kernel is not stretched: use keys((c_i - j) / scale), not keys(c_i - j). Stretched, it reaches 2 * scale pixels each side and blurs away what the small grid cannot hold (MATLAB's antialiasing); unstretched, at odd scales it is plain subsampling.",
    "not normalised": "your image is too bright: each row of weights must sum to 1 (divide it by its sum).",
    "corner centres": "output pixel i covers input pixels i*scale ... i*scale + scale - 1, so its centre is c_i = (i + 0.5) * scale - 0.5, not i * scale: your LR is shifted.",
    "dropped border taps": "at a border MATLAB mirrors the image (pixel -1 is pixel 0, -2 is 1, n is n - 1) and keeps every tap.",
    "zero padding": "your border rows are too dark: at a border MATLAB mirrors the image (pixel -1 is pixel 0, -2 is 1, n is n - 1).",
    "a = -0.75": "that is Keys' kernel with a = -0.75 (OpenCV's choice); MATLAB and Keys' paper use a = -0.5.",
    "0..1": "your values are on 0..1; the course works on 0..255 (do not divide by 255).",
    "Pillow": "this is Pillow's bicubic: the same kernel, but other borders and rounding, so other pixels. Build the weights yourself from keys.",
}


def _lr_mistakes(hr: np.ndarray, scale: int) -> list[Mistake]:
    cropped = modcrop(hr, scale)
    pillow = Image.fromarray(cropped).resize((cropped.shape[1] // scale, cropped.shape[0] // scale), Image.BICUBIC)
    values = {
        "subsampled": cropped[::scale, ::scale].astype(np.float64),
        "no stretch": _degrade(hr, scale, stretch=False),
        "not normalised": _degrade(hr, scale, normalise=False),
        "corner centres": _degrade(hr, scale, corner=True),
        "dropped border taps": _degrade(hr, scale, border="renormalise"),
        "zero padding": _degrade(hr, scale, border="zero"),
        "a = -0.75": _degrade(hr, scale, a=-0.75),
        "0..1": _degrade(hr, scale) / 255,
        "Pillow": np.asarray(pillow),
    }
    return [Mistake(name, value, LR_HINTS[name]) for name, value in values.items()]


def _is_rounded(got: np.ndarray, exact: np.ndarray, hr: np.ndarray, scale: int) -> bool:
    """An integer answer is right if it rounds the exact LR once, or per dimension as MATLAB's uint8 path does."""
    once = [np.clip(np.floor(exact + 0.5), 0, 255), np.clip(np.round(exact), 0, 255)]
    return any(np.array_equal(got, r) for r in [*once, imresize(modcrop(hr, scale), 1 / scale)])


def _judge_lr(got: Any, hr: np.ndarray, scale: int, *, call: str) -> Feedback | None:
    expected = _degrade(hr, scale)  # equals imresize(float image, 1 / scale): see the tests
    got = np.asarray(got)
    problem = wrong_shape(got, expected, call, lambda shape: _shape_hint_lr(shape, hr, scale))
    if problem:
        return problem
    if not (np.issubdtype(got.dtype, np.integer) or np.issubdtype(got.dtype, np.floating)):
        return Feedback(False, f"{call} returned {got.dtype} values.", "return numbers: a float image on 0..255.")
    rounded = np.issubdtype(got.dtype, np.integer)
    tolerance = 1.5 if rounded else FLOAT_TOLERANCE  # a rounding (MATLAB's: once per axis) moves a value by up to 1
    differ = np.abs(got.astype(np.float64) - expected)
    if _is_rounded(got, expected, hr, scale) if rounded else differ.max() <= tolerance:
        return None
    clip = np.clip if rounded else lambda value, low, high: value  # an integer answer was clipped to 0..255
    mistakes = [Mistake(m.name, clip(m.value, 0, 255), m.hint) for m in _lr_mistakes(hr, scale)]
    hint = mistake_hint(
        got,
        mistakes,
        tolerance,
        "check each part: centres c_i = (i + 0.5) * scale - 0.5; weights keys((c_i - j) / scale), each row "
        "summing to 1; taps beyond a border mirrored back onto the image.",
    )
    share = np.mean(differ > (1 if rounded else tolerance))
    message = f"{call}: {share:.0%} of the values differ from MATLAB's bicubic LR (srlib.imresize), by up to {differ.max():.3g} grey levels."
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
        "your degradation equals MATLAB's bicubic downscaling (srlib.imresize) on all {count} test cases "
        f"(2 images, scales {', '.join(map(str, SCALES))}): you built the papers' LR input.",
    )


def _shape_hint_lr(shape: tuple, hr: np.ndarray, scale: int) -> str:
    h, w = hr.shape[:2]
    if shape[:2] == (-(-h // scale), -(-w // scale)):
        return f"the HR image is {h}x{w}, not a multiple of {scale}: crop it first with modcrop(hr, scale), so that upscaling the LR by the scale gives back exactly the HR size."
    if len(shape) >= 2 and (shape[0] > h or shape[1] > w):
        return "your result is larger than the HR image: downscale by 1 / scale, not by scale."
    if len(shape) == 2 and hr.ndim == 3:
        return "keep the three colour channels: the LR is an RGB image (metrics convert to Y later)."
    return "the LR of an (H, W, 3) image at x scale is (H // scale, W // scale, 3) after modcrop."


register(Exercise("00.1", "build the papers' degradation", _check_make_lr, make_lr))


# --- 00.2 paper_psnr ------------------------------------------------------------------------


def _uint8_wrapped_psnr(sr: np.ndarray, hr: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        mse = np.mean((sr - hr) ** 2)  # deliberately uint8 arithmetic: the classic wrap-around bug
        return float(10 * np.log10(255.0**2 / mse))


WRAP = "subtracting two uint8 arrays wraps around (3 - 5 gives 254, not -2), so the error is garbage: convert to float first (rgb2y returns float64, or use .astype(np.float64))."
PSNR_HINTS = {  # 00.2's typical mistakes
    "uint8 RGB, no shave": WRAP + " Then use Y and shave `scale` pixels.",
    "uint8 RGB, shaved": WRAP + " Then use Y.",
    "RGB, no shave": "you computed PSNR on RGB over the whole image. The papers use the Y channel of MATLAB's rgb2ycbcr (srlib.image.rgb2y) and shave `scale` pixels from every border first.",
    "RGB, shaved": "the shave is right, but you computed on RGB: convert both images to Y with rgb2y first.",
    "Y, no shave": "Y is right, but you forgot to shave: remove `scale` pixels from every border (shave(y, scale)) — the papers ignore the border, where resizers see padding.",
    "full-range luma": "that is the 0..255 'luma' of JPEG/PIL (0.299 R + 0.587 G + 0.114 B). The papers use MATLAB's rgb2ycbcr, whose Y spans 16..235: use srlib.image.rgb2y.",
    "rounded Y": "you rounded Y to integers; the papers' evaluation keeps Y unrounded (float).",
    "peak 1": "your images are on 0..255 but you used a peak of 1: use 255**2 / mse (or divide the images by 255).",
    "peak 255 on 0..1": "your images are on 0..1 but you used a peak of 255: keep them on 0..255 (rgb2y expects that).",
}


def _psnr_mistakes(sr: np.ndarray, hr: np.ndarray, scale: int) -> list[Mistake]:
    correct, y_sr, y_hr = psnr_y(sr, hr, scale), rgb2y(sr), rgb2y(hr)
    values = {
        "uint8 RGB, no shave": _uint8_wrapped_psnr(sr, hr),
        "uint8 RGB, shaved": _uint8_wrapped_psnr(shave(sr, scale), shave(hr, scale)),
        "RGB, no shave": psnr(sr, hr),
        "RGB, shaved": psnr(shave(sr, scale), shave(hr, scale)),
        "Y, no shave": psnr(y_sr, y_hr),
        "full-range luma": psnr(shave(sr @ (BT601 / 219), scale), shave(hr @ (BT601 / 219), scale)),
        "rounded Y": psnr(shave(np.round(y_sr), scale), shave(np.round(y_hr), scale)),
        "peak 1": correct - PEAK_DB,
        "peak 255 on 0..1": correct + PEAK_DB,
    }
    return [Mistake(name, value, PSNR_HINTS[name]) for name, value in values.items()]


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


# --- 00.3 predicted_deltas ------------------------------------------------------------------------


@cache
def measured_deltas(scale: int) -> dict[str, float]:
    """How far each of :data:`CHANGES` moves the bicubic PSNR (dB) at ``scale``, mean over the checker's images."""
    rows: dict[str, list[float]] = {change: [] for change in CHANGES}
    for _name, image in checker_images():
        hr = modcrop(image, scale)
        sr = imresize(imresize(hr, 1 / scale), scale)
        papers = psnr_y(sr, hr, scale)
        aliased = imresize(imresize(hr, 1 / scale, antialiasing=False), scale)
        rows["RGB instead of Y"].append(psnr(shave(sr, scale), shave(hr, scale)) - papers)
        rows["no shave"].append(psnr_y(sr, hr, 0) - papers)
        rows["no antialiasing"].append(psnr_y(aliased, hr, scale) - papers)
    return {change: float(np.mean(values)) for change, values in rows.items()}


def _missed(predicted: float, measured: float) -> bool:
    wrong_sign = abs(measured) >= SIGN_MATTERS and np.sign(predicted) != np.sign(measured)
    return wrong_sign or abs(predicted - measured) > PREDICTION_TOLERANCE


PREDICTION_HINTS = {  # 00.3: why each change moves the bicubic PSNR the way it does
    "RGB instead of Y": "RGB scores lower than Y. Y's coefficients sum to 219, not 255, so every Y error is 219/255 of the luma error while the peak stays 255: that alone lifts Y by 20 log10(255/219) = {range_db:.2f} dB. The three channels' errors also partly cancel in Y's weighted sum, which adds a little more.",
    "no shave": "for bicubic the border is hardly worse than the interior (MATLAB mirrors the image there), so shaving it changes little. It matters for networks, which see zero padding at the border.",
    "no antialiasing, odd": "at x{scale} (odd) each LR pixel sits on an HR pixel, where the unstretched kernel is 1 and 0 at every neighbour: the LR is plain subsampling, aliased, so PSNR goes {direction}.",
    "no antialiasing, even": "at x{scale} (even) each LR pixel falls between HR pixels, so even the unstretched kernel averages its neighbours (weights -1, 9, 9, -1 over 16): a short blur, milder than the stretched one. It keeps more detail for bicubic to bring back but lets more alias through; here the PSNR goes {direction}. Predict per scale: the sign is not the same at every scale.",
}


def _prediction_hint(change: str, scale: int, measured: float) -> str:
    key = change + (", odd" if scale % 2 else ", even") if change == "no antialiasing" else change
    return PREDICTION_HINTS[key].format(scale=scale, direction="up" if measured > 0 else "down", range_db=RANGE_DB)


def _judge_prediction(got: Any, scale: int, *, call: str) -> Feedback | None:
    keys = ", ".join(repr(change) for change in CHANGES)
    if not isinstance(got, dict):
        return Feedback(False, f"{call} returned {type(got).__name__}.", f"return a dict {{change: Δ dB}} for {keys}.")
    missing = [change for change in CHANGES if change not in got]
    if missing:
        return Feedback(False, f"{call} has no prediction for {missing}.", f"the dict needs exactly the keys {keys}.")
    measured, wrong = measured_deltas(scale), []
    for change in CHANGES:
        value, problem = as_number(got[change], f"{call}[{change!r}]")
        if problem:
            return problem
        if _missed(value, measured[change]):
            wrong.append(f"{change}: you said {value:+.2f} dB, measured {measured[change]:+.2f} dB")
    if not wrong:
        return None
    first = next(change for change in CHANGES if _missed(float(got[change]), measured[change]))
    message = f"at x{scale}, on the checker's two photo crops: " + "; ".join(wrong) + "."
    return Feedback(False, message, _prediction_hint(first, scale, measured[first]))


def _check_predictions(answer: Any) -> Feedback:
    cases = ((describe_call("predicted_deltas", scale=scale), (scale,)) for scale in SCALES)
    return run_cases(
        answer,
        "predicted_deltas",
        cases,
        _judge_prediction,
        f"every prediction is within {PREDICTION_TOLERANCE} dB of the change measured on the checker's two photo "
        f"crops, with its sign where the change is {SIGN_MATTERS} dB or more, at x2, x3 and x4 ({{count}} scales).",
    )


register(Exercise("00.3", "predict what a convention costs", _check_predictions, predicted_deltas))


# --- 00.4 rgb_to_y ------------------------------------------------------------------------------


Y_HINTS = {  # 00.4's typical mistakes
    "channel mean": "the three channels do not count equally: the eye is most sensitive to green. MATLAB's Y is 16 + (65.481 R + 128.553 G + 24.966 B) / 255.",
    "full-range luma": "that is the full-range luma of JPEG and Pillow (0.299, 0.587, 0.114), on 0..255. MATLAB's rgb2ycbcr multiplies it by 219/255 and adds 16, so Y spans 16..235.",
    "no offset": "add 16: MATLAB puts black at 16 (white at 235). A PSNR would not notice (the offset cancels in sr - hr), but SSIM's constants and any Y mixed with other values would.",
    "no /255": "the coefficients are for R, G, B on 0..1: divide by 255.",
    "0..1": "your Y is on 0..1 (MATLAB's double output); the course's Y is on 0..255.",
    "rounded": "MATLAB rounds Y for uint8 images, but the evaluation keeps it unrounded.",
    "BGR": "the channels are R, G, B in that order (OpenCV reads B, G, R).",
    "BT.709": "those are BT.709's (HDTV) coefficients; MATLAB's rgb2ycbcr uses BT.601's: 65.481, 128.553, 24.966.",
}


def _y_mistakes(rgb: np.ndarray) -> list[Mistake]:
    values, y = rgb.astype(np.float64), rgb2y(rgb)
    wrong = {
        "channel mean": values.mean(axis=-1),
        "full-range luma": values @ (BT601 / 219),
        "no offset": y - 16,
        "no /255": 16 + values @ BT601,
        "0..1": y / 255,
        "rounded": np.round(y),
        "BGR": 16 + values @ BT601[::-1] / 255,
        "BT.709": 16 + values @ (np.array([0.2126, 0.7152, 0.0722]) * 219) / 255,
    }
    return [Mistake(name, value, Y_HINTS[name]) for name, value in wrong.items()]


def _y_cases() -> Iterator[tuple[str, tuple]]:
    chart = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    for image in (chart, *(image for _name, image in checker_images())):
        yield describe_call("rgb_to_y", rgb=image), (image,)


def _judge_y(got: Any, rgb: np.ndarray, *, call: str) -> Feedback | None:
    expected = rgb2y(rgb)
    got = np.asarray(got)
    problem = wrong_shape(
        got, expected, call, lambda shape: "return one channel, shaped (H, W): Y alone, without Cb and Cr."
    )
    if problem:
        return problem
    if not np.issubdtype(got.dtype, np.floating):
        return Feedback(False, f"{call} returned {got.dtype} values.", "return Y as floats, unrounded, on 0..255.")
    if np.abs(got - expected).max() <= FLOAT_TOLERANCE:
        return None
    hint = mistake_hint(got, _y_mistakes(rgb), FLOAT_TOLERANCE, "Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255.")
    black_white = (
        f" (black gives {got.flat[0]:.3f}, white {got.flat[1]:.3f}; MATLAB's 16 and 235)" if rgb.size == 15 else ""
    )
    return Feedback(
        False, f"{call} differs from MATLAB's Y by up to {np.abs(got - expected).max():.3g}{black_white}.", hint
    )


def _check_y(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "rgb_to_y",
        _y_cases(),
        _judge_y,
        "your Y equals MATLAB's rgb2ycbcr luma (srlib.image.rgb2y) on a colour chart and 2 photos ({count} cases).",
    )


register(Exercise("00.4", "Y from MATLAB's coefficients", _check_y, rgb_to_y))
