"""SRGAN's VGG content loss: the MSE between VGG19 feature maps of SR and HR (Ledig et al., CVPR 2017, sec. 2.2.1).

``"vgg22"`` / ``"vgg54"`` compare the feature maps after the ReLU of conv2_2 / conv5_4
(Keras layers ``block2_conv2`` / ``block5_conv4``, which include the ReLU), rescaled by
``1/12.75`` (sec. 3.2): the feature MSE times ``1/12.75^2 ~ 0.006``, so that the VGG losses
are of the size of the pixel MSE, which the paper takes on ``[-1, 1]`` images
(:func:`srlib.losses.content.pixel_mse`). The mean runs over positions *and* channels (eq. 5
sums positions only and divides by W*H; the constant factor ``channels`` is absorbed in the
learning rate with Adam).

Inputs are RGB on ``[0, 1]``; VGG19 wants Caffe-style input (0..255, BGR, ImageNet mean
subtracted), which :func:`vgg_preprocess` makes inside the graph.
"""

from __future__ import annotations

import sys

import keras

from srlib.errors import SRLibError
from srlib.models.vgg_weights import (
    VGG19_NOTOP_FILE,
    fetch_vgg19_weights,
    keras_home,
    vgg19_weights_cached,
    vgg19_weights_file,
)

__all__ = ["VGG_LAYERS", "VGG_RESCALE", "VGGContentLoss", "paper_content", "vgg_features", "vgg_preprocess"]

# SRGAN's phi_{i,j}: the feature map after the j-th convolution's ReLU before the i-th pooling.
VGG_LAYERS = {"vgg22": "block2_conv2", "vgg54": "block5_conv4"}
VGG_RESCALE = 1.0 / 12.75  # sec. 3.2: applied to the feature maps


def vgg_preprocess(rgb01):
    """RGB on ``[0, 1]`` -> VGG19's input: ``255 * x``, RGB->BGR, ImageNet mean subtracted (Keras' own function)."""
    return keras.applications.vgg19.preprocess_input(rgb01 * 255.0)


def _untrained_warning(layer: str, reason: str) -> None:
    print(
        f"WARNING: VGG19 features ({layer}) are UNTRAINED (random, seeded) because {reason}; "
        f"the perceptual loss is only a smoke test, not SRGAN's",
        file=sys.stdout,
        flush=True,
    )


def _seeded_vgg19(seed: int):
    """VGG19 (no top) with Glorot-uniform kernels drawn from ``seed`` and zero biases; no global RNG touched."""
    backbone = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    convs = [layer for layer in backbone.layers if isinstance(layer, keras.layers.Conv2D)]
    for k, layer in enumerate(convs):
        kernel = keras.initializers.GlorotUniform(seed=int(seed) * 100 + k)(layer.kernel.shape)
        layer.kernel.assign(kernel)
        layer.bias.assign(keras.ops.zeros(layer.bias.shape))
    return backbone


def _imagenet_vgg19(layer: str, allow_untrained: bool):
    """Keras' ImageNet VGG19 (downloaded once into Keras' cache); None (with a WARNING) if unavailable and allowed."""
    try:
        return keras.applications.VGG19(include_top=False, weights="imagenet", input_shape=(None, None, 3))
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
        return None


def vgg_features(
    layer: str = "vgg54", *, weights: str | None = "imagenet", allow_untrained: bool = False, seed: int = 0
):
    """A frozen Keras model: VGG19 input (see :func:`vgg_preprocess`) of any size -> feature map at ``layer``.

    ``layer`` is ``"vgg22"``/``"vgg54"`` or a Keras VGG19 layer name. ``weights="imagenet"``:
    the weights of ``keras.applications`` (downloaded once into Keras' cache). Offline
    without them: a one-line :class:`SRLibError` saying how to get them, unless
    ``allow_untrained=True`` (smoke runs only). ``weights=None`` or that fallback builds
    the same network with random weights drawn from ``seed`` and prints a WARNING line.
    """
    if weights not in ("imagenet", None):
        raise SRLibError(f"vgg_features: weights={weights!r} — use 'imagenet', or None for untrained features")
    layer_name = VGG_LAYERS.get(layer, layer)
    backbone = None
    if weights is None:
        _untrained_warning(layer, "weights=None was asked for")
    else:
        backbone = _imagenet_vgg19(layer, allow_untrained)
    if backbone is None:
        backbone = _seeded_vgg19(seed)
    try:
        output = backbone.get_layer(layer_name).output
    except ValueError:
        raise SRLibError(
            f"content layer {layer!r} is not a VGG19 layer — use vgg22, vgg54 or e.g. block3_conv4"
        ) from None
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
        difference = self.feature_maps(sr) - keras.ops.stop_gradient(self.feature_maps(hr))
        return keras.ops.mean(keras.ops.square(difference))


def paper_content(download: bool = True) -> tuple[str, str | None, str]:
    """SRGAN's content loss where it can be had: ``(content, vgg_weights, note)``.

    ``("vgg54", "imagenet", ...)`` when the ImageNet VGG19 weights are in Keras' cache
    (``KERAS_HOME``, e.g. a ``srlib pack`` folder) or, with ``download``, can be fetched into
    it; else ``("mse", None, ...)``: the paper's SRGAN-MSE variant (sec. 3.2, table 1), with a
    one-line note saying why.
    """
    cached = vgg19_weights_cached()
    if cached is None and download:
        try:
            cached = fetch_vgg19_weights(keras_home(), progress=False)
        except SRLibError:
            cached = None
    if cached is not None:
        return "vgg54", "imagenet", f"content loss: VGG54 with the ImageNet VGG19 weights in {cached}, as in the paper"
    how = "not in Keras' cache and could not be downloaded" if download else "not in Keras' cache (no download asked)"
    return (
        "mse",
        None,
        (
            f"content loss: pixel MSE (the paper's SRGAN-MSE), because the VGG19 ImageNet weights are {how} — for "
            f"VGG54 run 'srlib pack FOLDER' on a connected machine and set KERAS_HOME=FOLDER"
        ),
    )
