"""The side-by-side PyTorch benchmark: same networks in both frameworks, and its report and errors.

The PyTorch tests need the optional ``bench`` extra and skip without it (CI does not install it)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from srlib.bench.versus import VERSUS_MODELS, run_versus, versus_report
from srlib.errors import SRLibError

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch (the bench extra) absent")


def test_unknown_models_get_one_line():
    with pytest.raises(SRLibError, match="unknown model 'vdsr'"):
        run_versus(("espcn", "vdsr"))


def test_missing_pytorch_is_named_with_its_fix(monkeypatch):
    from srlib.bench import versus

    monkeypatch.setattr(versus.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SRLibError, match=r"pip install 'srlib\[bench\]'"):
        versus.torch_timings("espcn", 3, 2, 6, 1, 1)


def test_report_has_one_line_per_model_and_the_ratio():
    row = {"model": "espcn", "scale": 3, "batch": 128, "lr_patch": 11, "ratio": 0.83,
           "srlib": {"float32 XLA": 20.0, "float32": 30.0, "bf16": 10.0}, "pytorch": {"fp32": 26.0, "bf16": 12.0}}  # fmt: skip
    report = versus_report({"cpu": "Some CPU, 2 cores", "threads": 2, "rows": [row]})
    assert "Some CPU" in report and "espcn x3, 128 x 11²" in report
    assert "20.0 / 30.0 / 10.0" in report and "26.0 / 12.0" in report and report.splitlines()[2].endswith("0.83")
    row |= {"autotune": "XLA", "autotune_ratio": 1.67}
    line = versus_report({"cpu": "Some CPU, 2 cores", "threads": 2, "rows": [row]}).splitlines()[2]
    assert line.endswith("0.83   autotune: fp32 XLA, 1.67")


@needs_torch
@pytest.mark.parametrize("name", list(VERSUS_MODELS))
def test_pytorch_twins_compute_what_srlib_computes(name):
    import torch

    from srlib.bench.timing import bench_patch_shapes
    from srlib.bench.torch_twins import build_twin, copy_keras_weights
    from srlib.models.zoo import build_model

    _, scale, _, _ = VERSUS_MODELS[name]
    rng = np.random.default_rng(1)
    keras_model = build_model(name, scale)
    keras_model.set_weights([w + rng.normal(0, 0.01, w.shape).astype("float32") for w in keras_model.get_weights()])
    twin = build_twin(name, scale).eval()
    copy_keras_weights(keras_model, twin)
    trainable = sum(int(np.prod(w.shape)) for w in keras_model.trainable_weights)
    assert sum(p.numel() for p in twin.parameters()) == trainable
    shape, _ = bench_patch_shapes(name, scale, lr_patch=6)
    x = rng.random((2, *shape), dtype=np.float32)
    expected = np.asarray(keras_model(x, training=False))
    got = twin(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * float(np.abs(expected).max()))


@needs_torch
def test_subpixel_permutation_matches_depth_to_space():
    import tensorflow as tf
    import torch

    from srlib.bench.torch_twins import subpixel_permutation

    x = np.arange(2 * 3 * 3 * 18, dtype=np.float32).reshape(2, 3, 3, 18)  # 2 output channels at x3
    order = subpixel_permutation(18, 3)
    expected = tf.nn.depth_to_space(x, 3).numpy()
    got = torch.pixel_shuffle(torch.from_numpy(x[..., order]).permute(0, 3, 1, 2), 3).permute(0, 2, 3, 1).numpy()
    np.testing.assert_array_equal(got, expected)
    assert sorted(order) == list(range(18))


@needs_torch
def test_torch_step_prints_both_modes_as_json():
    command = [sys.executable, "-m", "srlib.bench.torch_step", "espcn", "3", "4", "6", "1", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["threads"] == 1 and result["fp32"]["ms_per_step"] > 0 and result["bf16"]["ms_per_step"] > 0
