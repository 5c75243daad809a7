"""The installed ``srlib`` command, run as a learner runs it: no TensorFlow log lines unless ``--verbose``.

Real subprocesses of the console script, with ``TF_CPP_MIN_LOG_LEVEL`` unset as on a
fresh terminal; on a CPU machine TensorFlow would print its oneDNN notice, CUDA stub
notices and a ``failed call to cuInit`` line around every command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from srlib.image.io import write_image
from tests.cli.test_bad_input import huge_png

SRLIB = Path(sys.executable).with_name("srlib")  # the [project.scripts] entry point of this environment


def _srlib(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [str(SRLIB), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


@pytest.fixture
def folder(tmp_path) -> Path:
    """Two small generated HR images."""
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(3)
    for name in ("a", "b"):
        write_image(images / f"{name}.png", rng.integers(0, 256, (36, 30, 3), dtype=np.uint8))
    return images


@pytest.mark.slow
def test_evaluate_prints_its_table_and_nothing_else_unless_verbose(folder, tmp_path):
    argv = ("evaluate", "--model", "bicubic", "--data", str(folder), "--scale", "2", "--json")
    quiet = _srlib(*argv, cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    lines = quiet.stdout.splitlines()
    assert lines[0].startswith("bicubic x2 on ") and [line.split()[0] for line in lines[2:4]] == ["a", "b"]
    assert [row["name"] for row in json.loads(lines[-1])["images"]] == ["a", "b"]

    loud = _srlib("--verbose", *argv, cwd=tmp_path)
    assert loud.returncode == 0 and loud.stdout == quiet.stdout
    assert loud.stderr.strip(), "TensorFlow logged nothing at start-up here, so --verbose had nothing to show"


def test_a_failing_command_prints_exactly_its_one_line_error(tmp_path):
    (tmp_path / "bomb").mkdir()
    huge = huge_png(tmp_path / "bomb" / "huge.png")
    done = _srlib("evaluate", "--model", "bicubic", "--data", str(huge.parent), "--scale", "2", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"srlib: error: cannot read image {huge}: ") and "decompression-bomb limit" in lines[0]
