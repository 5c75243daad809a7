"""Layer 4 — models: one small module per architecture, plain Keras layers, no training code.

* :class:`SRCNN` (TPAMI 2016) works on the bicubic-upscaled Y channel (``input_mode = "bicubic"``);
* :class:`FSRCNN` (ECCV 2016) works on the LR Y channel and upsamples itself (``input_mode = "lr"``);
* :func:`pretrained` loads the weights shipped in ``srlib/models/weights``;
  :func:`upscaler_for` turns a model into ``uint8 LR -> uint8 SR``.

Keras/TensorFlow are imported on first use of a name, so ``import srlib.models`` stays cheap.
"""

from __future__ import annotations

import importlib

__all__ = [
    "SRCNN",
    "SRCNN_PRESETS",
    "FSRCNN",
    "FSRCNN_S",
    "ESPCN",
    "SRResNet",
    "PixelShuffle",
    "icnr_initializer",
    "SRGANDiscriminator",
    "interpolate_weights",
    "build_model",
    "pretrained",
    "upscaler_for",
    "load_model",
]

# Imported eagerly (it imports Keras lazily) so that the name `pretrained` is the function, not
# the submodule of the same name, however the submodule is first imported.
from srlib.models.pretrained import build_model, load_model, pretrained, upscaler_for  # noqa: E402

_WHERE = {
    "SRCNN": "srlib.models.srcnn",
    "SRCNN_PRESETS": "srlib.models.srcnn",
    "FSRCNN": "srlib.models.fsrcnn",
    "FSRCNN_S": "srlib.models.fsrcnn",
    "ESPCN": "srlib.models.espcn",
    "SRResNet": "srlib.models.srresnet",
    "PixelShuffle": "srlib.models.pixel_shuffle",
    "icnr_initializer": "srlib.models.pixel_shuffle",
    "SRGANDiscriminator": "srlib.models.discriminator",
    "interpolate_weights": "srlib.models.interpolation",
}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'srlib.models' has no attribute {name!r}")
