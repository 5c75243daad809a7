"""The pretrained name "srgan": an SRResNet generator, loaded like "srresnet", usable by `srlib evaluate`."""

from __future__ import annotations

import importlib
import json

import keras
import numpy as np
import pytest

from srlib.cli.main import main
from srlib.image.io import write_image
from srlib.models import pretrained
from srlib.models.srresnet import SRResNet
from srlib.models.zoo import MODEL_NAMES, build_model
from tests.support.synthetic import generated_images


def batch_norm_layers(model) -> list:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def test_srgan_builds_the_generator_without_batch_norm_unless_asked():
    assert "srgan" in MODEL_NAMES
    generator = build_model("srgan", 4, num_blocks=1, filters=8)
    assert isinstance(generator, SRResNet) and generator.scale == 4
    assert not batch_norm_layers(generator)  # like the shipped SRResNet it starts from
    assert batch_norm_layers(build_model("srgan", 4, num_blocks=1, filters=8, batch_norm=True))


@pytest.fixture
def tiny_srgan_weights(tmp_path, monkeypatch):
    """A tiny SRResNet x4 saved as the shipped srgan_x4.keras of a temporary weights folder."""
    keras.utils.set_random_seed(5)
    generator = SRResNet(4, num_blocks=1, filters=8, batch_norm=False)
    weights_dir = tmp_path / "weights"
    weights_dir.mkdir()
    generator.save(weights_dir / "srgan_x4.keras")
    monkeypatch.setattr(importlib.import_module("srlib.models.zoo"), "WEIGHTS_DIR", weights_dir)
    return generator


def test_pretrained_srgan_loads_srgan_x4(tiny_srgan_weights):
    model = pretrained("srgan", 4)
    assert isinstance(model, SRResNet) and model.scale == 4
    for loaded, saved in zip(model.get_weights(), tiny_srgan_weights.get_weights()):
        np.testing.assert_array_equal(loaded, saved)


def test_srlib_evaluate_accepts_model_srgan(tiny_srgan_weights, tmp_path, capsys):
    folder = tmp_path / "images"
    folder.mkdir()
    for k, image in enumerate(generated_images(count=2, size=48)):
        write_image(folder / f"image{k}.png", image)
    assert main(["evaluate", "--model", "srgan", "--scale", "4", "--data", str(folder), "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("srgan x4 on")
    result = json.loads(out[-1])
    assert [row["name"] for row in result["images"]] == ["image0", "image1"]
    assert np.isfinite(result["psnr"]) and 0 < result["ssim"] <= 1
