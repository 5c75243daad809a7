"""Kill a training run with SIGKILL in a child process, then resume it: the resume tests' scaffolding.

A test writes a child script — :data:`CHILD_PRELUDE` plus its own training code, which
trains into ``run_dir`` and sleeps ``pause`` seconds between checkpoints — and calls
:func:`kill_and_resume`: one child trains uninterrupted (the reference), another is
killed once it has written a checkpoint past step 0, then restarted on the same folder
and run to the end. The test then compares the two run folders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from srlib.train.checkpoint import load_state

__all__ = ["CHILD_PRELUDE", "kill_and_resume"]

REPO = Path(__file__).resolve().parents[2]

# Single-threaded, so the killed and the reference run compute bit-identical updates.
CHILD_PRELUDE = """
import sys, time
import numpy as np
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras
run_dir, pause = sys.argv[1], float(sys.argv[2])
"""


def _start(script: Path, run_dir: Path, pause: float) -> subprocess.Popen:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen(
        [sys.executable, str(script), str(run_dir), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=str(REPO),
    )


def kill_and_resume(
    tmp_path: Path, child_code: str, *, pause: float, steps: int, checkpoint_every: int, timeout: float = 180
) -> tuple[Path, Path, int]:
    """Run ``child_code`` whole and killed-then-resumed; return (reference dir, resumed dir, step killed at).

    Asserts on the way that the kill really happened between checkpoints (a multiple of
    ``checkpoint_every`` strictly between 0 and ``steps``), that both runs finish, and that
    the restarted run says it resumes from the killed run's checkpoint.
    """
    script = tmp_path / "child.py"
    script.write_text(child_code)
    reference_dir, killed_dir = tmp_path / "reference", tmp_path / "killed"
    reference = _start(script, reference_dir, 0.0)
    victim = _start(script, killed_dir, pause)
    checkpoint = killed_dir / "checkpoint.npz"
    deadline = time.monotonic() + timeout
    while victim.poll() is None and time.monotonic() < deadline:
        if checkpoint.exists() and load_state(checkpoint)[1]["step"] > 0:  # written atomically: always readable
            break
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    killed_at = load_state(checkpoint)[1]["step"]
    assert 0 < killed_at < steps and killed_at % checkpoint_every == 0

    output, _ = reference.communicate(timeout=timeout)
    assert reference.returncode == 0, output
    resumed = _start(script, killed_dir, 0.0)
    output, _ = resumed.communicate(timeout=timeout)
    assert resumed.returncode == 0, output
    assert f"resuming at step {killed_at}" in output
    return reference_dir, killed_dir, killed_at
