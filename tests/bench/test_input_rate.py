"""``srlib bench --input-data``: real patches against one synthetic batch, in alternating rounds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from srlib.bench.input_rate import input_rate_report, run_input_bench
from srlib.cli.main import main


@pytest.fixture
def photo_folder(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(3):
        Image.fromarray(rng.integers(0, 256, (40 + 3 * k, 37, 3), dtype=np.uint8)).save(tmp_path / f"p{k}.png")
    return tmp_path


@pytest.mark.parametrize("model, scale, lr_patch", [("fsrcnn", 3, 5), ("srcnn", 2, 6)])
def test_input_bench_times_both_inputs_with_the_engines_step(photo_folder, model, scale, lr_patch):
    result = run_input_bench(str(photo_folder), model, scale, batch_size=4, lr_patch=lr_patch, steps=2, rounds=2)
    assert result["images"] == 3 and result["rounds"] == 2 and result["steps"] == 2
    assert result["real_ms_per_step"] > 0 and result["synthetic_ms_per_step"] > 0 and result["rate_ratio"] > 0
    assert result["target_shape"][:2] == [scale * lr_patch] * 2
    report = input_rate_report(result)
    assert "% of synthetic" in report and "3 images" in report and ("keeps up" in report or "bottleneck" in report)


def test_input_bench_command_prints_json_last_and_bad_input_is_one_line(photo_folder, tmp_path, capsys):
    argv = ["bench", "--input-data", str(photo_folder), "--lr-patch", "5", "--batch-size", "2", "--steps", "1"]
    assert main([*argv, "--rounds", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["model"] == "fsrcnn" and result["data"] == str(photo_folder)
    assert main([*argv, "--rounds", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rounds" in err[0]
    assert main(["bench", "--input-data", str(tmp_path / "missing"), "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing" in err[0]
