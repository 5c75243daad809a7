"""The bicubic row of the published table, reproduced with the papers' protocol."""

from __future__ import annotations

import json

import pytest

from srlib.cli.main import main
from srlib.eval.protocol import bicubic_upscaler, evaluate_model
from srlib.image.io import list_images, read_image

PUBLISHED = {  # (dataset, scale): (PSNR, SSIM) from ../shared/reference/published_results.md
    ("Set5", 2): (33.66, 0.9299),
    ("Set5", 3): (30.39, 0.8682),
    ("Set5", 4): (28.42, 0.8104),
    ("Set14", 2): (30.24, 0.8688),
    ("Set14", 3): (27.55, 0.7742),
    ("Set14", 4): (26.00, 0.7027),
}


@pytest.mark.parametrize("dataset,scale", sorted(PUBLISHED))
def test_bicubic_reproduces_published_table(shared_datasets, dataset, scale):
    folder = shared_datasets / dataset
    images = [(p.stem, read_image(p)) for p in list_images(folder)]
    result = evaluate_model(bicubic_upscaler(scale), images, scale)
    psnr, ssim = PUBLISHED[(dataset, scale)]
    # The table rounds to 0.01 dB / 0.0001; allow 0.02 dB and 0.001 as the issue asks.
    assert abs(result.mean("psnr") - psnr) <= 0.02
    assert abs(result.mean("ssim") - ssim) <= 0.001


def test_cli_json_last_line(shared_datasets, capsys):
    assert (
        main(["evaluate", "--model", "bicubic", "--data", str(shared_datasets / "Set5"), "--scale", "4", "--json"]) == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result) == {"psnr", "ssim", "images"}
    assert [row["name"] for row in result["images"]] == ["baby", "bird", "butterfly", "head", "woman"]
    assert abs(result["psnr"] - 28.42) <= 0.02
