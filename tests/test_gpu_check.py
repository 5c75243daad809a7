"""The prepared GPU check (tools/gpu_check.py) and what it relies on, tested on this CPU-only machine."""

from __future__ import annotations

import functools
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from srlib.cli.doctor import gpu_memory_mib
from srlib.data.pipeline import training_dataset
from srlib.errors import SRLibError
from srlib.models.fsrcnn import FSRCNN
from srlib.train.callbacks import PlainProgress
from srlib.train.engine import train
from tests.support.synthetic import generated_images

REPO = Path(__file__).resolve().parents[1]


def test_gpu_memory_comes_from_nvidia_smi_and_is_empty_without_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_memory_mib() == []
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 143771\necho 81559\n")
    smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
    assert gpu_memory_mib() == [143771, 81559]


def test_srlib_max_steps_stops_every_training_early_and_a_bad_value_is_one_line(tmp_path, monkeypatch):
    images = generated_images(count=2, size=40)
    data = functools.partial(training_dataset, images, scale=2, patch_size=16, batch_size=4)
    options = dict(steps=500, scale=2, steps_per_epoch=100, tensorboard=False, jit_compile=False,
                   progress=PlainProgress(stream=io.StringIO()))  # fmt: skip
    monkeypatch.setenv("SRLIB_MAX_STEPS", "6")
    summary = train(FSRCNN(2, d=8, s=4, m=1), data, run_dir=tmp_path / "a", **options)
    assert summary["step"] == 6
    monkeypatch.setenv("SRLIB_MAX_STEPS", "six")
    with pytest.raises(SRLibError, match="SRLIB_MAX_STEPS='six': give a positive number"):
        train(FSRCNN(2, d=8, s=4, m=1), data, run_dir=tmp_path / "b", **options)


def _gpu_check(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "tools.gpu_check", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.mark.slow
def test_without_a_gpu_the_check_says_so_and_writes_nothing(tmp_path):
    done = _gpu_check("--out", str(tmp_path / "report.json"))
    assert done.returncode == 2 and "TensorFlow sees no GPU here" in done.stderr
    assert not (tmp_path / "report.json").exists()


@pytest.mark.slow
def test_the_check_writes_a_json_report_of_timings_within_its_budget(tmp_path):
    report = tmp_path / "report.json"
    done = _gpu_check("--out", str(report), "--allow-cpu", "--models", "fsrcnn", "--precisions", "float32",
                      "--skip", "tests", "chapters", "--budget-s", "200")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(report.read_text())
    assert [(row["xla"], row["ms_per_step"] > 0) for row in result["timings"]] == [(True, True), (False, True)]
    assert result["tests"] == {"skipped": "asked"} and result["devices"]["auto_precision"] == "float32"
