"""Chapter 04's typical mistakes: the MSE of a guess (04.1), VGG feature shapes (04.2), the GAN losses (04.3, 04.4),
the training step (04.5, written as a learner would, with tf.GradientTape)."""

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


def _bce(logits, label):
    import tensorflow as tf

    return tf.reduce_mean(
        tf.keras.losses.binary_crossentropy(tf.fill(tf.shape(logits), label), logits, from_logits=True)
    )


def _learner_step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight=1e-3, content_loss=None, *,
                  order="d-then-g", pixel_scale=2.0, saturating=False, weight=None):  # fmt: skip
    """A learner's SRGAN step with one knob per typical mistake (the defaults are right)."""
    import tensorflow as tf

    weight = adv_weight if weight is None else weight

    def d_step(sr):
        with tf.GradientTape() as tape:
            real, fake = tf.split(discriminator(tf.concat([hr, sr], 0), training=True), 2)
            loss = _bce(real, 1.0) + _bce(fake, 0.0)
        d_opt.apply(tape.gradient(loss, discriminator.trainable_variables), discriminator.trainable_variables)
        return loss, real, fake

    with tf.GradientTape() as tape:
        sr = generator(lr, training=True)
        if order == "d-then-g":
            with tape.stop_recording():
                d_loss, real, fake = d_step(tf.stop_gradient(sr))
        if order == "simultaneous":
            with tf.GradientTape() as d_tape:
                real, fake_for_g = tf.split(discriminator(tf.concat([hr, sr], 0), training=True), 2)
                d_loss = _bce(real, 1.0) + _bce(fake_for_g, 0.0)
            fake = fake_for_g
        else:
            _, fake_for_g = tf.split(discriminator(tf.concat([hr, sr], 0), training=True), 2)
        content = tf.reduce_mean(tf.square(pixel_scale * (sr - hr)))
        adversarial = -_bce(fake_for_g, 0.0) if saturating else _bce(fake_for_g, 1.0)
        loss = content + weight * adversarial
    g_opt.apply(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables)
    if order == "simultaneous":
        d_vars = discriminator.trainable_variables
        d_opt.apply(d_tape.gradient(d_loss, d_vars), d_vars)
    if order == "g-then-d":
        d_loss, real, fake = d_step(tf.stop_gradient(sr))
    return {"loss": loss, "content": content, "adversarial": adversarial, "d_loss": d_loss,
            "d_real": tf.reduce_mean(tf.sigmoid(real)), "d_fake": tf.reduce_mean(tf.sigmoid(fake))}  # fmt: skip


def _step_right_too(*args, **kwargs):
    return _learner_step(*args, **kwargs)


def _step_generator_first(*args, **kwargs):
    return _learner_step(*args, order="g-then-d", **kwargs)


def _step_simultaneous(*args, **kwargs):
    return _learner_step(*args, order="simultaneous", **kwargs)


def _step_mse_on_01(*args, **kwargs):
    return _learner_step(*args, pixel_scale=1.0, **kwargs)


def _step_saturating(*args, **kwargs):
    return _learner_step(*args, saturating=True, **kwargs)


def _step_unweighted(*args, **kwargs):
    return _learner_step(*args, weight=1.0, **kwargs)


def _step_placeholder(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight=1e-3, content_loss=None):
    zero = 0.0 * generator(lr)[0, 0, 0, 0]
    return {key: zero for key in ("loss", "content", "adversarial", "d_loss", "d_real", "d_fake")}


def _step_returns_loss_only(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight=1e-3, content_loss=None):
    return _learner_step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight, content_loss)["loss"]


def _step_generator_twice(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight=1e-3, content_loss=None):
    generator(lr, training=True)  # an extra pass: batch-norm statistics move twice
    return _learner_step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight, content_loss)


def _step_wrong_d_real(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight=1e-3, content_loss=None):
    values = _learner_step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight, content_loss)
    return values | {"d_real": values["d_real"] + 0.1}


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
    ("04.5", _step_generator_first, "update the discriminator first"),
    ("04.5", _step_simultaneous, "judge [HR; SR] again"),
    ("04.5", _step_mse_on_01, "[-1, 1]"),
    ("04.5", _step_saturating, "non-saturating"),
    ("04.5", _step_unweighted, "with the weight adv_weight"),
    ("04.5", _step_placeholder, "nothing changed"),
    ("04.5", _step_returns_loss_only, "expected a dict"),
    ("04.5", _step_generator_twice, "call the generator once per step"),
    ("04.5", _step_wrong_d_real, "d_real and d_fake are the mean sigmoid"),
]

ALSO_CORRECT = [("04.5", _step_right_too)]
