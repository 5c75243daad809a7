"""Exercise 04.5: SRGAN's training step written with two ``tf.GradientTape`` s (Ledig et al. 2017, sec. 3.2).

The learner's ``srgan_step`` takes one discriminator update on ``[HR; SR]`` and then one
generator update against the *updated* discriminator, with the paper's loss: pixel MSE on
``[-1, 1]`` images plus ``adv_weight`` times ``-log D(G(lr))``. The checker runs it once on small
networks from one seed and compares the losses it returns and every weight of both networks
afterwards with :meth:`srlib.train.srgan.SRGAN.paper_step` from the same start. A wrong answer
is matched against the outcomes of the typical mistakes (the generator judged by the
discriminator from before its update, MSE on ``[0, 1]``, the saturating loss, the weight forgotten).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from srlib.course.exercises.core import Exercise, Feedback, Mistake, closest_mistake, not_a_function, register
from srlib.losses.adversarial import discriminator_loss, generator_adversarial_loss
from srlib.losses.content import pixel_mse
from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.srresnet import SRResNet
from srlib.train.srgan import SRGAN

__all__ = ["srgan_step"]

STEP_KEYS = ("loss", "content", "adversarial", "d_loss", "d_real", "d_fake")  # srlib.train.srgan.METRICS
TOLERANCE = 2e-5  # one Adam step at 1e-3 moves weights by ~1e-3; float32 reorderings by ~1e-7


def srgan_step(generator, discriminator, g_optimizer, d_optimizer, lr, hr, adv_weight=1e-3, content_loss=None):
    """One SRGAN update (Ledig et al. 2017, sec. 3.2): D on [HR; SR], then G against the updated D."""
    import tensorflow as tf

    def cross_entropy(logits, label):  # mean of -log sigmoid(z) (label 1) or -log(1 - sigmoid(z)) (label 0)
        labels = tf.fill(tf.shape(logits), label)
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))

    n = tf.shape(hr)[0]
    with tf.GradientTape() as g_tape:
        sr = generator(lr, training=True)
        with g_tape.stop_recording():  # the discriminator's update is no part of the generator's gradient
            with tf.GradientTape() as d_tape:
                logits = discriminator(tf.concat([hr, tf.stop_gradient(sr)], 0), training=True)
                real_logits, fake_logits = logits[:n], logits[n:]
                d_loss = cross_entropy(real_logits, 1.0) + cross_entropy(fake_logits, 0.0)  # eq. 2
            d_vars = discriminator.trainable_variables
            d_optimizer.apply(d_tape.gradient(d_loss, d_vars), d_vars)
        judged = discriminator(tf.concat([hr, sr], 0), training=True)  # the updated D, on the same batch
        adversarial = cross_entropy(judged[n:], 1.0)  # -log D(G(lr)), eq. 6
        if content_loss is None:  # pixel MSE on the paper's [-1, 1] scale (sec. 3.2): images 2x - 1
            content = tf.reduce_mean(tf.square((2.0 * sr - 1.0) - (2.0 * hr - 1.0)))
        else:
            content = content_loss(sr, hr)  # e.g. VGG54 (eq. 5)
        loss = content + adv_weight * adversarial  # eq. 3
    g_vars = generator.trainable_variables
    g_optimizer.apply(g_tape.gradient(loss, g_vars), g_vars)
    return {"loss": loss, "content": content, "adversarial": adversarial, "d_loss": d_loss,
            "d_real": tf.reduce_mean(tf.sigmoid(real_logits)), "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}  # fmt: skip


# --- the checker's setting: small networks, one seed, one batch ----------------------------------------


def _setting(seed: int = 4):
    """A small SRResNet and discriminator with seeded weights, their Adam optimizers, one batch (lr, hr)."""
    keras.utils.set_random_seed(seed)
    generator = SRResNet(scale=2, num_blocks=1, filters=8)
    discriminator = SRGANDiscriminator(filters=8, dense_units=16)
    optimizers = []
    for network in (generator, discriminator):
        optimizer = keras.optimizers.Adam(1e-3, beta_1=0.9)  # sec. 3.2's Adam, a larger rate so that steps show
        optimizer.build(network.trainable_variables)
        optimizers.append(optimizer)
    rng = np.random.default_rng(seed)
    hr = tf.constant(rng.random((2, 16, 16, 3), dtype=np.float32))
    lr = tf.constant(rng.random((2, 8, 8, 3), dtype=np.float32))
    return generator, discriminator, optimizers, lr, hr


def _outcome(step) -> dict[str, np.ndarray]:
    """After one ``step``: the losses it returned, every weight of both networks (batch-norm statistics
    included) and their trainable weights alone, each as one flat vector."""
    generator, discriminator, (g_opt, d_opt), lr, hr = _setting()
    values = step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight=1e-3, content_loss=None)
    if not isinstance(values, dict) or set(STEP_KEYS) - set(values):
        raise _Returned(values)
    return {
        "losses": np.asarray([float(np.asarray(values[key])) for key in STEP_KEYS], np.float64),
        **_weights(generator, discriminator),
    }


def _weights(generator, discriminator) -> dict[str, np.ndarray]:
    def flat(variables):
        return np.concatenate([np.ravel(np.asarray(v)) for v in variables])

    networks = (generator, discriminator)
    return {
        "weights": flat([w for n in networks for w in n.weights]),
        "trainable": flat([w for n in networks for w in n.trainable_weights]),
    }


class _Returned(Exception):
    """The step ran but did not return the dict of losses."""

    def __init__(self, value: Any) -> None:
        super().__init__(type(value).__name__)
        self.value = value


def _library_step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight, content_loss):
    gan = SRGAN(generator, discriminator, content="mse", adv_weight=adv_weight)
    gan.g_optimizer, gan.d_optimizer = g_opt, d_opt
    return gan.paper_step(lr, hr)


def _variant(*, d_first=True, paper_range=True, non_saturating=True, weighted=True):
    """``srgan_step`` with one typical mistake made (the flags say which)."""

    def step(generator, discriminator, g_opt, d_opt, lr, hr, adv_weight, content_loss):
        def generator_loss(sr, fake_logits):
            # Saturating: minimise log(1 - D) = -softplus(z) instead of -log D.
            adversarial = (
                generator_adversarial_loss(fake_logits)
                if non_saturating
                else -tf.reduce_mean(tf.nn.softplus(fake_logits))
            )
            content = pixel_mse(sr, hr) if paper_range else tf.reduce_mean(tf.square(sr - hr))
            return content + (adv_weight if weighted else 1.0) * adversarial, content, adversarial

        n = tf.shape(hr)[0]
        d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
        with tf.GradientTape() as g_tape:
            sr = generator(lr, training=True)
            with g_tape.stop_recording():
                with tf.GradientTape() as d_tape:
                    logits = discriminator(tf.concat([hr, tf.stop_gradient(sr)], 0), training=True)
                    d_loss = discriminator_loss(logits[:n], logits[n:])
                if d_first:
                    d_opt.apply(d_tape.gradient(d_loss, d_vars), d_vars)
            loss, content, adversarial = generator_loss(sr, discriminator(tf.concat([hr, sr], 0), training=True)[n:])
        g_opt.apply(g_tape.gradient(loss, g_vars), g_vars)
        if not d_first:
            d_opt.apply(d_tape.gradient(d_loss, d_vars), d_vars)
        return {"loss": loss, "content": content, "adversarial": adversarial, "d_loss": d_loss,
                "d_real": tf.reduce_mean(tf.sigmoid(logits[:n])), "d_fake": tf.reduce_mean(tf.sigmoid(logits[n:]))}  # fmt: skip

    return step


MISTAKES = (
    # Updating G first and updating both from one pass give the same weights: G answered the old D either way.
    (
        dict(d_first=False),
        "the generator must answer the *updated* discriminator (sec. 3.2): update the discriminator first, then "
        "judge [HR; SR] again with it inside the generator's tape.",
    ),
    (
        dict(paper_range=False),
        "SRGAN takes the MSE on images scaled to [-1, 1] (sec. 3.2): map both by 2x - 1 first (4 x the [0, 1] MSE), "
        "or the adversarial weight acts 4 x stronger than the paper's.",
    ),
    (dict(non_saturating=False), "use the non-saturating generator loss -log D(G(lr)), not log(1 - D(G(lr)))."),
    (dict(weighted=False), "the adversarial loss enters with the weight adv_weight (1e-3, eq. 3)."),
)


def _check_step(answer: Any) -> Feedback:
    problem = not_a_function(answer, "srgan_step")
    if problem:
        return problem
    try:
        got = _outcome(answer)
    except _Returned as returned:
        if returned.value is None:
            return Feedback(False, "srgan_step returned None.", "did you forget the `return` of the losses dict?")
        return Feedback(
            False,
            f"srgan_step returned a {type(returned.value).__name__}; expected a dict with {', '.join(STEP_KEYS)}.",
            "return the six numbers srlib's SRGAN reports, under these names.",
        )
    expected = _outcome(_library_step)
    gaps = {part: float(np.max(np.abs(got[part] - expected[part]))) for part in ("losses", "weights", "trainable")}
    if max(gaps.values()) <= TOLERANCE:
        return Feedback(
            True,
            f"one step from the same seed as srlib's SRGAN.train_step: the six losses agree to {gaps['losses']:.1e} "
            f"and every weight of both networks to {gaps['weights']:.1e}.",
        )
    if gaps["trainable"] <= TOLERANCE:
        if gaps["weights"] > TOLERANCE:
            return Feedback(
                False,
                f"the trainable weights agree; the batch-norm statistics differ (by up to {gaps['weights']:.2g}).",
                "call the generator once per step and the discriminator twice (once per update), with training=True.",
            )
        return Feedback(
            False,
            f"the weights agree, but the losses you return differ from srlib's by up to {gaps['losses']:.2g}.",
            f"return this step's values under {', '.join(STEP_KEYS)}: d_real and d_fake are the mean sigmoid of "
            "the discriminator's logits for HR and SR in its own update.",
        )
    # A mistake is recognised by the trainable weights it leaves (batch-norm statistics depend on how
    # many passes a step makes, which varies between equally wrong answers).
    start = _weights(*_setting()[:2])["trainable"]
    mistakes = [Mistake("no update", start, "nothing changed: apply each tape's gradient with its optimizer.")]
    mistakes += [Mistake(str(flags), _outcome(_variant(**flags))["trainable"], hint) for flags, hint in MISTAKES]
    mistake = closest_mistake(got["trainable"], mistakes, TOLERANCE)
    return Feedback(
        False,
        f"after one step the trainable weights differ from srlib's SRGAN.train_step by up to {gaps['trainable']:.2g}.",
        mistake.hint
        if mistake
        else "compare your step with sec. 3.2 line by line: D on [HR; stop_gradient(SR)] with labels 1 and 0, "
        "then G on the updated D's logits of SR with label 1, content MSE on [-1, 1], weight adv_weight.",
    )


register(Exercise("04.5", "SRGAN's training step", _check_step, srgan_step))
