"""``run_bench`` times both configurations on the paper-sized patches (no timing assertions)."""

from __future__ import annotations

import pytest

from srlib.bench.train_step import bench_patch_shapes, bench_report, run_bench  # noqa: E402
from srlib.errors import SRLibError  # noqa: E402


def test_patch_shapes_follow_the_papers():
    assert bench_patch_shapes("fsrcnn", 3) == ((11, 11, 1), (33, 33, 1))
    assert bench_patch_shapes("srcnn", 3) == ((33, 33, 1), (33, 33, 1))
    with pytest.raises(SRLibError, match="unknown model"):
        bench_patch_shapes("vdsr", 3)


@pytest.mark.parametrize("model, xla", [("fsrcnn", True), ("srcnn", False)])
@pytest.mark.slow
def test_run_bench_reports_both_configurations(model, xla):
    result = run_bench(model, scale=2, batch_size=4, steps=4, steps_per_execution=2)
    assert result["model"] == model and result["steps"] == 4 and result["steps_per_execution"] == 2
    assert result["jit_compile"] is xla
    assert result["ms_per_step"] > 0 and result["naive_ms_per_step"] > 0
    assert result["speedup"] == pytest.approx(result["naive_ms_per_step"] / result["ms_per_step"], rel=0.02)
    assert result["target_shape"] == [22, 22, 1]  # 11x11 LR patches at x2
    report = bench_report(result)
    assert "plain Keras" in report and f"{result['speedup']:.2f}x" in report


def test_run_bench_rejects_bad_sizes():
    with pytest.raises(SRLibError, match="steps"):
        run_bench("fsrcnn", steps=0)


@pytest.mark.slow
def test_bf16_bench_times_a_mixed_model_without_xla():
    result = run_bench("espcn", scale=2, batch_size=4, steps=2, steps_per_execution=2, precision="bf16", lr_patch=6)
    assert result["input_shape"] == [6, 6, 1] and result["target_shape"] == [12, 12, 1]
    assert result["precision"] == "bf16" and result["jit_compile"] is False  # "auto" turns XLA off for bf16
    assert result["ms_per_step"] > 0 and result["naive_ms_per_step"] > 0
    assert "bf16" in bench_report(result).splitlines()[1]
    with pytest.raises(SRLibError, match="precision"):
        run_bench("espcn", scale=2, batch_size=4, steps=2, precision="fp8")


def test_steady_timing_waits_for_two_rounds_that_agree():
    from srlib.bench.train_step import steady_timing

    def rounds(*times):
        values = iter(times)
        return lambda: next(values)

    assert steady_timing(rounds(0.51, 0.50, 0.9)) == (0.50, 2)  # steady at once
    assert steady_timing(rounds(0.51, 0.45, 0.35, 0.34, 0.9)) == (0.34, 4)  # a slow warm-up
    assert steady_timing(rounds(1.0, 2.0, 1.0, 2.0, 1.0), max_rounds=5) == (1.0, 5)  # never steady: stops
    assert steady_timing(rounds(0.7), max_rounds=1) == (0.7, 1)
