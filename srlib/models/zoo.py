"""Model names: building a fresh model, loading a ``.keras`` file, the shipped pretrained weights.

``pretrained("fsrcnn", scale=3)`` loads the weights shipped in ``srlib/models/weights``
(their recipe and measured PSNR sit next to them in a JSON file), offline. Running a model
on an image is :func:`srlib.infer.upscaler_for`'s job.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import keras

from srlib.errors import SRLibError

# Importing the architectures also registers their classes with Keras' serialisation, for load_model.
from srlib.models.espcn import ESPCN
from srlib.models.fsrcnn import FSRCNN, FSRCNN_S
from srlib.models.srcnn import SRCNN
from srlib.models.srresnet import SRResNet

__all__ = ["MODEL_NAMES", "WEIGHTS_DIR", "build_model", "load_model", "pretrained", "pretrained_info"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MODEL_NAMES = ("fsrcnn", "fsrcnn-s", "srcnn", "srcnn-9-1-5", "srcnn-9-5-5", "espcn", "srresnet", "srgan")


def build_model(name: str, scale: int, channels: int = 1, **kwargs: Any):
    """A freshly initialised model by course name: ``fsrcnn``, ``fsrcnn-s``, ``srcnn`` (= 9-5-5), ``srcnn-9-1-5``,
    ``espcn`` (Y), ``srresnet`` or ``srgan`` (RGB: ``channels`` does not apply).

    ``srgan`` is SRGAN's generator: an SRResNet (Ledig et al. 2017, sec. 2.2), here without batch
    norm (``batch_norm=False`` unless given) like the shipped SRResNet it is fine-tuned from."""
    key = str(name).strip().lower()
    if key == "fsrcnn":
        return FSRCNN(scale, channels=channels, **kwargs)
    if key == "fsrcnn-s":
        return FSRCNN_S(scale, channels=channels, **kwargs)
    if key in ("srcnn", "srcnn-9-5-5", "srcnn-9-1-5", "srcnn-9-3-5"):
        return SRCNN.preset("9-5-5" if key == "srcnn" else key[len("srcnn-") :], channels=channels, **kwargs)
    if key == "espcn":
        return ESPCN(scale, channels=channels, **kwargs)
    if key == "srresnet":
        return SRResNet(scale, **kwargs)
    if key == "srgan":
        return SRResNet(scale, **{"batch_norm": False, **kwargs})
    raise SRLibError(f"unknown model {name!r} — use one of {', '.join(MODEL_NAMES)}")


def load_model(path: str | os.PathLike):
    """Load a model saved with ``model.save("x.keras")`` (srlib's classes are registered; no custom_objects)."""
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
            "train one with 'srlib train RECIPE' (the course repository's recipes/ has one per shipped weight)"
        )
    return load_model(path)


def pretrained_info(name: str, scale: int) -> dict:
    """The recipe and measured results recorded beside the shipped weights (``{}`` if none)."""
    key = "srcnn-9-5-5" if str(name).strip().lower() == "srcnn" else str(name).strip().lower()
    path = _weights_file(key, scale).with_suffix(".json")
    return json.loads(path.read_text()) if path.is_file() else {}
