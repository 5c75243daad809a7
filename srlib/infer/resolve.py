"""Which network an upscaler runs: a Keras model, a ``.keras`` file or a shipped model's name.

The facts the upscaler needs come from the model itself: its input channels (1: the Y
channel, as SRCNN/FSRCNN/ESPCN are trained; 3: RGB, as SRResNet is), its ``input_mode``
(``"lr"``, or ``"bicubic"`` for SRCNN, which works on the bicubic-upscaled image) and, when
it declares one, its ``scale``.
"""

from __future__ import annotations

import os
from typing import Any

import keras

from srlib.errors import SRLibError
from srlib.models.zoo import load_model, pretrained

__all__ = ["resolve_model", "model_channels", "model_input_mode", "check_model_scale", "INPUT_MODES"]

INPUT_MODES = ("lr", "bicubic")


def resolve_model(model: Any, scale: int) -> keras.Model:
    """A Keras model from a model, a ``.keras`` path or a shipped name (``"fsrcnn"``) for ``scale``."""
    if isinstance(model, (str, os.PathLike)):
        text = str(model)
        if text.endswith(".keras") or os.path.sep in text:
            return load_model(text)
        return pretrained(text, scale)
    if not isinstance(model, keras.Model):
        raise SRLibError(f"model {model!r} is not a Keras model — give a model, a .keras file or a pretrained name")
    return model


def model_channels(model: keras.Model) -> int:
    """1 (a Y-channel model) or 3 (an RGB model): the model's input channels."""
    channels = model.inputs[0].shape[-1]
    if channels not in (1, 3):
        raise SRLibError(f"model {model.name} takes {channels} channels — srlib upscales with 1 (Y) or 3 (RGB) models")
    return int(channels)


def model_input_mode(model: keras.Model) -> str:
    """``"lr"`` (the model upsamples itself) or ``"bicubic"`` (it refines the bicubic upscaling); default ``"lr"``."""
    mode = getattr(model, "input_mode", "lr")
    if mode not in INPUT_MODES:
        raise SRLibError(f"model {model.name} has input_mode {mode!r} — set it to 'lr' or 'bicubic'")
    return mode


def check_model_scale(model: keras.Model, scale: int) -> None:
    """Fail in one line when the model declares a scale other than ``scale``."""
    declared = getattr(model, "scale", None)
    if declared is not None and int(declared) != int(scale):
        raise SRLibError(f"model {model.name} upscales x{declared}, not x{scale} — use a model trained for x{scale}")
