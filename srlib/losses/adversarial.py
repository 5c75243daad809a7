"""SRGAN's adversarial losses, on the discriminator's logits (Ledig et al., CVPR 2017, sec. 2.2.2).

The generator minimises ``-log D(G(I_LR))`` (eq. 6, the non-saturating form; mean over the
batch instead of the paper's sum); the discriminator minimises the binary cross-entropy
``-log D(I_HR) - log(1 - D(G(I_LR)))`` (the two batch means added). ``relativistic=True``
uses ESRGAN's relativistic average GAN (Wang et al., ECCVW 2018, sec. 3.2, eqs. 1-2).
All take *logits*: ``-log sigmoid(z) = softplus(-z)`` and ``-log(1 - sigmoid(z)) =
softplus(z)`` are exact and never overflow.
"""

from __future__ import annotations

import keras

from srlib.errors import SRLibError

__all__ = ["ADVERSARIAL_WEIGHT", "discriminator_loss", "generator_adversarial_loss"]

ADVERSARIAL_WEIGHT = 1e-3  # eq. 3: l_SR = l_X + 1e-3 * l_Gen


def discriminator_loss(real_logits, fake_logits, relativistic: bool = False):
    """The discriminator's loss on logits ``C(x)``.

    Standard GAN: ``-E[log D(hr)] - E[log(1 - D(sr))]`` with ``D = sigmoid(C)``.
    Relativistic average (ESRGAN eq. 2): ``-E_r[log D_Ra(r, f)] - E_f[log(1 - D_Ra(f, r))]``
    with ``D_Ra(a, b) = sigmoid(C(a) - E[C(b)])``.
    """
    softplus, mean = keras.ops.softplus, keras.ops.mean
    if relativistic:
        real_logits, fake_logits = real_logits - mean(fake_logits), fake_logits - mean(real_logits)
    return mean(softplus(-real_logits)) + mean(softplus(fake_logits))


def generator_adversarial_loss(fake_logits, real_logits=None, relativistic: bool = False):
    """The generator's adversarial loss on logits (before the 1e-3 weight).

    Standard: SRGAN's ``-E[log D(G(lr))]`` (eq. 6, non-saturating). Relativistic average
    (ESRGAN eq. 2, the symmetric form): ``-E_r[log(1 - D_Ra(r, f))] - E_f[log D_Ra(f, r)]``;
    it needs ``real_logits`` — the generator then also learns from the real images.
    """
    softplus, mean = keras.ops.softplus, keras.ops.mean
    if not relativistic:
        return mean(softplus(-fake_logits))
    if real_logits is None:
        raise SRLibError("generator_adversarial_loss(relativistic=True) needs real_logits — pass the HR images' logits")
    real_relative, fake_relative = real_logits - mean(fake_logits), fake_logits - mean(real_logits)
    return mean(softplus(real_relative)) + mean(softplus(-fake_relative))
