"""The CLI and the registries reach every architecture of the course."""

from __future__ import annotations

import json

import pytest

from srlib.bench.train_step import bench_patch_shapes
from srlib.cli.main import main
from srlib.models.zoo import MODEL_NAMES, build_model


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_name_builds_and_has_bench_shapes(name):
    kwargs = {"num_blocks": 1, "filters": 8} if name == "srresnet" else {}
    model = build_model(name, 2, **kwargs)
    assert model.count_params() > 0
    inputs, targets = bench_patch_shapes(name, 2, lr_patch=6)
    assert targets[0] == 12 and inputs[-1] == targets[-1]


@pytest.mark.slow
def test_bench_command_prints_json_last(capsys):
    assert main(["bench", "--model", "espcn", "--scale", "2", "--batch-size", "4", "--steps", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["model"] == "espcn" and result["ms_per_step"] > 0 and result["naive_ms_per_step"] > 0
    assert result["precision"] == "float32"
    argv = ["bench", "--model", "espcn", "--scale", "2", "--batch-size", "4", "--steps", "2", "--precision", "bf16"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["precision"] == "bf16"


def test_unknown_bench_model_is_one_line(capsys):
    assert main(["bench", "--model", "vdsr", "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "vdsr" in err[0]
