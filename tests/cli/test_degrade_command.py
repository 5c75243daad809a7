"""`srlib degrade` and `srlib evaluate --degradation real`: the same seeded LR images, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from srlib.cli.main import main
from srlib.image.degrade import degrade, image_seed
from srlib.image.io import read_image, write_image
from tests.support.synthetic import generated_images


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "hr"
    data.mkdir()
    for index, image in enumerate(generated_images(count=2, size=64)):
        write_image(data / f"im{index}.png", image)
    return data


def test_degrade_writes_the_lr_that_evaluate_measures(folder, tmp_path, capsys):
    out = tmp_path / "im0_lr.png"
    assert main(["degrade", str(folder / "im0.png"), str(out), "--scale", "4", "--seed", "7"]) == 0
    assert "16x16 (real x4, seed 7 for 'im0')" in capsys.readouterr().out
    hr = read_image(folder / "im0.png")
    np.testing.assert_array_equal(read_image(out), degrade(hr, 4, "real", image_seed("im0", 7)))
    assert main(["degrade", str(folder / "im0.png"), str(out), "--degradation", "bicubic"]) == 0
    np.testing.assert_array_equal(read_image(out), degrade(hr, 4))


def test_evaluate_real_differs_from_bicubic_and_repeats_itself(folder, capsys):
    def mean_psnr(*extra):
        assert main(["evaluate", "--data", str(folder), "--scale", "4", "--json", *extra]) == 0
        out = capsys.readouterr().out
        return json.loads(out.splitlines()[-1])["psnr"], out

    bicubic, text = mean_psnr()
    assert "MATLAB bicubic LR" in text
    real, text = mean_psnr("--degradation", "real", "--seed", "3")
    assert "LR by the real degradation, seed 3" in text
    assert real != pytest.approx(bicubic, abs=0.01) and mean_psnr("--degradation", "real", "--seed", "3")[0] == real
    assert mean_psnr("--degradation", "real", "--seed", "4")[0] != real


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--degradation", "jpeg"], "srlib: error: unknown degradation 'jpeg' — use one of bicubic, real"),
        (["--seed", "-1"], "srlib: error: seed '-1' is not a whole number from 0 to 4294967295 — give e.g. --seed 0"),
        (["--scale", "x"], "srlib: error: --scale 'x' is not a whole number — use 2, 3 or 4"),
    ],
)
def test_bad_names_seeds_and_scales_are_one_line(folder, tmp_path, capsys, argv, message):
    assert main(["degrade", str(folder / "im0.png"), str(tmp_path / "lr.png"), *argv]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [message]
    assert not (tmp_path / "lr.png").exists()


def test_degrade_never_writes_over_its_input(folder, capsys):
    source = folder / "im0.png"
    before = source.read_bytes()
    assert main(["degrade", str(source), str(source)]) == 2
    assert "is the input image — give another output file" in capsys.readouterr().err
    assert source.read_bytes() == before
