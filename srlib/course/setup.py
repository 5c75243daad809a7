"""The setup cell every chapter starts with: profile, seeds, versions, device, run time.

A chapter's second code cell is::

    from srlib.course import exercises, start
    run = start("00", PROFILE)            # chapters that train: needs_tf=True

``start`` checks the profile, seeds Python, NumPy and (when it is in use) TensorFlow
(:func:`srlib.seeding.seed_everything`), prints a few lines — versions, the device, the
profile and how long the chapter is expected to take with it — and returns a :class:`ChapterRun`.

Expected run times live in one data file, ``srlib/course/runtimes.json``
(``{chapter: {profile: seconds}}``). They are measured, never guessed:
``python -m tools.notebooks measure notebooks/00_introduction.ipynb`` executes a
chapter with papermill and records the seconds through :func:`record_runtimes`.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from srlib import __version__
from srlib.errors import SRLibError
from srlib.files import atomic_write_json
from srlib.profiles import PROFILES, check_profile, pick
from srlib.quiet import import_tensorflow
from srlib.seeding import DEFAULT_SEED, seed_everything

__all__ = [
    "ChapterRun",
    "start",
    "use_strategy",
    "import_tensorflow",
    "seed_everything",
    "expected_runtime",
    "format_runtime",
    "record_runtimes",
    "RUNTIMES_FILE",
    "DEFAULT_SEED",
]

RUNTIMES_FILE = Path(__file__).resolve().parent / "runtimes.json"


@dataclass(frozen=True)
class ChapterRun:
    """What the setup cell decided: the chapter, its profile and seed, and the device found."""

    chapter: str
    profile: str
    seed: int
    device: str  # "GPU: <name>", "CPU" — "CPU" also when TensorFlow was not asked for
    expected_seconds: float | None  # measured run time for this profile, None if not yet measured
    replicas: int = 1  # devices every model trains on (several GPUs in the full profile: mirrored)

    def pick(self, **choices: Any) -> Any:
        """``run.pick(smoke=1, workshop=20, full=200)``: the value for this run's profile."""
        return pick(self.profile, **choices)


def _chapter_id(chapter: str | int) -> str:
    text = str(chapter).strip()
    if text.isdigit():
        return f"{int(text):02d}"
    raise SRLibError(f"chapter {chapter!r} is not a chapter number — use the notebook's two digits, such as '00'")


def _load_runtimes(path: Path = RUNTIMES_FILE) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise SRLibError(
            f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}) — fix it or re-measure with make course"
        ) from None


def expected_runtime(chapter: str | int, profile: str, path: Path = RUNTIMES_FILE) -> float | None:
    """Measured seconds for ``chapter`` in ``profile`` from ``runtimes.json``, or None if not measured."""
    seconds = _load_runtimes(path).get(_chapter_id(chapter), {}).get(check_profile(profile))
    return None if seconds is None else float(seconds)


def format_runtime(seconds: float | None) -> str:
    """'about 20 s', 'about 3 min', 'about 1.5 h', or 'not yet measured'."""
    if seconds is None:
        return "not yet measured (make course measures it)"
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def record_runtimes(timings: Iterable[tuple[str, float]], profile: str, path: Path = RUNTIMES_FILE) -> dict:
    """Store measured ``(chapter or notebook stem, seconds)`` for ``profile`` in ``runtimes.json``."""
    profile = check_profile(profile)
    data = _load_runtimes(path)
    for name, seconds in timings:
        chapter = _chapter_id(str(name).split("_", 1)[0])
        data.setdefault(chapter, {})[profile] = round(float(seconds), 1)
    ordered = {c: {p: data[c][p] for p in PROFILES if p in data[c]} for c in sorted(data)}
    atomic_write_json(path, ordered)
    return ordered


def _device_report() -> str:
    tf = import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    names = []
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        names.append(details.get("device_name", gpu.name))
    return "GPU: " + ", ".join(names)


_SCOPE: list = []  # the strategy scope use_strategy entered for the rest of the kernel, if any


def use_strategy(strategy) -> int:
    """Build every model from here on under ``strategy`` (a ``tf.distribute`` strategy), for the rest of the
    kernel: the engine then trains data-parallel (:mod:`srlib.train.distribute`). Returns its replicas.

    The chapters' ``full`` profile calls it with ``make_strategy("auto")``: mirrored over all GPUs when
    there are several, nothing otherwise. Called again with the strategy in use, it changes nothing."""
    count = int(strategy.num_replicas_in_sync)
    if count == 1 or (_SCOPE and _SCOPE[0][0] is strategy):
        return count
    if _SCOPE:
        raise SRLibError("another tf.distribute strategy is in use in this kernel — restart the kernel to change it")
    scope = strategy.scope()
    scope.__enter__()  # left open on purpose: the chapter's later cells build their models under it
    _SCOPE.append((strategy, scope))
    return count


def start(
    chapter: str | int,
    profile: str,
    *,
    seed: int = DEFAULT_SEED,
    needs_tf: bool = False,
    quiet: bool = False,
) -> ChapterRun:
    """Set a chapter up and say so in a few lines; returns the run's profile, seed and device.

    ``needs_tf=True`` (chapters that train) imports TensorFlow, seeds it, reports its
    version and the device, and warns in one line when there is no GPU.
    """
    chapter_id = _chapter_id(chapter)
    profile = check_profile(profile)
    seed = int(seed)
    versions = [f"srlib {__version__}", f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    device = "CPU"
    if needs_tf or "tensorflow" in sys.modules:
        tf = import_tensorflow()  # before seeding, so that TensorFlow is seeded too
        versions += [f"TensorFlow {tf.__version__}", f"Keras {sys.modules['keras'].__version__}"]
    seed_everything(seed)
    count = 1
    if needs_tf:
        device = _device_report()
        if profile == "full":  # TensorFlow is loaded by now; a chapter that trains nothing never loads this
            count = use_strategy(importlib.import_module("srlib.train.distribute").make_strategy("auto"))
    expected = expected_runtime(chapter_id, profile)

    if not quiet:
        print(f"Chapter {chapter_id} | profile '{profile}' | seed {seed}")
        print(" | ".join(versions))
        if not needs_tf:
            print("Device: CPU is enough (this chapter trains nothing)")
        elif device == "CPU":
            print(f"Device: CPU (cores: {os.cpu_count()})")
            print(
                "Warning: no GPU found; training runs on the CPU. 'smoke' and 'workshop' are sized for that, 'full' needs a GPU."
            )
        else:
            print(f"Device: {device}")
        if count > 1:
            print(f"Training: mirrored over {count} GPUs; a batch size here is one GPU's (docs/training-at-scale.md)")
        print(f"Expected run time with '{profile}': {format_runtime(expected)}")
    return ChapterRun(chapter=chapter_id, profile=profile, seed=seed, device=device, expected_seconds=expected,
                      replicas=count)  # fmt: skip
