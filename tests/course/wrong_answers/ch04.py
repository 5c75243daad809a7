"""Chapter 04's typical mistakes: the MSE of a guess (04.1), VGG feature shapes (04.2), the GAN losses (04.3, 04.4)."""

from __future__ import annotations

import numpy as np


def _mean_is_a2(amplitude, guess):
    return amplitude**2


def _sample_like_mean(amplitude, guess):
    return amplitude**2 / 2


def _sample_twice(amplitude, guess):
    return amplitude**2 / 2 if guess == "mean" else 2 * amplitude**2


def _vgg_shape(height, width, layer, pools, channels):
    """The shape a learner gets with ``pools`` poolings before each layer and ``channels`` channels."""
    return height // 2 ** pools[layer], width // 2 ** pools[layer], channels[layer]


def _five_poolings(height, width, layer):
    return _vgg_shape(height, width, layer, {"vgg22": 1, "vgg54": 5}, {"vgg22": 128, "vgg54": 512})


def _vgg22_two_poolings(height, width, layer):
    return _vgg_shape(height, width, layer, {"vgg22": 2, "vgg54": 4}, {"vgg22": 128, "vgg54": 512})


def _vgg22_64_channels(height, width, layer):
    return _vgg_shape(height, width, layer, {"vgg22": 1, "vgg54": 4}, {"vgg22": 64, "vgg54": 512})


def _width_first(height, width, layer):
    return _vgg_shape(width, height, layer, {"vgg22": 1, "vgg54": 4}, {"vgg22": 128, "vgg54": 512})


def _saturating(fake_logits):
    return np.mean(np.log(1 - 1 / (1 + np.exp(-fake_logits))))


def _naive_log_sigmoid(fake_logits):
    return np.mean(-np.log(1 / (1 + np.exp(-fake_logits))))


def _sum_not_mean(fake_logits):
    return np.sum(np.logaddexp(0, -fake_logits))


def _per_sample(fake_logits):
    return np.logaddexp(0, -fake_logits)


def _discriminator_labels_swapped(real_logits, fake_logits):
    return np.mean(np.logaddexp(0, real_logits)) + np.mean(np.logaddexp(0, -fake_logits))


def _discriminator_mean_of_all(real_logits, fake_logits):
    return np.mean(np.concatenate([np.logaddexp(0, -real_logits), np.logaddexp(0, fake_logits)]))


def _discriminator_real_only(real_logits, fake_logits):
    return np.mean(np.logaddexp(0, -real_logits))


def _discriminator_naive(real_logits, fake_logits):
    d_real, d_fake = 1 / (1 + np.exp(-real_logits)), 1 / (1 + np.exp(-fake_logits))
    return np.mean(-np.log(d_real)) + np.mean(-np.log(1 - d_fake))


MISTAKES = [
    ("04.1", _mean_is_a2, "sin² is 1/2 on average"),
    ("04.1", _sample_like_mean, "misses twice"),
    ("04.1", _sample_twice, "not 2 a**2"),
    ("04.2", _five_poolings, "four poolings"),
    ("04.2", _vgg22_two_poolings, "only block 1's pooling"),
    ("04.2", _vgg22_64_channels, "128 channels"),
    ("04.2", _width_first, "height first"),
    ("04.3", _saturating, "saturates"),
    ("04.3", _naive_log_sigmoid, "overflows"),
    ("04.3", _sum_not_mean, "not the sum"),
    ("04.3", _per_sample, "one number"),
    ("04.4", _discriminator_labels_swapped, "real and fake swapped"),
    ("04.4", _discriminator_mean_of_all, "concatenated batch"),
    ("04.4", _discriminator_real_only, "also has to reject"),
    ("04.4", _discriminator_naive, "overflows"),
]
