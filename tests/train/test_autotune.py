"""srlib.train.autotune: XLA or not, timed once per CPU and model, remembered; a bad or stale cache is re-timed.

No assertion here depends on which configuration is faster: the real timing runs once (its result
is only checked for being a choice that is remembered), the choice logic is checked with given timings.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from srlib.data.steady import steady_input
from srlib.train import autotune


def _model():
    return keras.Sequential(
        [
            keras.Input((None, None, 1)),
            keras.layers.Conv2D(4, 3, padding="same"),
            keras.layers.Conv2D(1, 3, padding="same"),
        ],
        name="tiny",
    )


def _data(start_step=0):
    rng = np.random.default_rng(start_step)
    batch = (rng.random((4, 8, 8, 1), dtype=np.float32), rng.random((4, 8, 8, 1), dtype=np.float32))
    return steady_input(tf.data.Dataset.from_tensors(batch).repeat())


@pytest.fixture
def tune_file(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "autotune.json"
    monkeypatch.setenv("SRLIB_TUNE_FILE", str(path))
    monkeypatch.delenv("SRLIB_TUNE", raising=False)
    return path


def _given(monkeypatch, xla_ms: float, graph_ms: float) -> list:
    calls = []

    def timed(model, jit_compile, dataset, steps_per_execution, compile_model):
        calls.append(jit_compile)
        return xla_ms if jit_compile else graph_ms

    monkeypatch.setattr(autotune, "_ms_per_step", timed)
    return calls


def test_the_real_timing_chooses_once_and_the_choice_is_reused(tune_file, monkeypatch, capsys):
    choice = autotune.tuned_jit_compile(_model(), "auto", _data, 2, total_steps=10_000)
    assert isinstance(choice, bool)
    (entry,) = json.loads(tune_file.read_text()).values()
    assert entry["xla"] is choice and entry["version"] == autotune.TUNE_VERSION and entry["ms_xla"] > 0
    assert capsys.readouterr().out.startswith("autotune: tiny trains with")
    calls = _given(monkeypatch, 1.0, 2.0)  # would choose XLA if it timed again
    assert autotune.tuned_jit_compile(_model(), "auto", _data, 2, total_steps=10_000) is choice and calls == []


@pytest.mark.parametrize("xla_ms, graph_ms, expected", [(10.0, 20.0, True), (30.0, 20.0, False)])
def test_the_faster_configuration_wins(tune_file, monkeypatch, xla_ms, graph_ms, expected):
    calls = _given(monkeypatch, xla_ms, graph_ms)
    assert autotune.tuned_jit_compile(_model(), "auto", _data(), 2, total_steps=10_000) is expected
    assert sorted(calls) == [False, True]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_a_damaged_file_is_timed_again_and_rewritten(tune_file, monkeypatch, content):
    tune_file.parent.mkdir(parents=True)
    tune_file.write_text(content)
    calls = _given(monkeypatch, 10.0, 20.0)
    assert autotune.tuned_jit_compile(_model(), "auto", _data, 2, total_steps=10_000) is True and len(calls) == 2
    assert list(json.loads(tune_file.read_text()).values())[0]["xla"] is True


def test_a_stale_entry_is_timed_again_and_other_entries_are_kept(tune_file, monkeypatch):
    model = _model()
    key = autotune.tuning_key(model, (4, 8, 8, 1), (4, 8, 8, 1), 2)
    tune_file.parent.mkdir(parents=True)
    tune_file.write_text(
        json.dumps({key: {"version": 0, "xla": True}, "another CPU | ...": {"version": 1, "xla": True}})
    )
    calls = _given(monkeypatch, 30.0, 20.0)
    assert autotune.tuned_jit_compile(model, "auto", _data, 2, total_steps=10_000) is False and len(calls) == 2
    entries = json.loads(tune_file.read_text())
    assert entries[key]["xla"] is False and entries[key]["version"] == autotune.TUNE_VERSION
    assert "another CPU | ..." in entries


def test_the_key_names_cpu_tensorflow_model_precision_and_shapes():
    key = autotune.tuning_key(_model(), (4, 8, 8, 1), (4, 8, 8, 1), 2)
    assert f"TF {tf.__version__}" in key and "Sequential tiny" in key and "float32" in key
    assert "(4, 8, 8, 1) -> (4, 8, 8, 1)" in key and "cores" in key


def test_no_tuning_when_off_short_explicit_or_trained_by_itself(tune_file, monkeypatch):
    calls = _given(monkeypatch, 10.0, 20.0)
    assert autotune.tuned_jit_compile(_model(), True, _data, 2, total_steps=10_000) is True
    assert autotune.tuned_jit_compile(_model(), False, _data, 2, total_steps=10_000) is False
    assert autotune.tuned_jit_compile(_model(), "auto", _data, 2, total_steps=autotune.MIN_RUN_STEPS - 1) == "auto"

    class TrainsItself(keras.Model):
        def compile_for_training(self, **options):
            pass

    assert autotune.tuned_jit_compile(TrainsItself(), "auto", _data, 2, total_steps=10_000) == "auto"
    monkeypatch.setenv("SRLIB_TUNE", "off")
    assert autotune.tuned_jit_compile(_model(), "auto", _data, 2, total_steps=10_000) == "auto"
    assert calls == [] and not tune_file.exists()


def test_an_unwritable_cache_still_gives_the_choice(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("SRLIB_TUNE_FILE", str(blocker / "autotune.json"))  # its folder is a file
    monkeypatch.delenv("SRLIB_TUNE", raising=False)
    _given(monkeypatch, 10.0, 20.0)
    assert autotune.tuned_jit_compile(_model(), "auto", _data, 2, total_steps=10_000) is True
