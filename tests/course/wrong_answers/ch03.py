"""Chapter 03's typical mistakes: pixel unshuffle (03.1), sub-pixel channels (03.2), ESPCN's receptive field (03.3)."""

from __future__ import annotations


def _reshape_only(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, w // r, r * r * c)


def _offsets_swapped(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, r, w // r, r, c).transpose(0, 2, 3, 1, 4).reshape(h // r, w // r, -1)


def _channel_first(image, r):
    h, w, c = image.shape
    return image.reshape(h // r, r, w // r, r, c).transpose(0, 2, 4, 1, 3).reshape(h // r, w // r, -1)


def _times_scale(channels, scale):
    return channels * scale


def _no_channels(channels, scale):
    return scale * scale


def _sum_of_kernels(kernels):
    return sum(kernels)


def _off_by_one(kernels):
    return sum(k - 1 for k in kernels)


MISTAKES = [
    ("03.1", _reshape_only, "reshape alone"),
    ("03.1", _offsets_swapped, "column offset j came before"),
    ("03.1", _channel_first, "slowest index"),
    ("03.2", _times_scale, "scale**2 values per channel"),
    ("03.2", _no_channels, "for one channel"),
    ("03.3", _sum_of_kernels, "not by k"),
    ("03.3", _off_by_one, "off by one"),
]
