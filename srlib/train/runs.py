"""Where a chapter's training runs keep their checkpoints.

Runs live outside the repository so notebooks stay clean, and survive between
sessions so a learner's rerun *resumes* instead of starting over:
``$SRLIB_RUNS/<chapter>_<name>_<profile>``, with ``$SRLIB_RUNS`` defaulting to
``<data cache>/runs``. The ``smoke`` profile always trains from scratch in a
fresh temporary folder (removed when the Python process ends), so CI really
trains. Timing measurements point ``SRLIB_RUNS`` at an empty folder so that a
finished run left in the cache cannot make a chapter look faster than it is.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from srlib.data.cache import writable_cache_dir, writable_folder
from srlib.profiles import check_profile

__all__ = ["runs_root", "run_folder"]


def runs_root() -> Path:
    """``$SRLIB_RUNS`` if set, else ``runs/`` inside the data cache; created if needed."""
    configured = os.environ.get("SRLIB_RUNS", "").strip()
    root = Path(configured).expanduser() if configured else writable_cache_dir() / "runs"
    return writable_folder(root, "the runs folder", "set SRLIB_RUNS to a writable folder")


def run_folder(chapter: str, name: str, profile: str) -> Path:
    """The checkpoint folder of run ``name`` of ``chapter`` in ``profile`` (fresh and temporary for smoke)."""
    profile = check_profile(profile)
    label = f"{chapter}_{name}"
    if profile == "smoke":
        folder = Path(tempfile.mkdtemp(prefix=f"srlib-{label}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return folder
    folder = runs_root() / f"{label}_{profile}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
