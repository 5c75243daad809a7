"""SRGAN(step=...): a step written apart from srlib (as chapter 04's learner writes it) trains the same networks.

The twin below is written from the paper (sec. 3.2: D on [HR; SR] then G against the *updated* D, content
MSE on [-1, 1] plus 1e-3 x -log D(G(LR))), not from srlib's code; one step from one seed must leave both
networks with the same weights as SRGAN.paper_step. A step that gets the order wrong must not.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.losses.perceptual import paper_content
from srlib.models.vgg_weights import VGG19_NOTOP_FILE
from srlib.train.srgan import SRGAN
from tests.data.test_offline_pack import no_network  # noqa: F401 (fixture)


def _bce(logits, label):
    return tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), label), logits=logits)
    )


def twin_step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight, content_loss, update_d_first=True):
    """The SRGAN step as a reader of sec. 3.2 would write it with two GradientTapes (one generator pass, so
    batch-norm statistics move once per step)."""

    def d_update(sr):
        with tf.GradientTape() as tape:
            logits = discriminator(tf.concat([hr, tf.stop_gradient(sr)], 0), training=True)
            real, fake = tf.split(logits, 2)
            d_loss = _bce(real, 1.0) + _bce(fake, 0.0)
        d_opt.apply(tape.gradient(d_loss, discriminator.trainable_variables), discriminator.trainable_variables)
        return d_loss, real, fake

    with tf.GradientTape() as tape:
        sr = generator(lr, training=True)
        if update_d_first:
            d_loss, real, fake = d_update(sr)
        _, fake_now = tf.split(discriminator(tf.concat([hr, sr], 0), training=True), 2)
        content = (
            tf.reduce_mean(tf.square((2 * sr - 1) - (2 * hr - 1))) if content_loss is None else content_loss(sr, hr)
        )
        adversarial = _bce(fake_now, 1.0)
        loss = content + adv_weight * adversarial
    g_opt.apply(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables)
    if not update_d_first:
        d_loss, real, fake = d_update(sr)
    return {"loss": loss, "content": content, "adversarial": adversarial, "d_loss": d_loss,
            "d_real": tf.reduce_mean(tf.sigmoid(real)), "d_fake": tf.reduce_mean(tf.sigmoid(fake))}  # fmt: skip


def _gan(step=None):
    from srlib.models.discriminator import SRGANDiscriminator
    from srlib.models.srresnet import SRResNet

    keras.utils.set_random_seed(3)
    generator = SRResNet(scale=2, num_blocks=1, filters=8)
    discriminator = SRGANDiscriminator(filters=8, dense_units=16)
    gan = SRGAN(generator, discriminator, content="mse", step=step)
    gan.compile_for_training(learning_rate=1e-3, jit_compile=False, steps_per_execution=1)
    return gan


def _one_step(gan):
    rng = np.random.default_rng(0)
    hr = tf.constant(rng.random((2, 16, 16, 3), dtype=np.float32))
    lr = tf.constant(rng.random((2, 8, 8, 3), dtype=np.float32))
    metrics = {name: float(value) for name, value in gan.train_step((lr, hr)).items()}
    return metrics, gan.generator.get_weights() + gan.discriminator.get_weights()


def test_a_step_written_from_the_paper_matches_paper_step():
    paper_metrics, paper_weights = _one_step(_gan())
    twin_metrics, twin_weights = _one_step(_gan(step=twin_step))
    assert paper_metrics == pytest.approx(twin_metrics, rel=1e-4, abs=1e-6)
    for ours, theirs in zip(paper_weights, twin_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_a_step_that_updates_the_generator_first_differs():
    def generator_first(*args, **kwargs):
        return twin_step(*args, update_d_first=False, **kwargs)

    _, paper_weights = _one_step(_gan())
    _, wrong_weights = _one_step(_gan(step=generator_first))
    generator_count = len(_gan().generator.get_weights())
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(paper_weights[:generator_count], wrong_weights))


def test_a_custom_step_with_dfeat_is_refused():
    from srlib.models.discriminator import SRGANDiscriminator
    from srlib.models.srresnet import SRResNet

    with pytest.raises(SRLibError, match="not 'dfeat'"):
        SRGAN(
            SRResNet(scale=2, num_blocks=1, filters=8), SRGANDiscriminator(filters=8), content="dfeat", step=twin_step
        )


# --- the paper's content loss where it can be had ----------------------------------------------------


def test_offline_without_vgg_weights_falls_back_to_mse_in_one_line(no_network):  # noqa: F811
    content, weights, note = paper_content(download=True)
    assert (content, weights) == ("mse", None)
    assert "\n" not in note and "SRGAN-MSE" in note and "could not be downloaded" in note and "srlib pack" in note
    content, weights, note = paper_content(download=False)
    assert (content, weights) == ("mse", None) and "no download asked" in note


def test_cached_vgg_weights_give_vgg54(tmp_path, monkeypatch):
    home = tmp_path / "keras"
    (home / "models").mkdir(parents=True)
    (home / "models" / VGG19_NOTOP_FILE).write_bytes(b"\x89HDF\r\n" + bytes(64))
    monkeypatch.setenv("KERAS_HOME", str(home))
    content, weights, note = paper_content(download=False)
    assert (content, weights) == ("vgg54", "imagenet") and str(home) in note and "\n" not in note


@pytest.mark.parametrize("jit_compile", [False, True])
def test_chapter_04s_reference_step_trains_under_fit(jit_compile):
    """The solution of exercise 04.5 runs inside Keras' compiled train step (graph, and XLA), as the chapter trains it."""
    from srlib.course.exercises.ch04_step import srgan_step

    gan = _gan(step=srgan_step)
    gan.compile_for_training(learning_rate=1e-4, jit_compile=jit_compile, steps_per_execution=1)
    rng = np.random.default_rng(1)
    batch = (rng.random((2, 8, 8, 3), dtype=np.float32), rng.random((2, 16, 16, 3), dtype=np.float32))
    history = gan.fit(tf.data.Dataset.from_tensors(batch).repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    assert all(np.isfinite(history.history[name][-1]) for name in ("loss", "content", "d_loss"))
