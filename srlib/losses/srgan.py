"""SRGAN's losses: content losses (pixel MSE, VGG19 features, discriminator features) and adversarial losses.

Ledig et al., CVPR 2017, sec. 2.2: the perceptual loss is a content loss plus
``10^-3`` times an adversarial loss,

    l_SR = l_X + 1e-3 * l_Gen.

* Content (sec. 2.2.1): ``"mse"`` is the pixel MSE; ``"vgg22"`` / ``"vgg54"`` the MSE
  between VGG19 feature maps after the ReLU of conv2_2 / conv5_4 (Keras layers
  ``block2_conv2`` / ``block5_conv4``, which include the ReLU), with the feature maps
  rescaled by ``1/12.75`` (sec. 3.2) — i.e. the feature MSE times ``1/12.75^2 ~ 0.006``,
  so the VGG losses are of the MSE loss's size. The mean runs over positions *and*
  channels (the paper's eq. 5 sums positions only and divides by W*H; the constant
  factor ``channels`` is absorbed in the learning rate with Adam). ``"dfeat"``
  matches intermediate discriminator features of SR and HR instead (feature
  matching, Salimans et al. 2016): no download needed.
* Adversarial (sec. 2.2.2): the generator minimises ``-log D(G(I_LR))`` (mean over
  the batch instead of the paper's sum); the discriminator minimises the binary
  cross-entropy ``-log D(I_HR) - log(1 - D(G(I_LR)))`` (the two batch means added).
  ``relativistic=True`` uses ESRGAN's relativistic average GAN (Wang et al., ECCVW
  2018, sec. 3.2, eqs. 1-2). All take *logits*: ``-log sigmoid(z) = softplus(-z)``
  and ``-log(1 - sigmoid(z)) = softplus(z)`` are exact and never overflow.

Inputs are RGB on ``[0, 1]``; VGG19 wants Caffe-style input (0..255, BGR, ImageNet
mean subtracted — ``keras.applications.vgg19.preprocess_input``), converted here
inside the graph.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from srlib.errors import SRLibError

__all__ = [
    "ADVERSARIAL_WEIGHT",
    "CONTENT_LOSSES",
    "IMAGENET_BGR_MEAN",
    "VGG_LAYERS",
    "VGG_RESCALE",
    "VGGContentLoss",
    "content_loss",
    "discriminator_loss",
    "feature_matching_loss",
    "generator_adversarial_loss",
    "pixel_mse",
    "vgg_features",
    "vgg_preprocess",
]

CONTENT_LOSSES = ("mse", "vgg22", "vgg54", "dfeat")
# SRGAN's phi_{i,j}: the feature map after the j-th convolution's ReLU before the i-th pooling.
VGG_LAYERS = {"vgg22": "block2_conv2", "vgg54": "block5_conv4"}
VGG_RESCALE = 1.0 / 12.75  # sec. 3.2: applied to the feature maps
ADVERSARIAL_WEIGHT = 1e-3  # eq. 3
IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)  # the Caffe VGG's per-channel mean, BGR order


def vgg_preprocess(rgb01):
    """RGB on ``[0, 1]`` -> VGG19's input: ``255 * x``, RGB->BGR, ImageNet mean subtracted."""
    import keras

    bgr = keras.ops.flip(rgb01, axis=-1) * 255.0
    return bgr - keras.ops.convert_to_tensor(IMAGENET_BGR_MEAN, dtype=bgr.dtype)


def _untrained_warning(layer: str, reason: str) -> None:
    print(
        f"WARNING: VGG19 features ({layer}) are UNTRAINED (random, seeded) because {reason}; "
        f"the perceptual loss is only a smoke test, not SRGAN's",
        file=sys.stdout,
        flush=True,
    )


def _seeded_vgg19(seed: int):
    """VGG19 (no top) with Glorot-uniform kernels drawn from ``seed`` and zero biases; no global RNG touched."""
    import keras

    backbone = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    convs = [layer for layer in backbone.layers if isinstance(layer, keras.layers.Conv2D)]
    for k, layer in enumerate(convs):
        kernel = keras.initializers.GlorotUniform(seed=int(seed) * 100 + k)(layer.kernel.shape)
        layer.kernel.assign(kernel)
        layer.bias.assign(keras.ops.zeros(layer.bias.shape))
    return backbone


def vgg_features(layer: str = "vgg54", *, weights: str | None = "imagenet", allow_untrained: bool = False, seed: int = 0):
    """A frozen Keras model: VGG19 input (see :func:`vgg_preprocess`) of any size -> feature map at ``layer``.

    ``layer`` is ``"vgg22"``/``"vgg54"`` or a Keras VGG19 layer name. ``weights="imagenet"``:
    the weights of ``keras.applications`` (downloaded once into Keras' cache). Offline
    without them: a one-line :class:`SRLibError` saying how to get them, unless
    ``allow_untrained=True`` (smoke runs only). ``weights=None`` or that fallback builds
    the same network with random weights drawn from ``seed`` and prints a WARNING line.
    """
    import keras

    from srlib.models.vgg_weights import (
        VGG19_NOTOP_FILE,
        keras_home,
        vgg19_weights_cached,
        vgg19_weights_file,
    )

    if weights not in ("imagenet", None):
        raise SRLibError(f"vgg_features: weights={weights!r} — use 'imagenet', or None for untrained features")
    layer_name = VGG_LAYERS.get(layer, layer)
    backbone = None
    if weights is None:
        _untrained_warning(layer, "weights=None was asked for")
    else:
        try:
            backbone = keras.applications.VGG19(include_top=False, weights="imagenet", input_shape=(None, None, 3))
        except Exception as error:  # noqa: BLE001 (offline or damaged download: Keras raises Exception, ValueError, OSError)
            detail = " ".join(str(error).split()).split(" -- ")[-1]  # Keras' "URL fetch failure on URL: None -- cause"
            detail = detail if len(detail) <= 160 else "..." + detail[-120:]
            if not allow_untrained:
                cached = vgg19_weights_cached()
                where = f"{cached} is unusable" if cached else f"{VGG19_NOTOP_FILE} is not in {keras_home() / 'models'}"
                raise SRLibError(
                    f"VGG19 ImageNet weights for content loss {layer!r}: {where} and Keras could not download it "
                    f"({detail}) — on a connected machine run 'srlib pack FOLDER' and set KERAS_HOME=FOLDER here, or "
                    f"download {VGG19_NOTOP_FILE} into {vgg19_weights_file().parent}; or use content='dfeat' or 'mse'"
                ) from None
            _untrained_warning(layer, f"the ImageNet weights are unavailable ({detail})")
    if backbone is None:
        backbone = _seeded_vgg19(seed)
    try:
        output = backbone.get_layer(layer_name).output
    except ValueError:
        raise SRLibError(f"content layer {layer!r} is not a VGG19 layer — use vgg22, vgg54 or e.g. block3_conv4") from None
    # Truncated at the layer: vgg22 runs 4 of VGG19's 16 convolutions, not all of them.
    model = keras.Model(backbone.input, output, name=f"vgg19_{layer_name}")
    model.trainable = False
    return model


class VGGContentLoss:
    """SRGAN's VGG loss (eq. 5 with sec. 3.2's 1/12.75 rescaling): ``mean(((phi(sr) - phi(hr)) / 12.75)^2)``."""

    def __init__(
        self,
        layer: str = "vgg54",
        *,
        weights: str | None = "imagenet",
        allow_untrained: bool = False,
        seed: int = 0,
        features=None,
    ) -> None:
        self.layer = layer
        if features is None:
            features = vgg_features(layer, weights=weights, allow_untrained=allow_untrained, seed=seed)
        self.features = features

    def feature_maps(self, rgb01):
        """``phi(x) / 12.75`` for RGB on ``[0, 1]``."""
        return self.features(vgg_preprocess(rgb01), training=False) * VGG_RESCALE

    def __call__(self, sr, hr):
        import keras

        difference = self.feature_maps(sr) - keras.ops.stop_gradient(self.feature_maps(hr))
        return keras.ops.mean(keras.ops.square(difference))


def pixel_mse(sr, hr):
    """The pixel-wise MSE content loss (eq. 4), on ``[0, 1]`` values."""
    import keras

    return keras.ops.mean(keras.ops.square(sr - hr))


def feature_matching_loss(sr_features: Sequence, hr_features: Sequence):
    """Mean over layers of the MSE between discriminator features of SR and (fixed) HR.

    Each layer's features are compared at their own scale, so every layer counts the
    same however many values it has.
    """
    import keras

    if len(sr_features) != len(hr_features) or not sr_features:
        raise SRLibError("feature_matching_loss: give the same non-empty list of layers for SR and HR")
    terms = [
        keras.ops.mean(keras.ops.square(s - keras.ops.stop_gradient(h))) for s, h in zip(sr_features, hr_features)
    ]
    return keras.ops.mean(keras.ops.stack(terms))


def discriminator_loss(real_logits, fake_logits, relativistic: bool = False):
    """The discriminator's loss on logits ``C(x)``.

    Standard GAN: ``-E[log D(hr)] - E[log(1 - D(sr))]`` with ``D = sigmoid(C)``.
    Relativistic average (ESRGAN eq. 2): ``-E_r[log D_Ra(r, f)] - E_f[log(1 - D_Ra(f, r))]``
    with ``D_Ra(a, b) = sigmoid(C(a) - E[C(b)])``.
    """
    import keras

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
    import keras

    softplus, mean = keras.ops.softplus, keras.ops.mean
    if not relativistic:
        return mean(softplus(-fake_logits))
    if real_logits is None:
        raise SRLibError("generator_adversarial_loss(relativistic=True) needs real_logits")
    real_relative, fake_relative = real_logits - mean(fake_logits), fake_logits - mean(real_logits)
    return mean(softplus(real_relative)) + mean(softplus(-fake_relative))


def content_loss(
    name: str, *, vgg_weights: str | None = "imagenet", allow_untrained: bool = False, seed: int = 0
) -> Callable | None:
    """``(sr, hr) -> loss`` for ``"mse"``, ``"vgg22"``, ``"vgg54"``; None for ``"dfeat"`` (computed by the trainer)."""
    if name not in CONTENT_LOSSES:
        raise SRLibError(f"content={name!r} is not a content loss — use one of {', '.join(CONTENT_LOSSES)}")
    if name == "mse":
        return pixel_mse
    if name == "dfeat":
        return None
    return VGGContentLoss(name, weights=vgg_weights, allow_untrained=allow_untrained, seed=seed)

