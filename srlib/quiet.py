"""Keep TensorFlow's C++ start-up lines off the terminal, and give them back when they matter.

TensorFlow logs through abseil before abseil is configured, so the lines it writes while
it loads and first probes its devices (the oneDNN notice, "Could not find cuda drivers",
``failed call to cuInit`` on a machine without a GPU, abseil's "All log messages before
absl::InitializeLog()") ignore ``TF_CPP_MIN_LOG_LEVEL``. They go straight to file
descriptor 2. :func:`native_stderr_captured` points that descriptor at a temporary file
for the duration of a ``with`` block and keeps what was written, so the caller can replay
it (``srlib --verbose``, or a crash). Only the standard library is imported at the top:
this module runs before TensorFlow exists in the process.

This is the one place, with :mod:`srlib.cli.main`, that imports TensorFlow inside a function
(:func:`import_tensorflow`): silencing that import is its whole job, and a chapter that trains
nothing must not import TensorFlow at all. Everywhere else, modules import at their top and the
package ``__init__`` files defer loading through ``lazy_loader``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = [
    "QUIET_LOG_LEVEL",
    "Captured",
    "import_tensorflow",
    "native_stderr_captured",
    "probe_tensorflow_devices",
    "quiet_environment",
]

# TensorFlow's own filter for the lines logged after start-up: "2" drops INFO and WARNING.
QUIET_LOG_LEVEL = "2"


class Captured:
    """What the native code wrote to file descriptor 2 inside the block (filled when it ends)."""

    def __init__(self) -> None:
        self.text = ""

    def replay(self) -> None:
        """Write the captured lines to ``sys.stderr`` as they were."""
        if self.text:
            sys.stderr.write(self.text)
            sys.stderr.flush()


@contextmanager
def native_stderr_captured() -> Iterator[Captured]:
    """Send file descriptor 2 to a temporary file inside the block; yield a :class:`Captured` of it.

    Python's own ``sys.stderr`` writes are flushed first so nothing already printed is
    swallowed. The descriptor is restored even when the block raises.
    """
    captured = Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", errors="replace")


def probe_tensorflow_devices() -> None:
    """If TensorFlow is loaded, list its devices now (that first probe logs the cuInit line), and keep its
    Python logger to errors (its retracing notes, which a run building several models provokes, are noise)."""
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None:
        tensorflow.config.list_physical_devices()
        tensorflow.get_logger().setLevel("ERROR")


def quiet_environment() -> None:
    """Ask TensorFlow for warnings-and-errors-only logging, unless the user chose a level."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", QUIET_LOG_LEVEL)


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` and Keras without their start-up lines; returns the ``tensorflow`` module.

    The lines written while TensorFlow imports and first lists its devices (where the cuInit
    error is logged) are captured and dropped; Python errors still propagate normally.
    """
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return sys.modules["tensorflow"]
    quiet_environment()
    with native_stderr_captured():
        import keras  # noqa: F401 (imported here so that its start-up lines are captured too)
        import tensorflow

        probe_tensorflow_devices()
    return tensorflow
