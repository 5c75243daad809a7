"""Resumable training state, written atomically: weights, optimizer slots, step, history.

One ``checkpoint.npz`` per run directory holds everything needed to continue a run
exactly where it stopped: named groups of arrays — a supervised model's ``weight`` and
``optimizer`` (Adam's moments and its iteration counter); SRGAN's two networks, two
optimizers and learning-rate factor — and a JSON record of the epoch, the step (which
is also the data position), the best validation PSNR and the history so far. Files
are written to a temporary name in the same directory and renamed with
``os.replace``, so a process killed mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from srlib.errors import SRLibError
from srlib.files import atomic_path

__all__ = [
    "CHECKPOINT_NAME",
    "BEST_MODEL_NAME",
    "model_identity",
    "save_state",
    "load_state",
    "check_identity",
    "save_model",
]

CHECKPOINT_NAME = "checkpoint.npz"
BEST_MODEL_NAME = "best.keras"


def model_identity(model, scale: int) -> dict:
    """What a checkpoint must match to be resumed: model class, its configuration and the scale."""
    config = {k: v for k, v in model.get_config().items() if k not in ("name", "trainable", "dtype")}
    # JSON round trip so tuples and lists compare equal after loading.
    return json.loads(json.dumps({"model": type(model).__name__, "config": config, "scale": int(scale)}, default=str))


def save_state(path: str | os.PathLike, state: Mapping[str, Sequence], meta: dict[str, Any]) -> Path:
    """Write ``state`` (group name -> list of arrays, e.g. ``{"weight": ..., "optimizer": ...}``) and ``meta`` atomically.

    Array ``k`` of group ``g`` is stored as ``g_000k``; ``meta`` must be JSON-able.
    """
    path = Path(path)
    arrays = {
        f"{group}_{i:04d}": np.asarray(value) for group, values in state.items() for i, value in enumerate(values)
    }
    arrays["meta"] = np.array(json.dumps(meta))
    with _disk_full_is_one_line(path), atomic_path(path, ".npz") as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    return path


@contextlib.contextmanager
def _disk_full_is_one_line(path: Path):
    """A full disk (or quota) while writing ``path``: one line saying the previous file is kept."""
    try:
        yield
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise SRLibError(
            f"no space left on the device to write {path}; the previous {path.name} is kept — "
            "free some space and run the same command again to resume"
        ) from error


def load_state(path: str | os.PathLike) -> tuple[dict[str, list[np.ndarray]], dict[str, Any]]:
    """Read ``(state, meta)`` written by :func:`save_state`; each group's arrays in their saved order."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            state: dict[str, list[np.ndarray]] = {}
            for key in sorted(k for k in data.files if k != "meta"):
                state.setdefault(key.rsplit("_", 1)[0], []).append(data[key])
            meta = json.loads(str(data["meta"]))
    except Exception as error:
        raise SRLibError(
            f"checkpoint {path} is unreadable ({type(error).__name__}) — delete it or use another run_dir"
        ) from error
    return state, meta


def check_identity(path: Path, meta: dict, expected: dict) -> None:
    """Refuse (one line, nothing overwritten) a checkpoint made by another model or scale."""
    found = meta.get("identity", {})
    if found != expected:

        def describe(identity: dict) -> str:
            config = ", ".join(f"{k}={v}" for k, v in sorted(identity.get("config", {}).items()))
            return f"{identity.get('model', '?')}({config}) x{identity.get('scale', '?')}"

        raise SRLibError(
            f"run_dir {path.parent} holds a checkpoint of {describe(found)}, not {describe(expected)} — "
            f"use another run_dir or delete {path.name} to start over"
        )


def save_model(model, path: str | os.PathLike) -> Path:
    """``model.save`` in Keras' native format, atomically (Keras wants the name to end in .keras)."""
    path = Path(path)
    with _disk_full_is_one_line(path), atomic_path(path, ".keras") as tmp:
        model.save(tmp)
    return path
