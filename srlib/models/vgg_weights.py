"""The VGG19 ImageNet weights that SRGAN's perceptual loss needs (Ledig et al. 2017, sec. 2.2.2).

Keras downloads them on first use of ``keras.applications.VGG19(weights="imagenet")``
from a fixed Google Cloud Storage URL into ``$KERAS_HOME/models`` (default
``~/.keras/models``) and checks their md5 there. This module says where that file is
and fetches it into any Keras home folder (:func:`fetch_vgg19_weights`, for
``srlib pack``) from the same URL, checked against the same md5, so a classroom folder
filled here is exactly what Keras finds later with ``KERAS_HOME`` pointed at it.
"""

from __future__ import annotations

import os
from pathlib import Path

from srlib.data.download import download_file
from srlib.errors import SRLibError

__all__ = [
    "VGG19_NOTOP_FILE",
    "VGG19_NOTOP_URL",
    "VGG19_NOTOP_MD5",
    "keras_home",
    "vgg19_weights_file",
    "vgg19_weights_cached",
    "fetch_vgg19_weights",
]

# The file keras.applications.vgg19 loads for include_top=False in Keras 3: its name, URL and md5.
VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_NOTOP_URL = f"https://storage.googleapis.com/tensorflow/keras-applications/vgg19/{VGG19_NOTOP_FILE}"
VGG19_NOTOP_MD5 = "253f8cb515780f3b799900260a226db6"


def keras_home() -> Path:
    """Keras' cache folder as Keras decides it: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` if home is read-only)."""
    configured = os.environ.get("KERAS_HOME")
    if configured:
        return Path(configured).expanduser()
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def vgg19_weights_file(home: str | os.PathLike | None = None) -> Path:
    """Where Keras keeps the VGG19 no-top ImageNet weights under ``home`` (default :func:`keras_home`)."""
    return (Path(home) if home is not None else keras_home()) / "models" / VGG19_NOTOP_FILE


def vgg19_weights_cached(home: str | os.PathLike | None = None) -> Path | None:
    """The weights file if it is present and not empty, else None (Keras checks its md5 when it loads it)."""
    path = vgg19_weights_file(home)
    return path if path.is_file() and path.stat().st_size > 0 else None


def _hint(home: Path) -> str:
    return (
        f"on a machine with internet run 'srlib pack FOLDER' (or any Keras code that loads VGG19 once) and copy "
        f"{VGG19_NOTOP_FILE} from its ~/.keras/models into {home / 'models'}"
    )


def fetch_vgg19_weights(home: str | os.PathLike, *, progress: bool = True) -> Path:
    """The VGG19 weights in ``home/models``, checked against Keras' md5: kept if they match, else downloaded.

    A download lands under its final name only once complete and matching. A failure
    (offline, a damaged copy that cannot be replaced) is one SRLibError line.
    """
    home = Path(home).expanduser().resolve()
    (home / "models").mkdir(parents=True, exist_ok=True)
    if not os.access(home, os.W_OK):
        # Keras would silently use /tmp/.keras instead of a read-only KERAS_HOME.
        raise SRLibError(
            f"{home} is not writable, so Keras would not store the VGG19 weights there — choose a writable folder"
        )
    target = vgg19_weights_file(home)
    damaged = f" (the copy in {target.parent} does not match Keras' md5)" if target.is_file() else ""
    return download_file(
        VGG19_NOTOP_URL,
        target,
        label=f"the VGG19 ImageNet weights{damaged}",
        hint=_hint(home),
        known_hash=f"md5:{VGG19_NOTOP_MD5}",
        progress=progress,
    )
