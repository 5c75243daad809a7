"""``srlib bench --upscale``: MP/s and peak memory of ``upscale``, on tiny images (no timing assertions)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from srlib.errors import SRLibError  # noqa: E402
from srlib.bench import upscale as upscale_bench  # noqa: E402
from srlib.bench.upscale import (  # noqa: E402
    DEFAULT_UPSCALE_MODELS,
    parse_model_list,
    peak_rss_bytes,
    run_upscale_bench,
    upscale_bench_report,
)
from srlib.cli.main import main  # noqa: E402


def test_model_list_parses_pairs_and_the_default():
    assert parse_model_list("FSRCNN:3, srresnet:4") == [("fsrcnn", 3), ("srresnet", 4)]
    assert parse_model_list("default") == list(DEFAULT_UPSCALE_MODELS)
    for bad in ("vdsr:2", "espcn", "espcn:x", " , "):
        with pytest.raises(SRLibError, match="--upscale"):
            parse_model_list(bad)


def test_peak_rss_follows_a_large_allocation():
    before = peak_rss_bytes()
    block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
    assert peak_rss_bytes() >= before and peak_rss_bytes() > block.nbytes
    del block
    if upscale_bench._reset_peak_rss():  # Linux: the high-water mark drops back to what is resident now
        assert peak_rss_bytes() < before + 32 * 2**20


def test_bench_reports_speed_and_memory_for_both_modes():
    result = run_upscale_bench([("espcn", 2), ("srresnet", 2)], size=20, tile=8, repeats=1, isolate=False)
    assert [(row["model"], row["scale"]) for row in result["results"]] == [("espcn", 2), ("srresnet", 2)]
    for row in result["results"]:
        assert row["output_megapixels"] == pytest.approx(40 * 40 / 1e6)
        assert row["overlap"] > 0 and row["estimated_untiled_mib"] > 0 and row["baseline_rss_mib"] > 0
        for mode in ("untiled", "tiled"):
            figures = row[mode]
            assert figures["mp_per_s"] == pytest.approx(row["output_megapixels"] / figures["seconds"])
            assert figures["peak_rss_mib"] > 0
    report = upscale_bench_report(result)
    assert "espcn x2" in report and "srresnet x2" in report and "tiled 8 MP/s" in report


def test_cli_runs_each_model_in_its_own_process_and_prints_json_last(capsys):
    argv = ["bench", "--upscale", "fsrcnn:2", "--size", "16", "--tile", "8", "--repeats", "1", "--json"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["size"] == 16 and result["isolated"] and result["results"][0]["model"] == "fsrcnn"
    assert result["results"][0]["tiled"]["mp_per_s"] > 0
    assert any(line.startswith("fsrcnn x2") for line in lines[:-1])


def test_cli_bad_input_is_one_line(capsys):
    assert main(["bench", "--upscale", "espcn:2", "--size", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "size" in err[0]
