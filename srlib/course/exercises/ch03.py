"""Chapter 03's exercises: undo the pixel shuffle, then ESPCN, the residual block and SRResNet in plain Keras.

03.1 compares the learner's ``pixel_unshuffle`` with ``tf.nn.space_to_depth`` (the inverse of ESPCN's periodic
shuffle, sec. 2.2) and names the usual slips: offsets in the other order, the channel axis first, a bare reshape.
03.2-03.4 are networks (ESPCN, Shi et al. 2016, sec. 3.2; SRResNet's block and generator, Ledig et al. 2017,
fig. 4): srlib's twin gets seeded random weights, copied into the learner's model (:mod:`srlib.course.twins`),
and the outputs are compared. When they differ, the typical wrong networks are built with the same weights
(:func:`~srlib.course.twins.closest_variant`) and the hint names the one the learner's matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    checker_images,
    describe_call,
    mistake_hint,
    register,
    run_cases,
)
from srlib.course.twins import closest_variant, compare_networks, seeded_weights
from srlib.models.espcn import ESPCN
from srlib.models.pixel_shuffle import PixelShuffle
from srlib.models.srresnet import SRResNet, srresnet_graph
from srlib.models.srresnet import residual_block as srlib_residual_block

__all__ = ["pixel_unshuffle", "build_espcn", "residual_block", "build_srresnet"]

ESPCN_CASES = ((3, 1, "tanh"), (2, 3, "tanh"), (4, 1, "relu"))  # (scale, channels, activation)
BLOCK_CASES = ((16, True, True), (8, False, True), (8, False, False))  # (filters, batch_norm, skip)
SRRESNET_CASES = ((4, 2, 16, True, True), (2, 1, 8, False, True), (4, 2, 8, False, False))  # + num_blocks, filters
TOLERANCE = 1e-4  # outputs are O(1) with the checkers' weights; float32 agrees far closer


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.


def pixel_unshuffle(image, r):
    """(r*H, r*W, C) -> (H, W, r*r*C): the inverse of ESPCN's periodic shuffle (depth_to_space order)."""
    height, width, channels = image.shape
    blocks = image.reshape(height // r, r, width // r, r, channels)  # (h, i, w, j, c): pixel (r*h + i, r*w + j)
    return blocks.transpose(0, 2, 1, 3, 4).reshape(height // r, width // r, r * r * channels)  # channel (i*r + j)*C + c


def build_espcn(scale, channels=1, activation="tanh"):
    """ESPCN (Shi et al., CVPR 2016, sec. 3.2) in plain Keras: two convolutions and the sub-pixel head, all on LR."""
    import keras

    from srlib.models import PixelShuffle

    lr = keras.Input((None, None, channels), name="lr")
    x = keras.layers.Conv2D(64, 5, padding="same", activation=activation, name="conv_1")(lr)
    x = keras.layers.Conv2D(32, 3, padding="same", activation=activation, name="conv_2")(x)
    # The sub-pixel head: scale x scale HR values per LR position and channel, linear, then the periodic shuffle.
    x = keras.layers.Conv2D(channels * scale * scale, 3, padding="same", name="subpixel_conv")(x)
    return keras.Model(lr, PixelShuffle(scale, name="pixel_shuffle")(x), name=f"espcn_x{scale}")


def residual_block(x, filters, batch_norm=True, skip=True):
    """SRResNet's residual block (Ledig et al. 2017, fig. 4): conv, BN, PReLU, conv, BN, plus the identity skip."""
    import keras

    def normalised(y):  # BN's beta does the bias's job, so the convolutions before BN have none
        return keras.layers.BatchNormalization()(y) if batch_norm else y

    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(x)
    y = keras.layers.PReLU(keras.initializers.Constant(0.25), shared_axes=[1, 2])(normalised(y))
    y = normalised(keras.layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(y))
    return keras.layers.Add()([x, y]) if skip else y  # the block learns only what it adds to x


def build_srresnet(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    """SRResNet (Ledig et al. 2017, fig. 4) on RGB, from exercise 03.3's residual_block, for scale 2, 4 or 8."""
    import math

    import keras

    from srlib.course import exercises
    from srlib.models import PixelShuffle

    residual_block = exercises.get("03.3").reference  # exercise 03.3's answer (in the chapter: yours)

    def prelu():  # one slope per channel, shared over the image
        return keras.layers.PReLU(keras.initializers.Constant(0.25), shared_axes=[1, 2])

    lr = keras.Input((None, None, 3), name="lr")
    features = prelu()(keras.layers.Conv2D(filters, 9, padding="same")(lr))
    x = features
    for _ in range(num_blocks):
        x = residual_block(x, filters, batch_norm=batch_norm, skip=skip)
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(x)
    x = keras.layers.BatchNormalization()(x) if batch_norm else x
    x = keras.layers.Add()([features, x])  # the global skip, over all the blocks
    for _ in range(int(math.log2(scale))):  # one x2 sub-pixel stage per factor 2
        x = keras.layers.Conv2D(filters * 2 * 2, 3, padding="same")(x)
        x = prelu()(PixelShuffle(2)(x))
    return keras.Model(lr, keras.layers.Conv2D(3, 9, padding="same")(x), name=f"srresnet_x{scale}")


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


# --- the network checkers' common part ----------------------------------------------------------


def _judge_network(got: Any, reference: keras.Model, inputs: np.ndarray, variants: dict, call: str):
    if not isinstance(got, keras.Model):
        return Feedback(
            False, f"{call} returned a {type(got).__name__}, not a Keras model.", "return keras.Model(lr, sr)."
        )
    feedback = compare_networks(got, seeded_weights(reference), inputs, tolerance=TOLERANCE)
    if feedback.correct:
        return None
    return Feedback(
        False,
        f"{call}: {feedback.message}",
        closest_variant(got, reference, inputs, variants, TOLERANCE) or feedback.hint,
    )


def _crashed_network(exc: Exception, *args, call: str, **kwargs) -> Feedback | None:
    if "must be a multiple of" in str(exc) or "depth_to_space" in str(exc).lower():
        return Feedback(
            False,
            f"{call} raised {type(exc).__name__}: the shuffle got a number of channels it cannot spread over "
            "scale x scale blocks.",
            "one LR position becomes a scale x scale block of HR pixels, each with `channels` values: the sub-pixel "
            "convolution needs channels * scale**2 filters.",
        )
    if "alpha" in str(exc) and "None" in str(exc):
        return Feedback(
            False,
            f"{call} raised {type(exc).__name__}: a PReLU cannot make one slope per pixel of an image of unknown size.",
            "give every PReLU shared_axes=[1, 2]: one slope per channel, shared over height and width.",
        )
    return None


@lru_cache(maxsize=2)
def _lr_crop(channels: int) -> np.ndarray:
    """A batch of one LR crop (0..1) of a photo, 1 (Y-like) or 3 channels, 19x23 pixels (no side a multiple of 2-4)."""
    crop = checker_images()[0][1][::4, ::4][:19, :23].astype(np.float32) / 255
    return (crop if channels == 3 else crop.mean(axis=-1, keepdims=True))[None]


# --- 03.2 ESPCN and its sub-pixel head ---------------------------------------------------------


def _espcn_variant(scale, channels, activation, *, head=None, last=None, padding="same", shuffle=True, act=None):
    """ESPCN with the knobs of its typical mistakes (``head``: the sub-pixel conv's filters, ``last``: its activation)."""
    act = activation if act is None else act
    lr = keras.Input((None, None, channels))
    x = keras.layers.Conv2D(64, 5, padding=padding, activation=act)(lr)
    x = keras.layers.Conv2D(32, 3, padding=padding, activation=act)(x)
    x = keras.layers.Conv2D(head or channels * scale * scale, 3, padding=padding, activation=last)(x)
    return keras.Model(lr, PixelShuffle(scale)(x) if shuffle else x)


def _espcn_variants(scale, channels, activation) -> dict[str, Callable[[], keras.Model]]:
    other = "relu" if activation == "tanh" else "tanh"
    make = lambda **knobs: lambda: _espcn_variant(scale, channels, activation, **knobs)  # noqa: E731
    return {
        "that is right for one channel (Y); an RGB image needs scale**2 values for each of its channels: "
        "channels * scale**2 filters.": make(head=scale * scale),
        "the sub-pixel convolution is linear: its outputs are pixel values, shuffled into place (no activation on "
        "the last Conv2D).": make(last=activation),
        f"use the activation argument for the two hidden layers: this call asks for {activation!r}, yours uses "
        f"{other!r}.": make(act=other),
        "the PixelShuffle comes last: without it the output stays on the LR grid with channels * scale**2 maps.": make(
            shuffle=False
        ),
        'every convolution keeps the LR size: padding="same".': make(padding="valid"),
    }


def _judge_espcn(got: Any, scale: int, channels: int, activation: str, *, call: str) -> Feedback | None:
    reference = ESPCN(scale, channels=channels, activation=activation)
    return _judge_network(got, reference, _lr_crop(channels), _espcn_variants(scale, channels, activation), call)


def _check_espcn(answer: Any) -> Feedback:
    cases = [
        (describe_call("build_espcn", scale=s, channels=c, activation=a), dict(scale=s, channels=c, activation=a))
        for s, c, a in ESPCN_CASES
    ]
    return run_cases(
        answer,
        "build_espcn",
        cases,
        _judge_espcn,
        "with srlib's weights your network gives srlib's ESPCN output in all {count} cases (Y x3 with tanh, RGB x2, "
        "Y x4 with ReLU): the same network, sub-pixel head included.",
        crashed=_crashed_network,
    )


register(Exercise("03.2", "ESPCN and its sub-pixel head in plain Keras", _check_espcn, build_espcn))


# --- 03.3 the residual block -------------------------------------------------------------------


def _block_variant(filters, batch_norm, skip, *, order="conv-bn-prelu", bias=None, relu=False, end_prelu=False):
    """The residual block with the knobs of its typical mistakes, as a model from ``filters`` channels."""
    x = keras.Input((None, None, filters))
    bias = (not batch_norm) if bias is None else bias
    norm = (lambda y: keras.layers.BatchNormalization()(y)) if batch_norm else (lambda y: y)  # noqa: E731
    act = keras.layers.ReLU() if relu else keras.layers.PReLU(shared_axes=[1, 2])
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=bias)(x)
    y = act(norm(y)) if order == "conv-bn-prelu" else norm(act(y))
    y = norm(keras.layers.Conv2D(filters, 3, padding="same", use_bias=bias)(y))
    y = keras.layers.Add()([x, y]) if skip else y
    return keras.Model(x, keras.layers.PReLU(shared_axes=[1, 2])(y) if end_prelu else y)


def _block_variants(filters, batch_norm, skip) -> dict[str, Callable[[], keras.Model]]:
    make = lambda *args, **knobs: lambda: _block_variant(*args, **knobs)  # noqa: E731
    return {
        "SRResNet's blocks use PReLU (a learned slope per channel), not ReLU: "
        "keras.layers.PReLU(shared_axes=[1, 2]).": make(filters, batch_norm, skip, relu=True),
        "batch norm comes right after each convolution, before the PReLU (fig. 4: conv, BN, PReLU, conv, BN).": make(
            filters, batch_norm, skip, order="conv-prelu-bn"
        ),
        "with batch norm, BN's beta already shifts every channel: the convolutions before it take use_bias=False "
        "(srlib's and the paper's blocks have no bias there).": make(filters, batch_norm, skip, bias=True),
        "no activation after the addition: the block returns x + F(x) as it is (fig. 4).": make(
            filters, batch_norm, skip, end_prelu=True
        ),
        "use the skip argument: skip=True adds the block's input to its output, skip=False returns the branch "
        "alone (the ablation).": make(filters, batch_norm, not skip),
        "use the batch_norm argument: batch_norm=False has no BatchNormalization layers (and biases in the "
        "convolutions instead).": make(filters, not batch_norm, skip),
    }


def _block_cases() -> Iterator[tuple[str, dict]]:
    for filters, batch_norm, skip in BLOCK_CASES:  # a fresh symbolic input per case, as a model would give
        call = f"residual_block(x, filters={filters}, batch_norm={batch_norm}, skip={skip})"
        yield call, dict(x=keras.Input((None, None, filters)), filters=filters, batch_norm=batch_norm, skip=skip)


def _judge_block(got: Any, *, x, filters: int, batch_norm: bool, skip: bool, call: str) -> Feedback | None:
    if not isinstance(got, keras.KerasTensor):
        return Feedback(
            False,
            f"{call} returned a {type(got).__name__}.",
            "return the block's output tensor (the last layer called on x: keras.layers.Add()([x, y])), not a "
            "model or a layer.",
        )
    inputs = keras.Input((None, None, filters))
    reference = keras.Model(inputs, srlib_residual_block(inputs, filters, batch_norm=batch_norm, skip=skip))
    features = np.random.default_rng(filters).normal(0.0, 1.0, (1, 11, 13, filters)).astype(np.float32)
    variants = _block_variants(filters, batch_norm, skip)
    return _judge_network(keras.Model(x, got), reference, features, variants, call)


def _check_block(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "residual_block",
        _block_cases(),
        _judge_block,
        "with srlib's weights your block gives srlib's residual_block output in all {count} cases (with batch norm, "
        "without, and without the skip).",
        crashed=_crashed_network,
    )


register(Exercise("03.3", "SRResNet's residual block", _check_block, residual_block))


# --- 03.4 SRResNet ------------------------------------------------------------------------------


def _srresnet_variant(scale, blocks, filters, bn, skip, *, global_skip=True, stages=None, shuffle_prelu=True,
                      tail=9, head=9):  # fmt: skip
    """SRResNet with the knobs of its typical mistakes, from srlib's residual block."""
    lr = keras.Input((None, None, 3))
    features = keras.layers.PReLU(shared_axes=[1, 2])(keras.layers.Conv2D(filters, head, padding="same")(lr))
    x = features
    for b in range(blocks):
        x = srlib_residual_block(x, filters, batch_norm=bn, skip=skip, name=f"block_{b}")
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not bn)(x)
    x = keras.layers.BatchNormalization()(x) if bn else x
    x = keras.layers.Add()([features, x]) if global_skip else x
    for factor in stages or [2] * int(np.log2(scale)):
        x = PixelShuffle(factor)(keras.layers.Conv2D(filters * factor * factor, 3, padding="same")(x))
        x = keras.layers.PReLU(shared_axes=[1, 2])(x) if shuffle_prelu else x
    return keras.Model(lr, keras.layers.Conv2D(3, tail, padding="same")(x))


def _srresnet_variants(scale, blocks, filters, bn, skip) -> dict[str, Callable[[], keras.Model]]:
    case = dict(scale=scale, blocks=blocks, filters=filters, bn=bn, skip=skip)
    make = lambda **knobs: lambda: _srresnet_variant(**{**case, **knobs})  # noqa: E731
    return {
        "the global skip is missing: add the head's PReLU output to the body's output (after the body's conv and "
        "BN), before the upsampling.": make(global_skip=False),
        f"SRResNet upsamples in x2 steps: log2(scale) sub-pixel stages of filters * 4 channels and PixelShuffle(2), "
        f"not one x{scale} stage.": make(stages=[scale]),
        "each sub-pixel stage ends with a PReLU after its PixelShuffle (fig. 4).": make(shuffle_prelu=False),
        "the last convolution is 9x9 (k9n3 in fig. 4).": make(tail=3),
        "the first convolution is 9x9 (k9n64 in fig. 4).": make(head=3),
        "pass skip on to every residual block: skip=False drops the blocks' skips (the global one stays).": make(
            skip=not skip
        ),
    }


def _srresnet_reference(scale, blocks, filters, bn, skip) -> keras.Model:
    if skip:
        return SRResNet(scale, num_blocks=blocks, filters=filters, batch_norm=bn)
    lr = keras.Input((None, None, 3), name="lr")  # without the blocks' skips: srlib's graph, as a plain model
    return keras.Model(lr, srresnet_graph(lr, scale, blocks, filters, bn, 1.0, skips=False))


def _judge_srresnet(got: Any, scale: int, num_blocks: int, filters: int, batch_norm: bool, skip: bool, *, call: str):
    case = (scale, num_blocks, filters, batch_norm, skip)
    reference = _srresnet_reference(*case)
    return _judge_network(got, reference, _lr_crop(3)[:, :9, :11], _srresnet_variants(*case), call)


def _check_srresnet(answer: Any) -> Feedback:
    keys = ("scale", "num_blocks", "filters", "batch_norm", "skip")
    cases = [(describe_call("build_srresnet", **dict(zip(keys, c))), dict(zip(keys, c))) for c in SRRESNET_CASES]
    return run_cases(
        answer,
        "build_srresnet",
        cases,
        _judge_srresnet,
        "with srlib's weights your network gives srlib's SRResNet output in all {count} cases (x4 with batch norm, "
        "x2 without, and x4 without the blocks' skips): the same generator, block for block.",
        crashed=_crashed_network,
    )


register(Exercise("03.4", "SRResNet in plain Keras", _check_srresnet, build_srresnet))
