"""Chapter 01's exercises (SRCNN): its bicubic input, its parameter count, its 'valid' output size.

Each checker compares the learner's function with the reference below on a few
cases (the paper's 9-1-5 and 9-5-5 networks and others, two photo crops from
scikit-image), and names the typical mistake a wrong answer matches: forgotten
biases or input channels, ``f`` instead of ``f**2``, an off-by-one in the
'valid' size, a missing ``/ 255``, channel axis or Y conversion, nearest upscaling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    as_number,
    checker_images,
    closest_mistake,
    describe_call,
    mistake_hint,
    register,
    run_cases,
    wrong_shape,
)
from srlib.eval.protocol import make_lr
from srlib.image.color import rgb2y
from srlib.image.resize import imresize

__all__ = ["bicubic_input", "srcnn_parameters", "valid_output_size"]

# (f1, f2, f3, n1, n2, channels): the paper's two main networks, a wider one, and an RGB one.
PARAMETER_CASES = ((9, 1, 5, 64, 32, 1), (9, 5, 5, 64, 32, 1), (11, 1, 7, 128, 64, 1), (9, 3, 5, 64, 32, 3))
# (size, f1, f2, f3): the paper's 33x33 sub-images through 9-1-5 and 9-5-5, and odd others.
SIZE_CASES = ((33, 9, 1, 5), (33, 9, 5, 5), (32, 9, 3, 5), (100, 11, 1, 7))
INPUT_SCALES = (2, 3)
INPUT_TOLERANCE = 1e-4  # on 0..1: float32 arithmetic agrees far closer; another resizer differs by ~1e-2
NEAR_TOLERANCE = 3.0 / 255  # "almost": the right steps with another bicubic implementation


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.


def srcnn_parameters(f1, f2, f3, n1, n2, channels=1):
    """Weights and biases of SRCNN (TPAMI 2016, eq. 1-3): W1 is c x f1 x f1 x n1, W2 n1 x f2 x f2 x n2, W3 n2 x f3 x f3 x c."""
    layer1 = channels * f1 * f1 * n1 + n1  # n1 filters, each spanning f1 x f1 pixels of all c channels
    layer2 = n1 * f2 * f2 * n2 + n2  # each of the n2 filters spans all n1 feature maps
    layer3 = n2 * f3 * f3 * channels + channels  # one filter per output channel
    return layer1 + layer2 + layer3


def valid_output_size(size, f1, f2, f3):
    """Side of SRCNN's output for a size x size input when no layer pads ('valid', as in the paper's training)."""
    # An f x f filter without padding fits at size - f + 1 positions, so each layer removes f - 1 pixels.
    return size - (f1 - 1) - (f2 - 1) - (f3 - 1)


def bicubic_input(lr, scale):
    """SRCNN's input for a uint8 RGB LR image: its Y channel upscaled by MATLAB bicubic, on 0..1, shape (sH, sW, 1)."""
    import numpy as np

    from srlib.image import imresize, rgb2y

    y = rgb2y(lr)  # MATLAB rgb2ycbcr luma, float on 16..235
    y_up = imresize(y, scale)  # pre-upsampling: bicubic to the HR size, before the network
    return (y_up / 255.0)[..., None].astype(np.float32)


# --- 01.2 srcnn_parameters ------------------------------------------------------------------------


def _parameter_mistakes(f1, f2, f3, n1, n2, c) -> list[Mistake]:
    weights = c * f1 * f1 * n1 + n1 * f2 * f2 * n2 + n2 * f3 * f3 * c
    return [
        Mistake(
            "layer 1 weights only",
            c * f1 * f1 * n1,
            "that is only the first layer's weights. Add layers 2 and 3 (eq. 2 and 3), and each layer's biases.",
        ),
        Mistake(
            "no biases",
            weights,
            "the weights are right, but every filter also has a bias B (eq. 1-3): add n1 + n2 + channels.",
        ),
        Mistake(
            "f not squared",
            c * f1 * n1 + n1 + n1 * f2 * n2 + n2 + n2 * f3 * c + c,
            "a filter is f x f pixels: use f1 * f1 (not f1), and the same for f2 and f3.",
        ),
        Mistake(
            "input channels forgotten",
            f1 * f1 * n1 + n1 + f2 * f2 * n2 + n2 + f3 * f3 * c + c,
            "each filter looks at *all* channels of its input: W2 has n1 x f2 x f2 weights per filter "
            "(n1 feature maps in), W3 has n2 x f3 x f3, and W1 has channels x f1 x f1.",
        ),
        Mistake(
            "one bias per layer",
            weights + 3,
            "there is one bias per filter, not per layer: n1 biases in layer 1, n2 in layer 2, channels in layer 3.",
        ),
        Mistake(
            "output channels forgotten",
            c * f1 * f1 * n1 + n1 + n1 * f2 * f2 * n2 + n2 + n2 * f3 * f3 + 1,
            "the reconstruction layer has one filter per output channel: n2 * f3 * f3 * channels weights "
            "and channels biases (try the RGB case, channels=3).",
        ),
    ]


def _judge_parameters(got: Any, f1: int, f2: int, f3: int, n1: int, n2: int, c: int, *, call: str) -> Feedback | None:
    got, problem = as_number(got, call)
    if problem:
        return problem
    expected = srcnn_parameters(f1, f2, f3, n1, n2, c)
    if got == expected:
        return None
    hint = mistake_hint(
        got,
        _parameter_mistakes(f1, f2, f3, n1, n2, c),
        0,
        "count per layer: (input channels x f x f) weights per filter, times the number of filters, plus one "
        "bias per filter; then add the three layers.",
    )
    return Feedback(False, f"{call} gave {got:g}; SRCNN has {expected} parameters there.", hint)


def _check_parameters(answer: Any) -> Feedback:
    cases = [
        (describe_call("srcnn_parameters", f1=f1, f2=f2, f3=f3, n1=n1, n2=n2, channels=c), (f1, f2, f3, n1, n2, c))
        for f1, f2, f3, n1, n2, c in PARAMETER_CASES
    ]
    return run_cases(
        answer,
        "srcnn_parameters",
        cases,
        _judge_parameters,
        "your count matches Keras' for all {count} networks (9-1-5 and 9-5-5 as in the paper, a wider one, an RGB one).",
    )


register(Exercise("01.2", "count SRCNN's parameters", _check_parameters, srcnn_parameters))


# --- 01.3 valid_output_size ----------------------------------------------------------------------


def _size_mistakes(size, f1, f2, f3) -> list[Mistake]:
    return [
        Mistake(
            "same padding",
            size,
            "that is the size with 'same' zero padding (what srlib's SRCNN uses). Without padding, an f x f "
            "filter fits in fewer positions than the image has pixels: how many?",
        ),
        Mistake(
            "f per layer",
            size - f1 - f2 - f3,
            "off by one per layer: an f x f filter fits at size - f + 1 positions, so a layer removes f - 1 pixels.",
        ),
        Mistake(
            "one side only",
            size - (f1 // 2 + f2 // 2 + f3 // 2),
            "you removed the half-width on one side only: a 'valid' layer loses (f - 1) / 2 pixels on *each* side.",
        ),
        Mistake(
            "plus one once",
            size - f1 - f2 - f3 + 1,
            "close: the + 1 applies to every layer (size - f + 1 per layer), not once for the whole network.",
        ),
    ]


def _judge_size(got: Any, size: int, f1: int, f2: int, f3: int, *, call: str) -> Feedback | None:
    got, problem = as_number(got, call)
    if problem:
        return problem
    expected = valid_output_size(size, f1, f2, f3)
    if got == expected:
        return None
    hint = mistake_hint(
        got, _size_mistakes(size, f1, f2, f3), 0, "follow one layer: an f x f filter fits at size - f + 1 positions."
    )
    return Feedback(False, f"{call} gave {got:g}; the output is {expected}x{expected}.", hint)


def _check_size(answer: Any) -> Feedback:
    cases = [
        (describe_call("valid_output_size", size=size, f1=f1, f2=f2, f3=f3), (size, f1, f2, f3))
        for size, f1, f2, f3 in SIZE_CASES
    ]
    return run_cases(
        answer,
        "valid_output_size",
        cases,
        _judge_size,
        "right on all {count} cases: a 33x33 sub-image gives 21x21 through 9-1-5 "
        "and 17x17 through 9-5-5, which is why the paper compares the output with the label's centre.",
    )


register(Exercise("01.3", "SRCNN's output size without padding", _check_size, valid_output_size))


# --- 01.1 bicubic_input ---------------------------------------------------------------------------


def _checker_lr_images() -> list[tuple[str, np.ndarray, int]]:
    return [(name, make_lr(hr, scale), scale) for name, hr in checker_images() for scale in INPUT_SCALES]


def _rgb_first_input(lr: np.ndarray, scale: int) -> np.ndarray:
    """The training pipeline's order, also correct: MATLAB-upscale the uint8 RGB image, then take Y."""
    return (rgb2y(imresize(lr, scale)) / 255.0)[..., None]


def _input_mistakes(lr: np.ndarray, scale: int) -> list[Mistake]:
    y = rgb2y(lr)
    up = imresize(y, scale)
    nearest = np.repeat(np.repeat(y, scale, axis=0), scale, axis=1)
    luma = lr.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return [
        Mistake("0..255", up[..., None], "right picture, wrong range: the network works on 0..1, so divide Y by 255."),
        Mistake(
            "nearest",
            (nearest / 255.0)[..., None],
            "that is pixel repetition (nearest neighbour). SRCNN's pre-upsampling is MATLAB bicubic: "
            "srlib.imresize(y, scale).",
        ),
        Mistake(
            "full-range luma",
            (imresize(luma, scale) / 255.0)[..., None],
            "that is the 0..255 luma of JPEG/PIL (0.299 R + 0.587 G + 0.114 B). SRCNN (and the evaluation) use "
            "MATLAB's rgb2ycbcr, whose Y spans 16..235: srlib.image.rgb2y.",
        ),
    ]


def _judge_input(got: Any, lr: np.ndarray, scale: int, *, call: str) -> Feedback | None:
    got = np.asarray(got)
    expected = bicubic_input(lr, scale)
    problem = wrong_shape(got, expected, call, lambda shape: _input_shape_hint(shape, lr, scale))
    if problem:
        return problem
    if not np.issubdtype(got.dtype, np.floating):
        return Feedback(
            False,
            f"{call} returned {got.dtype} values; expected float32 on 0..1.",
            "the network takes floats: compute Y as float (rgb2y returns float64), upscale, divide "
            "by 255 and convert with .astype(np.float32).",
        )
    values = got.astype(np.float64)
    difference = min(float(np.max(np.abs(values - answer_ok))) for answer_ok in (expected, _rgb_first_input(lr, scale)))
    if difference <= INPUT_TOLERANCE:
        return None
    mistake = closest_mistake(got, _input_mistakes(lr, scale), tolerance=NEAR_TOLERANCE)
    if mistake:
        hint = mistake.hint
    elif difference <= NEAR_TOLERANCE:
        hint = (
            "very close: the steps are right, but the resizer is not MATLAB's bicubic. Use "
            "srlib.imresize (not Pillow, OpenCV or tf.image.resize), as the training data does."
        )
    else:
        hint = "the steps: y = rgb2y(lr); y_up = imresize(y, scale); return (y_up / 255)[..., None] as float32."
    return Feedback(
        False,
        f"{call}: values differ from SRCNN's input by up to {difference:.3f} "
        f"(range of yours {got.min():.3g}..{got.max():.3g}).",
        hint,
    )


def _check_input(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "bicubic_input",
        (
            (describe_call("bicubic_input", lr=lr, scale=scale), (lr, scale))
            for _name, lr, scale in _checker_lr_images()
        ),
        _judge_input,
        "your input equals SRCNN's pre-upsampled Y on all {count} test cases "
        f"(2 images, scales {', '.join(map(str, INPUT_SCALES))}).",
    )


def _input_shape_hint(shape: tuple, lr: np.ndarray, scale: int) -> str:
    h, w = lr.shape[:2]
    if len(shape) == 3 and shape[-1] == 3:
        return "keep only the luma: SRCNN works on the Y channel (srlib.image.rgb2y), one channel, shape (sH, sW, 1)."
    if len(shape) == 2 and shape == (h * scale, w * scale):
        return "add the channel axis Keras expects: y[..., None] gives shape (sH, sW, 1)."
    if len(shape) >= 2 and shape[:2] == (h, w):
        return f"this is still the LR size {h}x{w}: pre-upsampling enlarges it by `scale` with imresize(y, scale)."
    return f"for a {h}x{w} LR image at x{scale} the input is ({h * scale}, {w * scale}, 1)."


register(Exercise("01.1", "SRCNN's pre-upsampled input", _check_input, bicubic_input))
