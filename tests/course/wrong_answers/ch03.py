"""Chapter 03's typical mistakes: pixel unshuffle (03.1), ESPCN in Keras (03.2), the residual block (03.3),
SRResNet in Keras (03.4) — each written as a learner would write it."""

from __future__ import annotations

import math

import keras

from srlib.course.exercises.ch03 import residual_block
from srlib.models import PixelShuffle

# --- 03.1 ---------------------------------------------------------------------------------------


def _reshape_only(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, w // r, r * r * c)


def _offsets_swapped(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, r, w // r, r, c).transpose(0, 2, 3, 1, 4).reshape(h // r, w // r, -1)


def _channel_first(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, r, w // r, r, c).transpose(0, 2, 4, 1, 3).reshape(h // r, w // r, -1)


# --- 03.2 ---------------------------------------------------------------------------------------


def _espcn(scale, channels=1, activation="tanh", *, head=None, last=None, act=None, padding="same", shuffle=True,
           use_ops=False):  # fmt: skip
    act = activation if act is None else act
    lr = keras.Input((None, None, channels))
    x = keras.layers.Conv2D(64, 5, padding=padding, activation=act)(lr)
    x = keras.layers.Conv2D(32, 3, padding=padding, activation=act)(x)
    x = keras.layers.Conv2D(channels * scale * scale if head is None else head(channels, scale), 3, padding=padding,
                            activation=last)(x)  # fmt: skip
    if shuffle:
        x = keras.ops.depth_to_space(x, scale) if use_ops else PixelShuffle(scale)(x)
    return keras.Model(lr, x)


def _placeholder_espcn(scale, channels=1, activation="tanh"):
    lr = keras.Input((None, None, channels))
    x = keras.layers.Conv2D(64, 5, padding="same", activation=activation)(lr)
    x = keras.layers.Conv2D(channels * scale, 3, padding="same")(x)  # the chapter's placeholder
    return keras.Model(lr, PixelShuffle(scale)(x))


def _times_scale(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, head=lambda c, s: c * s)


def _forgets_channels(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, head=lambda c, s: s * s)


def _tanh_on_the_head(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, last=activation)


def _always_tanh(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, act="tanh")


def _no_shuffle(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, shuffle=False)


def _valid_padding(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, padding="valid")


def _depth_to_space_op(scale, channels=1, activation="tanh"):
    return _espcn(scale, channels, activation, use_ops=True)


# --- 03.3 ---------------------------------------------------------------------------------------


def _block(x, filters, batch_norm=True, skip=True, *, relu=False, order="bn-first", bias=None, end_prelu=False,
           use_skip=None, use_bn=None):  # fmt: skip
    batch_norm = batch_norm if use_bn is None else use_bn
    bias = (not batch_norm) if bias is None else bias
    norm = (lambda y: keras.layers.BatchNormalization()(y)) if batch_norm else (lambda y: y)  # noqa: E731
    act = keras.layers.ReLU() if relu else keras.layers.PReLU(shared_axes=[1, 2])
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=bias)(x)
    y = act(norm(y)) if order == "bn-first" else norm(act(y))
    y = norm(keras.layers.Conv2D(filters, 3, padding="same", use_bias=bias)(y))
    y = keras.layers.Add()([x, y]) if (skip if use_skip is None else use_skip) else y
    return keras.layers.PReLU(shared_axes=[1, 2])(y) if end_prelu else y


def _placeholder_block(x, filters, batch_norm=True, skip=True):
    return keras.layers.Conv2D(filters, 3, padding="same")(x)  # the chapter's placeholder: one convolution


def _relu_block(x, filters, batch_norm=True, skip=True):
    return _block(x, filters, batch_norm, skip, relu=True)


def _prelu_before_bn(x, filters, batch_norm=True, skip=True):
    return _block(x, filters, batch_norm, skip, order="prelu-first")


def _biases_with_bn(x, filters, batch_norm=True, skip=True):
    return _block(x, filters, batch_norm, skip, bias=True)


def _prelu_after_add(x, filters, batch_norm=True, skip=True):
    return _block(x, filters, batch_norm, skip, end_prelu=True)


def _always_skips(x, filters, batch_norm=True, skip=True):
    return _block(x, filters, batch_norm, skip, use_skip=True)


def _ignores_batch_norm(x, filters, batch_norm=True, skip=True):
    return _block(x, filters, batch_norm, skip, use_bn=True)


def _prelu_per_pixel(x, filters, batch_norm=True, skip=True):
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(x)
    y = keras.layers.PReLU()(keras.layers.BatchNormalization()(y) if batch_norm else y)
    return y


def _returns_a_model(x, filters, batch_norm=True, skip=True):
    return keras.Model(x, _block(x, filters, batch_norm, skip))


# --- 03.4 ---------------------------------------------------------------------------------------


def _srresnet(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True, *, global_skip=True, one_stage=False,
              stage_prelu=True, tail=9, pass_skip=True):  # fmt: skip
    prelu = lambda: keras.layers.PReLU(shared_axes=[1, 2])  # noqa: E731
    lr = keras.Input((None, None, 3))
    features = prelu()(keras.layers.Conv2D(filters, 9, padding="same")(lr))
    x = features
    for _ in range(num_blocks):
        x = residual_block(x, filters, batch_norm=batch_norm, skip=skip if pass_skip else True)
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(x)
    x = keras.layers.BatchNormalization()(x) if batch_norm else x
    x = keras.layers.Add()([features, x]) if global_skip else x
    for factor in [scale] if one_stage else [2] * int(math.log2(scale)):
        x = PixelShuffle(factor)(keras.layers.Conv2D(filters * factor * factor, 3, padding="same")(x))
        x = prelu()(x) if stage_prelu else x
    return keras.Model(lr, keras.layers.Conv2D(3, tail, padding="same")(x))


def _placeholder_srresnet(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    lr = keras.Input((None, None, 3))  # the chapter's placeholder: bicubic-free ESPCN-like head only
    x = keras.layers.Conv2D(3 * scale * scale, 3, padding="same")(lr)
    return keras.Model(lr, PixelShuffle(scale)(x))


def _no_global_skip(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    return _srresnet(scale, num_blocks, filters, batch_norm, skip, global_skip=False)


def _one_x4_stage(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    return _srresnet(scale, num_blocks, filters, batch_norm, skip, one_stage=True)


def _no_prelu_after_shuffle(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    return _srresnet(scale, num_blocks, filters, batch_norm, skip, stage_prelu=False)


def _small_tail(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    return _srresnet(scale, num_blocks, filters, batch_norm, skip, tail=3)


def _skip_not_passed(scale=4, num_blocks=16, filters=64, batch_norm=True, skip=True):
    return _srresnet(scale, num_blocks, filters, batch_norm, skip, pass_skip=False)


MISTAKES = [
    ("03.1", _reshape_only, "reshape alone"),
    ("03.1", _offsets_swapped, "column offset j came before"),
    ("03.1", _channel_first, "slowest index"),
    ("03.2", _placeholder_espcn, "channels * scale**2 filters"),
    ("03.2", _times_scale, "channels * scale**2 filters"),
    ("03.2", _forgets_channels, "for each of its channels"),
    ("03.2", _tanh_on_the_head, "sub-pixel convolution is linear"),
    ("03.2", _always_tanh, "use the activation argument"),
    ("03.2", _no_shuffle, "PixelShuffle comes last"),
    ("03.2", _valid_padding, 'padding="same"'),
    ("03.3", _placeholder_block, "count the layers"),
    ("03.3", _relu_block, "not ReLU"),
    ("03.3", _prelu_before_bn, "before the PReLU"),
    ("03.3", _biases_with_bn, "use_bias=False"),
    ("03.3", _prelu_after_add, "no activation after the addition"),
    ("03.3", _always_skips, "use the skip argument"),
    ("03.3", _ignores_batch_norm, "use the batch_norm argument"),
    ("03.3", _prelu_per_pixel, "shared_axes=[1, 2]"),
    ("03.3", _returns_a_model, "output tensor"),
    ("03.4", _placeholder_srresnet, "count the layers"),
    ("03.4", _no_global_skip, "global skip is missing"),
    ("03.4", _one_x4_stage, "x2 steps"),
    ("03.4", _no_prelu_after_shuffle, "PReLU after its PixelShuffle"),
    ("03.4", _small_tail, "last convolution is 9x9"),
    ("03.4", _skip_not_passed, "pass skip on"),
]

ALSO_CORRECT = [
    ("03.2", _depth_to_space_op),
]
