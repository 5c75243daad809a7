"""The VGG19 ImageNet weights that SRGAN's perceptual loss needs (Ledig et al. 2017, Sec. 2.2.2).

Keras downloads them on first use of ``keras.applications.VGG19(weights="imagenet")``
from a fixed Google Cloud Storage URL into ``$KERAS_HOME/models`` (default
``~/.keras/models``) and checks their md5 there. This module only says where that
file is and fetches it through that same Keras call, so a classroom folder filled
here is exactly what Keras finds later with ``KERAS_HOME`` pointed at it.

Keras reads ``KERAS_HOME`` once, when it is imported, so fetching into another
folder runs in a child Python process with ``KERAS_HOME`` set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from srlib.errors import SRLibError

__all__ = [
    "VGG19_NOTOP_FILE",
    "keras_home",
    "vgg19_weights_file",
    "vgg19_weights_cached",
    "fetch_vgg19_weights",
]

# The name keras.applications.vgg19 gives the file (include_top=False) in Keras 3.
VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


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


def fetch_vgg19_weights(home: str | os.PathLike, *, timeout: float = 900.0) -> Path:
    """Have Keras download (or re-check) the VGG19 weights into ``home/models``; return the file.

    The child process builds ``VGG19(include_top=False, weights="imagenet")``: Keras
    downloads the file if absent, checks its md5 and loads it, so success means the
    file is usable. A failure (offline, damaged file) is one SRLibError line.
    """
    home = Path(home).expanduser().resolve()
    (home / "models").mkdir(parents=True, exist_ok=True)
    if not os.access(home, os.W_OK):
        # Keras would silently use /tmp/.keras instead of a read-only KERAS_HOME.
        raise SRLibError(f"{home} is not writable, so Keras would not store the VGG19 weights there — choose a writable folder")
    existed = vgg19_weights_file(home).is_file()
    env = {**os.environ, "KERAS_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        try:
            subprocess.run(
                [sys.executable, "-m", "srlib.models.vgg_weights", str(result_file)],
                env=env, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise SRLibError(f"VGG19 weights: Keras did not finish within {timeout:.0f} s — {_hint(home)}") from None
        try:
            result = json.loads(result_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = {"ok": False, "error": "the Keras process stopped without a result (out of memory?)"}
    if result.get("ok"):
        return vgg19_weights_file(home)
    detail = result.get("error", "unknown error")
    if existed:
        raise SRLibError(
            f"VGG19 weights in {home / 'models'} do not match Keras' checksum and could not be fetched again "
            f"({detail}) — {_hint(home)}"
        )
    raise SRLibError(f"cannot download the VGG19 ImageNet weights through Keras ({detail}; offline?) — {_hint(home)}")


def _child(result_file: str) -> int:
    """Run in the child process: let Keras fetch, check and load the weights; write the outcome as JSON."""
    try:
        import keras

        keras.applications.VGG19(include_top=False, weights="imagenet")
        outcome = {"ok": True}
    except Exception as exc:  # any failure becomes one line for the parent's message
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {lines[-1] if lines else ''}"}
    Path(result_file).write_text(json.dumps(outcome), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover - run by fetch_vgg19_weights in a child process
    sys.exit(_child(sys.argv[1]))
