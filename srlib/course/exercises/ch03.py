"""Chapter 03's exercises: undo the pixel shuffle, the channels before it, and ESPCN's receptive field.

03.1 runs the learner's ``pixel_unshuffle`` on random arrays and compares it with
``tf.nn.space_to_depth`` (the inverse of ESPCN's periodic shuffle, sec. 2.2); the
typical mistakes are the sub-pixel offsets in the other order and the channel
axis first. 03.2 and 03.3 are formulas checked over several configurations, with the
usual wrong answers named: ``scale`` instead of ``scale**2``, the receptive field in
HR pixels or as the sum of the kernel sizes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    check_numbers,
    describe_call,
    mistake_hint,
    register,
    run_cases,
)

__all__ = ["pixel_unshuffle", "subpixel_channels", "espcn_receptive_field"]


# --- reference solutions (solution(id) shows their source) -----------------------------------


def pixel_unshuffle(image, r):
    """(r*H, r*W, C) -> (H, W, r*r*C): the inverse of ESPCN's periodic shuffle (depth_to_space order)."""
    height, width, channels = image.shape
    blocks = image.reshape(height // r, r, width // r, r, channels)  # (h, i, w, j, c): pixel (r*h + i, r*w + j)
    return blocks.transpose(0, 2, 1, 3, 4).reshape(height // r, width // r, r * r * channels)  # channel (i*r + j)*C + c


def subpixel_channels(channels, scale):
    """Output channels of the last convolution before PixelShuffle(scale) for a `channels`-channel image."""
    return (
        channels * scale * scale
    )  # one LR position holds a scale x scale block of HR pixels, each with `channels` values


def espcn_receptive_field(kernels):
    """Side, in LR pixels, of the LR window one ESPCN output pixel depends on (stride-1 'same' convolutions)."""
    return 1 + sum(k - 1 for k in kernels)  # each k x k convolution widens the window by k - 1; the shuffle adds none


# --- 03.1 pixel unshuffle ---------------------------------------------------------------------


def _unshuffle_mistakes(image: np.ndarray, r: int) -> list[Mistake]:
    height, width, channels = image.shape
    blocks = image.reshape(height // r, r, width // r, r, channels)
    return [
        Mistake(
            "offsets swapped",
            blocks.transpose(0, 2, 3, 1, 4).reshape(height // r, width // r, -1),
            "the values are right but in another channel order: the column offset j came before the row offset i. "
            "depth_to_space's channel index is (i*r + j)*C + c, so transpose to (h, w, i, j, c).",
        ),
        Mistake(
            "channel first",
            blocks.transpose(0, 2, 4, 1, 3).reshape(height // r, width // r, -1),
            "the values are right but the colour channel c is the slowest index; in depth_to_space it is the "
            "fastest: (i*r + j)*C + c — transpose to (h, w, i, j, c).",
        ),
        Mistake(
            "reshape only",
            image.reshape(height // r, width // r, -1),
            "a reshape alone mixes whole rows: split each axis into (blocks, offsets) with one reshape to "
            "(H/r, r, W/r, r, C), then transpose the offsets next to the channels, then reshape.",
        ),
    ]


def _unshuffle_cases() -> Iterator[tuple[str, tuple]]:
    rng = np.random.default_rng(3)
    for shape, r in (((6, 4, 1), 2), ((6, 9, 3), 3), ((8, 8, 2), 4)):
        image = rng.random(shape).astype(np.float32)
        yield describe_call("pixel_unshuffle", image=image, r=r), (image, r)


def _judge_unshuffle(got: Any, image: np.ndarray, r: int, *, call: str) -> Feedback | None:
    got = np.asarray(got)
    expected = tf.nn.space_to_depth(image[None], r).numpy()[0]
    if got.shape != expected.shape:
        return Feedback(
            False,
            f"{call} gave shape {got.shape}; expected {expected.shape}.",
            "r*H x r*W x C becomes H x W x (r*r*C): the image gets r times smaller on each side.",
        )
    if np.allclose(got, expected):
        return None
    return Feedback(
        False,
        f"{call} gave the right shape but other values than tf.nn.space_to_depth.",
        mistake_hint(
            got,
            _unshuffle_mistakes(image, r),
            1e-6,
            "LR position (h, w), channel (i*r + j)*C + c must hold HR pixel (r*h + i, r*w + j), channel c.",
        ),
    )


def _check_unshuffle(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "pixel_unshuffle",
        _unshuffle_cases(),
        _judge_unshuffle,
        "your unshuffle equals tf.nn.space_to_depth on all {count} cases (1, 3 and 2 channels, r = 2, 3, 4), "
        "so PixelShuffle(r) undoes it exactly.",
    )


register(Exercise("03.1", "undo the pixel shuffle", _check_unshuffle, pixel_unshuffle))


# --- 03.2 channels before the shuffle --------------------------------------------------------


def _channel_mistakes(channels, scale) -> list[Mistake]:
    return [
        Mistake(
            "scale",
            channels * scale,
            "the shuffle fills a scale x scale block of HR pixels from one LR position: scale**2 values per channel.",
        ),
        Mistake(
            "no channels",
            scale * scale,
            "that is right for one channel (Y); an RGB image needs scale**2 values for each of its channels.",
        ),
        Mistake("HR side", channels * scale * 2, "a block is scale by scale pixels, scale**2 of them, not 2·scale."),
    ]


def _check_channels(answer: Any) -> Feedback:
    cases = [dict(channels=c, scale=s) for c, s in ((1, 3), (3, 4), (3, 2), (1, 2), (64, 2))]
    return check_numbers(
        answer,
        "subpixel_channels",
        cases,
        subpixel_channels,
        _channel_mistakes,
        0,
        "PixelShuffle(r) turns (H, W, C·r²) into (rH, rW, C): count the HR values one LR position must produce.",
        "right on all {count} cases: ESPCN on Y at x3 needs 9 channels, SRResNet's x2 stage 64·4 = 256.",
    )


register(Exercise("03.2", "the channels before the shuffle", _check_channels, subpixel_channels))


# --- 03.3 ESPCN's receptive field --------------------------------------------------------------


def _field_mistakes(kernels) -> list[Mistake]:
    right = espcn_receptive_field(kernels)
    return [
        Mistake(
            "sum of kernels",
            sum(kernels),
            "stacking a k x k convolution on another widens the window by k - 1, not by k: 5, 3, 3 gives 5 + 2 + 2 = 9.",
        ),
        Mistake(
            "last kernel only", kernels[-1], "every convolution in the stack widens the window, not only the last one."
        ),
        Mistake(
            "product", int(np.prod(kernels)), "windows of stacked convolutions add (k - 1 each), they do not multiply."
        ),
        Mistake(
            "minus one", right - 1, "off by one: a single k x k convolution already sees k pixels, so start from 1."
        ),
    ]


def _check_field(answer: Any) -> Feedback:
    cases = [dict(kernels=k) for k in ((5, 3, 3), (9, 5, 5), (3, 3), (5, 3, 3, 3), (7,))]
    feedback = check_numbers(
        answer,
        "espcn_receptive_field",
        cases,
        espcn_receptive_field,
        _field_mistakes,
        0,
        "draw it in 1D: an output pixel of the last k x k convolution sees k positions of the layer before, each "
        "of those k more, so the window grows by k - 1 per layer; everything runs on the LR grid.",
        "right on all {count} cases: the paper's ESPCN (5, 3, 3) sees a 9x9 LR window.",
    )
    return feedback


register(Exercise("03.3", "ESPCN's receptive field", _check_field, espcn_receptive_field))
