"""Model names, loading (.keras) and the ``uint8 LR -> uint8 SR`` upscaler the evaluation uses.

``pretrained("fsrcnn", scale=3)`` loads the weights shipped in ``srlib/models/weights``
(made by ``scripts/train_pretrained.py``; their recipe and measured PSNR sit next to
them in a JSON file), offline. Keras is imported inside the functions, so importing
this module is cheap.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from srlib.errors import SRLibError

__all__ = ["MODEL_NAMES", "WEIGHTS_DIR", "build_model", "load_model", "pretrained", "pretrained_info", "upscaler_for"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MODEL_NAMES = ("fsrcnn", "fsrcnn-s", "srcnn", "srcnn-9-1-5", "srcnn-9-5-5", "espcn", "srresnet", "srgan")
ARCHITECTURE_MODULES = tuple(
    f"srlib.models.{name}" for name in ("srcnn", "fsrcnn", "pixel_shuffle", "espcn", "srresnet")
)


def build_model(name: str, scale: int, channels: int = 1, **kwargs: Any):
    """A freshly initialised model by course name: ``fsrcnn``, ``fsrcnn-s``, ``srcnn`` (= 9-5-5), ``srcnn-9-1-5``,
    ``espcn`` (Y), ``srresnet`` or ``srgan`` (RGB: ``channels`` does not apply).

    ``srgan`` is SRGAN's generator: an SRResNet (Ledig et al. 2017, sec. 2.2), here without batch
    norm (``batch_norm=False`` unless given) like the shipped SRResNet it is fine-tuned from."""
    key = str(name).strip().lower()
    if key == "fsrcnn":
        from srlib.models.fsrcnn import FSRCNN

        return FSRCNN(scale, channels=channels, **kwargs)
    if key == "fsrcnn-s":
        from srlib.models.fsrcnn import FSRCNN_S

        return FSRCNN_S(scale, channels=channels, **kwargs)
    if key in ("srcnn", "srcnn-9-5-5", "srcnn-9-1-5", "srcnn-9-3-5"):
        from srlib.models.srcnn import SRCNN

        return SRCNN.preset("9-5-5" if key == "srcnn" else key[len("srcnn-") :], channels=channels, **kwargs)
    if key == "espcn":
        from srlib.models.espcn import ESPCN

        return ESPCN(scale, channels=channels, **kwargs)
    if key == "srresnet":
        from srlib.models.srresnet import SRResNet

        return SRResNet(scale, **kwargs)
    if key == "srgan":
        from srlib.models.srresnet import SRResNet

        return SRResNet(scale, **{"batch_norm": False, **kwargs})
    raise SRLibError(f"unknown model {name!r} — use one of {', '.join(MODEL_NAMES)}")


def load_model(path: str | os.PathLike):
    """Load a model saved with ``model.save("x.keras")`` (srlib's classes are registered; no custom_objects)."""
    import keras

    # Importing the architecture modules registers their classes with Keras' serialisation.
    for module in ARCHITECTURE_MODULES:
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)

    path = Path(path)
    if not path.is_file():
        raise SRLibError(f"model file {path} does not exist — give a .keras file saved by srlib")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # a corrupt or foreign file: say which, in one line
        raise SRLibError(f"cannot load model {path}: {type(error).__name__}: {error}") from error


def _weights_file(name: str, scale: int) -> Path:
    return WEIGHTS_DIR / f"{str(name).strip().lower()}_x{int(scale)}.keras"


def pretrained(name: str, scale: int):
    """The shipped pretrained model ``name`` (``"fsrcnn"``, ``"srcnn"``, ``"srresnet"``, ``"srgan"``) for ``scale``, loaded offline.

    ``"srgan"`` is an SRResNet generator (same class as ``"srresnet"``) fine-tuned adversarially."""
    key = "srcnn-9-5-5" if str(name).strip().lower() == "srcnn" else str(name).strip().lower()
    path = _weights_file(key, scale)
    if not path.is_file():
        available = sorted(p.stem for p in WEIGHTS_DIR.glob("*.keras"))
        raise SRLibError(
            f"no pretrained weights for {name!r} x{scale} — available: {', '.join(available) or 'none'}; "
            f"train them with scripts/train_pretrained.py"
        )
    return load_model(path)


def pretrained_info(name: str, scale: int) -> dict:
    """The recipe and measured results recorded beside the shipped weights (``{}`` if none)."""
    key = "srcnn-9-5-5" if str(name).strip().lower() == "srcnn" else str(name).strip().lower()
    path = _weights_file(key, scale).with_suffix(".json")
    return json.loads(path.read_text()) if path.is_file() else {}


def _resolve(model_or_name: Any, scale: int):
    if isinstance(model_or_name, (str, os.PathLike)):
        text = str(model_or_name)
        if text.endswith(".keras") or os.path.sep in text:
            return load_model(text)
        return pretrained(text, scale)
    return model_or_name  # already a Keras model


def upscaler_for(model_or_name: Any, scale: int) -> Callable[[np.ndarray], np.ndarray]:
    """A function ``uint8 LR image -> uint8 SR image`` (``scale`` times larger) running the model.

    ``model_or_name`` is a pretrained name (``"fsrcnn"``), a ``.keras`` path or a Keras
    model. For Y-channel models (SRCNN/FSRCNN sec. 4: "only the luminance channel")
    the network upscales Y of MATLAB's ``rgb2ycbcr``; Cb and Cr are upscaled with
    MATLAB bicubic, then converted back to RGB. A grayscale image goes through the
    network on its one channel. Models whose ``input_mode`` is ``"bicubic"`` (SRCNN)
    get the bicubic-upscaled input, the others the LR image itself.
    """
    import keras

    from srlib.image.color import rgb2ycbcr, ycbcr2rgb
    from srlib.image.resize import imresize

    model = _resolve(model_or_name, scale)
    scale = int(scale)
    input_mode = getattr(model, "input_mode", "lr")
    model_scale = getattr(model, "scale", None)
    if model_scale is not None and int(model_scale) != scale:
        raise SRLibError(f"model {model.name} upscales x{model_scale}, not x{scale} — use a model trained for x{scale}")
    channels = int(model.inputs[0].shape[-1])

    def run(planes: np.ndarray) -> np.ndarray:
        """Network on float (H, W, C) planes on 0..255; returns float (sH, sW, C) on 0..255."""
        if input_mode == "bicubic":
            planes = imresize(planes, scale)
        x = np.ascontiguousarray(planes[None], dtype=np.float32) / 255.0
        return keras.ops.convert_to_numpy(model(x, training=False))[0].astype(np.float64) * 255.0

    def upscale(lr: np.ndarray) -> np.ndarray:
        lr = np.asarray(lr)
        if lr.dtype != np.uint8:
            raise SRLibError(f"upscaler: expected a uint8 image, got {lr.dtype}")
        squeeze = lr.ndim == 2
        image = lr[..., None] if squeeze else lr
        if image.ndim != 3 or image.shape[-1] not in (1, 3):
            raise SRLibError(f"upscaler: expected an (H, W), (H, W, 1) or (H, W, 3) image, got shape {lr.shape}")
        planes = image.astype(np.float64)
        if channels == 1 and image.shape[-1] == 3:
            ycbcr = rgb2ycbcr(planes)
            y = run(ycbcr[..., :1])
            cbcr = imresize(ycbcr[..., 1:], scale)
            sr = ycbcr2rgb(np.concatenate([y, cbcr], axis=-1))
        elif channels == image.shape[-1]:
            sr = run(planes)
        elif channels == 3:  # an RGB model on a grayscale image: replicate, then average back
            sr = run(np.repeat(planes, 3, axis=-1)).mean(axis=-1, keepdims=True)
        else:
            raise SRLibError(f"model {model.name} expects {channels} channels, image has {image.shape[-1]}")
        sr = np.clip(np.floor(sr + 0.5), 0, 255).astype(np.uint8)
        return sr[..., 0] if squeeze else sr

    upscale.model = model  # type: ignore[attr-defined]
    upscale.scale = scale  # type: ignore[attr-defined]
    return upscale
