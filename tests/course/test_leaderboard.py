"""srlib.course.leaderboard: the chapters' models on one board, persisted per profile, drawn as two panels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from srlib.course import leaderboard
from srlib.errors import SRLibError
from srlib.models.srcnn import SRCNN
from tests.support.synthetic import generated_images


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_RUNS", str(tmp_path))
    return tmp_path


def _val():
    return [(f"im{i}", image) for i, image in enumerate(generated_images(count=2, size=48))]


def test_measure_add_and_read_back_across_chapters(runs):
    val = _val()
    srcnn = leaderboard.measure(SRCNN(n1=8, n2=4), "your SRCNN", "01", 3, val, data="generated")
    assert srcnn.learner and srcnn.scale == 3 and np.isfinite(srcnn.val_psnr) and srcnn.ms_per_mp > 0
    assert srcnn.gflops_per_mp == pytest.approx(2 * (81 * 8 + 25 * 8 * 4 + 25 * 4) / 1e3)  # SRCNN: all on the HR grid
    leaderboard.add(srcnn, "smoke")
    again = leaderboard.measure(SRCNN(n1=8, n2=4), "your SRCNN", "01", 3, val, data="generated")
    other = leaderboard.measure(SRCNN(n1=8, n2=4, f2=1), "your SRCNN 9-1-5", "02", 3, val, data="generated")
    leaderboard.add(again, "smoke")  # the same label, chapter and scale: replaced, not doubled
    board = leaderboard.add(other, "smoke")
    assert [e.label for e in board] == ["your SRCNN", "your SRCNN 9-1-5"]
    assert leaderboard.entries("smoke", scale=3) == board and leaderboard.entries("smoke", scale=4) == []
    assert leaderboard.entries("workshop") == []  # one board per profile
    assert json.loads((runs / "leaderboard-smoke.json").read_text())[1]["chapter"] == "02"


def test_bicubic_and_the_figure(runs):
    val = _val()
    board = [leaderboard.measure(SRCNN(n1=8, n2=4), "your SRCNN", "01", 3, val, data="generated")]
    board.append(
        leaderboard.measure("srcnn-9-5-5", "shipped srcnn-9-5-5", "shipped", 3, val, data="generated", learner=False)
    )
    bicubic = leaderboard.bicubic_psnr(3, val)
    assert board[1].val_psnr > bicubic  # a trained model beats bicubic even on these
    fig = leaderboard.figure(board, bicubic)
    left, right = fig.axes
    assert left.get_xscale() == right.get_xscale() == "log" and "generated" in left.get_ylabel()
    assert len(left.collections) == len(right.collections) == 2
    assert [t.get_text() for t in left.texts if "shipped" in t.get_text()] == ["shipped srcnn-9-5-5"]
    shipped = leaderboard.shipped_entries(3, val[:1], data="generated")
    assert [e.label for e in shipped] == ["shipped srcnn-9-5-5", "shipped fsrcnn", "shipped espcn"]
    assert not any(e.learner for e in shipped)


def test_a_damaged_board_is_a_one_line_error_with_the_fix(runs):
    (runs / "leaderboard-smoke.json").write_text("{not json")
    with pytest.raises(SRLibError, match=r"leaderboard .*leaderboard-smoke.json is damaged .* — delete it"):
        leaderboard.entries("smoke")
