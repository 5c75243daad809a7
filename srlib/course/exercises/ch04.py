"""Chapter 04's exercises: the price of a sharp guess, VGG's feature maps, SRGAN's two adversarial losses and (04.5, in
:mod:`srlib.course.exercises.ch04_step`) its training step.

04.1 asks for the expected MSE of two answers to an unknown-phase texture ``a*sin(theta)``:
the mean (flat grey) and a sharp texture with its own random phase — the arithmetic
behind "MSE prefers blur" and SRGAN's PSNR drop. 04.2 asks for the shape of VGG19's
feature maps at SRGAN's content layers (Ledig et al. 2017, sec. 2.2.1: phi_2,2 and
phi_5,4), checked against the formula that Keras' VGG19 follows. 04.3 and 04.4 ask for
the generator's ``-log D(G(lr))`` (eq. 6) and the discriminator's cross-entropy (eq. 2,
Goodfellow et al. 2014), both on *logits* and numerically stable; the typical mistakes
(saturating form, labels swapped, a mean over the concatenated batch, ``log(sigmoid)``
overflowing) get their own hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    as_number,
    check_numbers,
    describe_call,
    mistake_hint,
    register,
    run_cases,
)

__all__ = ["expected_mse", "vgg_feature_shape", "generator_adversarial_loss", "discriminator_loss"]


# --- reference solutions (solution(id) shows their source) -----------------------------------


def expected_mse(amplitude, guess):
    """Expected MSE against the texture a*sin(theta), theta uniform, of guess "mean" (0) or "sample" (a*sin(theta'))."""
    if guess == "mean":
        return amplitude**2 / 2  # E[sin^2] = 1/2: the texture's own variance
    return amplitude**2  # E[(sin t - sin t')^2] = 1/2 + 1/2 - 2 E[sin t] E[sin t'] = 1: twice the variance


def vgg_feature_shape(height, width, layer):
    """(h, w, channels) of VGG19's feature map at "vgg22" (relu2_2) or "vgg54" (relu5_4) for an input of height x width."""
    pools, channels = {"vgg22": (1, 128), "vgg54": (4, 512)}[layer]  # 2x2 max-poolings passed before the layer
    return height // 2**pools, width // 2**pools, channels


def generator_adversarial_loss(fake_logits):
    """SRGAN's -log D(G(lr)) (eq. 6) from the discriminator's logits z: mean of -log(sigmoid(z)) = log(1 + exp(-z))."""
    return np.mean(np.logaddexp(0.0, -np.asarray(fake_logits, dtype=np.float64)))  # never overflows


def discriminator_loss(real_logits, fake_logits):
    """The discriminator's cross-entropy: mean of -log D(hr) plus mean of -log(1 - D(sr)), from logits."""
    real = np.asarray(real_logits, dtype=np.float64)
    fake = np.asarray(fake_logits, dtype=np.float64)
    return np.mean(np.logaddexp(0.0, -real)) + np.mean(np.logaddexp(0.0, fake))  # -log(1 - sigmoid(z)) = log(1 + e^z)


# --- 04.1 the price of a sharp guess -------------------------------------------------------------


def _mse_mistakes(amplitude, guess) -> list[Mistake]:
    a2 = amplitude**2
    if guess == "mean":
        return [
            Mistake(
                "amplitude squared",
                a2,
                "the flat guess misses by a*sin(theta), whose square averages to a**2 / 2, not a**2: "
                "sin² is 1/2 on average over a period.",
            ),
            Mistake(
                "zero",
                0.0,
                "the mean is the best flat guess, but it still misses the texture: its MSE is the texture's variance.",
            ),
            Mistake("amplitude", amplitude, "an MSE is in squared units: square the amplitude."),
        ]
    return [
        Mistake(
            "same as mean",
            a2 / 2,
            "a sharp guess with its own random phase misses twice: (sin t - sin t')² averages to "
            "1/2 + 1/2 = 1 (the cross term vanishes because the phases are independent).",
        ),
        Mistake(
            "zero",
            0.0,
            "the guess is a plausible texture, but its phase is not the true one, so it misses almost everywhere.",
        ),
        Mistake(
            "four variances",
            2 * a2,
            "expand (sin t - sin t')²: sin² t + sin² t' - 2 sin t sin t'; each square averages 1/2, the "
            "cross term 0 — so a**2, not 2 a**2.",
        ),
    ]


def _check_mse(answer: Any) -> Feedback:
    cases = [dict(amplitude=a, guess=g) for a in (0.3, 1.0, 0.05) for g in ("mean", "sample")]
    return check_numbers(
        answer,
        "expected_mse",
        cases,
        expected_mse,
        _mse_mistakes,
        1e-9,
        "write the error as a function of the two phases and average: the mean of sin² over a period is 1/2, "
        "and independent phases make the cross term vanish.",
        "right on all {count} cases: the sharp guess costs twice the MSE of the blur, 10·log10(2) = 3.01 dB "
        "of PSNR — though only it looks like the texture.",
    )


register(Exercise("04.1", "the price of a sharp guess", _check_mse, expected_mse))


# --- 04.2 VGG19 feature shapes -----------------------------------------------------------------------


def _shape_mistakes(height, width, layer) -> list[Mistake]:
    right = vgg_feature_shape(height, width, layer)
    wrong = {"vgg22": ((2, 128), (1, 64), (0, 128)), "vgg54": ((5, 512), (3, 512), (4, 256))}[layer]
    hints = {
        "vgg22": (
            "relu2_2 comes before block 2's pooling: only block 1's pooling has halved the image.",
            "conv2_2 is in block 2, where VGG19 has 128 channels (block 1 has 64).",
            "block 1 ends with a 2x2 pooling, and conv2_2 comes after it.",
        ),
        "vgg54": (
            "relu5_4 comes before block 5's pooling: four poolings have halved the image, not five.",
            "relu5_4 is after the pooling of blocks 1, 2, 3 and 4: divide by 2**4 = 16.",
            "blocks 4 and 5 of VGG19 have 512 channels.",
        ),
    }[layer]
    mistakes = [
        Mistake(f"{pools} poolings, {channels} channels", (height // 2**pools, width // 2**pools, channels), hint)
        for (pools, channels), hint in zip(wrong, hints)
    ]
    mistakes.append(
        Mistake("swapped", (right[1], right[0], right[2]), "height first, then width, as in the image's shape.")
    )
    return mistakes


def _judge_shape(got: Any, height: int, width: int, layer: str, *, call: str) -> Feedback | None:
    try:
        got = tuple(int(v) for v in got)
    except (TypeError, ValueError):
        return Feedback(False, f"{call} returned {got!r}.", "return a tuple (height, width, channels).")
    expected = vgg_feature_shape(height, width, layer)
    if got == expected:
        return None
    hint = mistake_hint(
        got,
        _shape_mistakes(height, width, layer),
        0,
        "count the 2x2 max-poolings (stride 2, odd sizes rounded down) before the layer, and the channels "
        "of its block: 64, 128, 256, 512, 512.",
    )
    return Feedback(False, f"{call} gave {got}; expected {expected}.", hint)


def _check_shape(answer: Any) -> Feedback:
    cases = [
        (describe_call("vgg_feature_shape", height=height, width=width, layer=layer), (height, width, layer))
        for height, width in ((96, 96), (64, 48), (100, 75))
        for layer in ("vgg22", "vgg54")
    ]
    return run_cases(
        answer,
        "vgg_feature_shape",
        cases,
        _judge_shape,
        "right on all {count} cases: on SRGAN's 96x96 patches VGG22 compares 48x48x128 maps, VGG54 "
        "only 6x6x512 — one VGG54 value summarises a 16x16 block of pixels and more around it.",
    )


register(Exercise("04.2", "VGG19 feature shapes", _check_shape, vgg_feature_shape))


# --- 04.3 the generator's adversarial loss -----------------------------------------------------------

_LOGIT_CASES = (  # the first case tells the typical mistakes apart (at z = 0 several coincide)
    np.array([2.0, -1.0, 0.5, -3.0]),
    np.array([0.0]),
    np.array([[1.5], [-0.25], [4.0]]),  # the discriminator's (batch, 1) output
    np.array([40.0, -40.0, 8.0]),
    np.array([-800.0, 3.0]),  # a confident discriminator: exp(800) overflows, log(sigmoid) gives -inf
)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _generator_mistakes(z: np.ndarray) -> list[Mistake]:
    return [
        Mistake(
            "saturating",
            -np.mean(_softplus(z)),
            "that is log(1 - D): the form of the minimax game that saturates. SRGAN's generator minimises "
            "-log D(G(lr)) = mean(log(1 + exp(-z))), which keeps a strong gradient when D rejects the SR images.",
        ),
        Mistake(
            "no minus",
            -np.mean(_softplus(-z)),
            "the sign: the loss is -log D, positive, and gets smaller as D is fooled.",
        ),
        Mistake("sum", np.sum(_softplus(-z)), "take the mean over the batch, not the sum."),
        Mistake(
            "labels swapped",
            np.mean(_softplus(z)),
            "that is -log(1 - D(sr)), the discriminator's term for fakes; the generator wants D(sr) near 1: "
            "-log D(sr) = log(1 + exp(-z)).",
        ),
    ]


def _judge_loss(
    got: Any,
    expected: float,
    call: str,
    *,
    overflowing: bool,
    overflow_hint: str,
    mistakes: Callable[[], list[Mistake]],
    fallback: str,
) -> Feedback | None:
    """The verdict on one loss value: right to 1e-6 (relative), overflowed on the ``overflowing`` case, or wrong."""
    got, problem = as_number(got, call)
    if problem:
        return problem
    tolerance = 1e-6 * max(1.0, abs(expected))
    if np.isfinite(got) and abs(got - expected) <= tolerance:
        return None
    if overflowing and not np.isfinite(got):
        return Feedback(False, f"{call} gave {got}; expected {expected:g}.", overflow_hint)
    return Feedback(
        False, f"{call} gave {got:g}; expected {expected:g}.", mistake_hint(got, mistakes(), tolerance, fallback)
    )


def _judge_generator(got: Any, logits: np.ndarray, *, call: str) -> Feedback | None:
    return _judge_loss(
        got,
        float(generator_adversarial_loss(logits)),
        call,
        overflowing=logits is _LOGIT_CASES[-1],  # a confident discriminator: exp(800) overflows
        overflow_hint="right formula, but it overflows for a confident discriminator: write -log(sigmoid(z)) "
        "as log(1 + exp(-z)) = np.logaddexp(0, -z), which never overflows.",
        mistakes=lambda: _generator_mistakes(logits),
        fallback="D = sigmoid(z) = 1 / (1 + exp(-z)); the loss is the batch mean of -log D.",
    )


def _check_generator(answer: Any) -> Feedback:
    return run_cases(
        answer,
        "generator_adversarial_loss",
        [(describe_call("generator_adversarial_loss", fake_logits=logits), (logits,)) for logits in _LOGIT_CASES],
        _judge_generator,
        "right on all {count} cases, including a discriminator 800 logits sure of itself: "
        "-log sigmoid(z) = log(1 + e^-z) is what srlib.losses computes (keras.ops.softplus(-z)).",
    )


register(Exercise("04.3", "the generator's -log D loss", _check_generator, generator_adversarial_loss))


# --- 04.4 the discriminator's loss -------------------------------------------------------------------

_PAIR_CASES = (  # the first case tells the typical mistakes apart (at z = 0 several coincide)
    (np.array([2.0, 1.0, 3.0]), np.array([-1.0, 0.5, -2.0])),
    (np.array([0.0]), np.array([0.0])),
    (np.array([[0.3], [-0.7]]), np.array([[1.2], [-0.1]])),
    (np.array([30.0, 5.0]), np.array([-30.0, 2.0])),
    (np.array([-750.0, 2.0]), np.array([40.0, -1.0])),  # D sure and wrong: exp(750) is inf, 1 - sigmoid(40) is 0.0
)


def _discriminator_mistakes(real: np.ndarray, fake: np.ndarray) -> list[Mistake]:
    real_term, fake_term = np.mean(_softplus(-real)), np.mean(_softplus(fake))
    return [
        Mistake(
            "labels swapped",
            np.mean(_softplus(real)) + np.mean(_softplus(-fake)),
            "real and fake swapped: D should say 1 (z large) for HR and 0 (z very negative) for SR, so the "
            "loss is -log sigmoid(z_hr) - log(1 - sigmoid(z_sr)).",
        ),
        Mistake(
            "real only",
            real_term,
            "the discriminator also has to reject the SR images: add the mean of -log(1 - D(sr)) = log(1 + exp(z_sr)).",
        ),
        Mistake(
            "fake only",
            fake_term,
            "the discriminator also has to accept the HR images: add the mean of -log D(hr) = log(1 + exp(-z_hr)).",
        ),
        Mistake(
            "mean of both",
            (real_term + fake_term) / 2,
            "half the expected value: a mean over the concatenated batch halves each term. Add the two batch "
            "means (as SRGAN's eq. 2 adds the two expectations).",
        ),
        Mistake(
            "generator's",
            np.mean(_softplus(-fake)),
            "that is the generator's loss on the SR images; the discriminator's loss has a term for HR and one for SR.",
        ),
    ]


def _judge_discriminator(got: Any, real: np.ndarray, fake: np.ndarray, *, call: str) -> Feedback | None:
    return _judge_loss(
        got,
        float(discriminator_loss(real, fake)),
        call,
        overflowing=real is _PAIR_CASES[-1][0],  # D sure and wrong: exp(750) overflows
        overflow_hint="right formula, but it overflows when the discriminator is very sure: use "
        "np.logaddexp(0, -z) for -log sigmoid(z) and np.logaddexp(0, z) for -log(1 - sigmoid(z)).",
        mistakes=lambda: _discriminator_mistakes(real, fake),
        fallback="binary cross-entropy with label 1 for HR and 0 for SR: mean(-log sigmoid(z_hr)) + "
        "mean(-log(1 - sigmoid(z_sr))).",
    )


def _check_discriminator(answer: Any) -> Feedback:
    cases = [
        (describe_call("discriminator_loss", real_logits=real, fake_logits=fake), (real, fake))
        for real, fake in _PAIR_CASES
    ]
    return run_cases(
        answer,
        "discriminator_loss",
        cases,
        _judge_discriminator,
        "right on all {count} cases: with D unsure (both logits 0) the loss is 2·log 2 = 1.386, the "
        "value to watch for in training — a loss far below it means D is winning.",
    )


register(Exercise("04.4", "the discriminator's loss", _check_discriminator, discriminator_loss))

# 04.5, SRGAN's training step, needs TensorFlow and lives in its own module; loading chapter 04 registers it too.
from srlib.course.exercises import ch04_step  # noqa: E402,F401
