"""srlib.train.precision: bfloat16 training models, float32 copies for shipping."""

from __future__ import annotations

import keras  # noqa: E402
import numpy as np
import pytest

from srlib.errors import SRLibError  # noqa: E402
from srlib.models import build_model  # noqa: E402
from srlib.train.precision import bfloat16_warning, cpu_has_bfloat16, dtype_policy, float32_copy, is_mixed  # noqa: E402


def test_dtype_policy_applies_inside_the_block_and_restores_after():
    before = keras.config.dtype_policy().name
    with dtype_policy("bf16"):
        model = build_model("espcn", 3)
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == before
    assert is_mixed(model)
    assert all(w.dtype == "float32" for w in model.weights)  # variables stay float32
    assert not is_mixed(build_model("espcn", 3))


def test_dtype_policy_restores_after_an_error():
    before = keras.config.dtype_policy().name
    with pytest.raises(RuntimeError), dtype_policy("bf16"):
        raise RuntimeError("inside")
    assert keras.config.dtype_policy().name == before


def test_unknown_precision_is_a_clear_error():
    with pytest.raises(SRLibError, match="float16.*bf16"), dtype_policy("float16"):
        pass


@pytest.mark.parametrize("name,scale", [("espcn", 3), ("fsrcnn", 2), ("srresnet", 4)])
def test_float32_copy_has_the_same_weights_and_runs_in_float32(name, scale):
    keras.utils.set_random_seed(1)
    options = {"num_blocks": 2, "filters": 8, "batch_norm": False} if name == "srresnet" else {}
    with dtype_policy("bf16"):
        mixed = build_model(name, scale, **options)
    copy = float32_copy(mixed)
    assert copy is not mixed and not is_mixed(copy) and type(copy) is type(mixed)
    for a, b in zip(mixed.get_weights(), copy.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).random((1, 12, 12, mixed.input_shape[-1]), dtype=np.float32)
    low, full = np.asarray(mixed(x), dtype=np.float32), np.asarray(copy(x))
    assert full.dtype == np.float32 and keras.backend.standardize_dtype(mixed(x).dtype) == "bfloat16"
    assert np.abs(low - full).max() < 0.05 * max(1.0, np.abs(full).max())  # same network, rounder arithmetic
    assert float32_copy(copy) is copy  # already float32: nothing to do


def test_cpu_has_bfloat16_reads_the_flags(tmp_path):
    with_amx, without = tmp_path / "amx", tmp_path / "plain"
    with_amx.write_text("processor : 0\nflags : fpu sse avx512f amx_bf16 amx_tile\n")
    without.write_text("processor : 0\nflags : fpu sse avx2\n")
    assert cpu_has_bfloat16(with_amx) and not cpu_has_bfloat16(without)
    assert not cpu_has_bfloat16(tmp_path / "missing")


def test_bfloat16_warning_only_for_bf16_on_a_cpu_without_it(tmp_path):
    without = tmp_path / "plain"
    without.write_text("flags\t\t: fpu sse2 avx2 avx512f\n")
    with_units = tmp_path / "amx"
    with_units.write_text("flags\t\t: fpu avx512f avx512_bf16 amx_bf16\n")
    message = bfloat16_warning("bf16", without, gpus=0)
    assert message.startswith("warning: --precision bf16 on a CPU without bfloat16 units") and "\n" not in message
    assert bfloat16_warning("bf16", with_units, gpus=0) is None
    assert bfloat16_warning("bf16", without, gpus=1) is None  # a GPU brings its own bfloat16
    assert bfloat16_warning("float32", without, gpus=0) is None
    with pytest.raises(SRLibError, match="precision 'fp8' is not one of"):
        bfloat16_warning("fp8", without, gpus=0)
