"""The setup cell helper: profile check, seeds, report lines, measured run times; every chapter uses it."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from srlib.course import setup as chapter
from srlib.errors import SRLibError
from srlib.profiles import PROFILES
from tools.notebooks import chapters

PARAMETERS_SOURCE = 'import os\nPROFILE = os.environ.get("SRLIB_PROFILE", "workshop")  # "smoke", "workshop" or "full"'


def test_start_reports_and_returns_profile_and_seed(capsys):
    run = chapter.start("0", "Smoke", seed=7)
    assert (run.chapter, run.profile, run.seed, run.device) == ("00", "smoke", 7, "CPU")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Chapter 00 | profile 'smoke' | seed 7"
    assert lines[1].startswith("srlib ") and "NumPy" in lines[1]
    assert any(line.startswith("Expected run time with 'smoke': ") for line in lines)
    assert len(lines) <= 6  # a setup cell, not a log
    assert run.pick(smoke=1, workshop=2, full=3) == 1


def test_start_seeds_python_and_numpy():
    chapter.start("00", "smoke", seed=3, quiet=True)
    first = (random.random(), np.random.rand())
    chapter.start("00", "smoke", seed=3, quiet=True)
    assert (random.random(), np.random.rand()) == first


def test_bad_profile_and_chapter_are_one_line_errors():
    with pytest.raises(SRLibError, match="unknown profile 'quick'"):
        chapter.start("00", "quick")
    with pytest.raises(SRLibError, match="not a chapter number"):
        chapter.start("intro", "smoke")


def test_start_without_tf_does_not_import_tensorflow():
    code = (
        "import sys; from srlib.course.setup import start; start('00', 'smoke', quiet=True); "
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_needs_tf_reports_device_and_warns_without_gpu():
    code = (
        "from srlib.course.setup import start; run = start('01', 'smoke', needs_tf=True); print('DEVICE', run.device)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    out = result.stdout
    assert "TensorFlow 2." in out and "Keras 3." in out
    device = out.split("DEVICE ", 1)[1].strip()
    if device == "CPU":
        warnings = [line for line in out.splitlines() if line.startswith("Warning: no GPU")]
        assert len(warnings) == 1
    else:
        assert device.startswith("GPU: ") and "Warning" not in out
    # TensorFlow's start-up log lines (abseil, oneDNN, cuInit) are kept out of the notebook.
    assert "absl::InitializeLog" not in result.stderr and "cuInit" not in result.stderr


@pytest.mark.slow
def test_needs_tf_seeds_tensorflow_before_the_first_model():
    # Fresh processes: TensorFlow is first imported by start(), and its global generator must be seeded
    # after that import (Keras' initialisers alone would repeat anyway: they draw from Python's generator).
    code = (
        "from srlib.course.setup import start; start('01', 'smoke', seed=5, needs_tf=True, quiet=True); "
        "import tensorflow as tf; print(tf.random.uniform([3]).numpy().tolist())"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and runs[0].startswith("[")


def test_runtimes_round_trip(tmp_path):
    path = tmp_path / "runtimes.json"
    assert chapter.expected_runtime("03", "workshop", path) is None
    chapter.record_runtimes([("03_fsrcnn", 412.34), ("00_introduction", 9.96)], "workshop", path)
    chapter.record_runtimes([("03_fsrcnn", 20.0)], "smoke", path)
    data = json.loads(path.read_text())
    assert list(data) == ["00", "03"] and list(data["03"]) == ["smoke", "workshop"]
    assert chapter.expected_runtime(3, "workshop", path) == pytest.approx(412.3)
    assert chapter.expected_runtime("00", "full", path) is None


@pytest.mark.parametrize(
    "seconds,text",
    [(None, "not yet measured"), (0.2, "about 1 s"), (14.6, "about 15 s"), (412, "about 7 min"), (9000, "about 2.5 h")],
)
def test_format_runtime(seconds, text):
    assert chapter.format_runtime(seconds).startswith(text)


def test_runtimes_file_is_measured_data():
    data = json.loads(chapter.RUNTIMES_FILE.read_text())
    for chapter_id, by_profile in data.items():
        assert re.fullmatch(r"\d\d", chapter_id)
        assert set(by_profile) <= set(PROFILES)
        assert all(seconds > 0 for seconds in by_profile.values())
    assert {"smoke", "workshop"} <= set(data["00"])  # measured for the first chapter


@pytest.mark.parametrize("path", chapters(), ids=[p.stem for p in chapters()])
def test_chapter_follows_the_setup_convention(path):
    """Parameters cell exactly as agreed, then a setup cell calling start() with the chapter's own number."""
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells[0].source == PARAMETERS_SOURCE
    assert code_cells[0].metadata.get("tags") == ["parameters"]
    match = re.search(r"\bstart\(\s*\"(\d\d)\"\s*,\s*PROFILE\b", code_cells[1].source)
    assert match, "the second code cell calls srlib.course.setup.start('NN', PROFILE, ...)"
    assert match.group(1) == path.name[:2]
