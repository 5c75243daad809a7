"""``srlib bench --upscale``: MP/s and peak memory of the upscaler, on tiny images (no timing assertions)."""

from __future__ import annotations

import json

import numpy as np
import psutil
import pytest

from srlib.bench.upscale import (  # noqa: E402
    DEFAULT_UPSCALE_MODELS,
    bench_one_model,
    parse_model_list,
    peak_rss_bytes,
    upscale_bench_report,
)
from srlib.cli.main import main  # noqa: E402
from srlib.errors import SRLibError  # noqa: E402


def test_model_list_parses_pairs_and_the_default():
    assert parse_model_list("FSRCNN:3, srresnet:4") == [("fsrcnn", 3), ("srresnet", 4)]
    assert parse_model_list("default") == list(DEFAULT_UPSCALE_MODELS)
    for bad in ("vdsr:2", "espcn", "espcn:x", " , "):
        with pytest.raises(SRLibError, match="--upscale"):
            parse_model_list(bad)


def test_peak_rss_is_in_bytes_and_at_least_what_is_resident():
    block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
    resident = psutil.Process().memory_info().rss
    # getrusage's KiB (Linux) converted to bytes; the kernel syncs its per-thread counters lazily, hence 4 MiB of slack.
    assert peak_rss_bytes() >= resident - 4 * 2**20 and resident > block.nbytes
    del block


@pytest.mark.slow
def test_one_model_reports_speed_and_memory_for_both_modes():
    rows = [bench_one_model(name, 2, size=20, tile=8, repeats=1) for name in ("espcn", "srresnet")]
    for row in rows:
        assert row["output_megapixels"] == pytest.approx(40 * 40 / 1e6)
        assert row["overlap"] > 0 and row["rule_tile"] >= 16 and row["baseline_rss_mib"] > 0
        for mode in ("untiled", "tiled"):
            figures = row[mode]
            assert figures["mp_per_s"] == pytest.approx(row["output_megapixels"] / figures["seconds"])
            assert figures["peak_rss_mib"] >= row["baseline_rss_mib"]
    assert rows[1]["rule_tile"] < rows[0]["rule_tile"]  # SRResNet's wider layers get smaller tiles
    report = upscale_bench_report(
        {"size": 20, "tile": 8, "repeats": 1, "results": rows, "tensorflow": "2", "cpu_count": 2, "threads": 2}
    )
    assert "espcn x2" in report and "srresnet x2" in report and "tiled 8 MP/s" in report


@pytest.mark.slow
def test_cli_runs_each_model_in_its_own_process_and_prints_json_last(capsys):
    argv = ["bench", "--upscale", "fsrcnn:2", "--size", "16", "--tile", "8", "--repeats", "1", "--json"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["size"] == 16 and result["results"][0]["model"] == "fsrcnn"
    assert result["results"][0]["tiled"]["mp_per_s"] > 0
    assert any(line.startswith("fsrcnn x2") for line in lines[:-1])


def test_cli_bad_input_is_one_line(capsys):
    assert main(["bench", "--upscale", "espcn:2", "--size", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "size" in err[0]
