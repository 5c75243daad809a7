"""Run folders: outside the repo, resumable across sessions, fresh for smoke."""

from __future__ import annotations

import pytest

from srlib.errors import SRLibError
from srlib.train.runs import run_folder, runs_root


def test_workshop_runs_are_stable_under_srlib_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_RUNS", str(tmp_path / "runs"))
    first = run_folder("01", "srcnn", "workshop")
    assert first == tmp_path / "runs" / "01_srcnn_workshop" and first.is_dir()
    assert run_folder("01", "srcnn", "workshop") == first  # the same folder again: training resumes


def test_default_root_is_inside_the_data_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("SRLIB_RUNS", raising=False)
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "cache"))
    assert runs_root() == tmp_path / "cache" / "runs"


def test_smoke_runs_start_fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_RUNS", str(tmp_path / "runs"))
    a, b = run_folder("02", "fsrcnn", "smoke"), run_folder("02", "fsrcnn", "smoke")
    assert a != b and a.is_dir() and not any(a.iterdir())
    assert not (tmp_path / "runs" / "02_fsrcnn_smoke").exists()


def test_bad_profile_and_unwritable_root(tmp_path, monkeypatch):
    with pytest.raises(SRLibError, match="profile"):
        run_folder("01", "x", "quick")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SRLIB_RUNS", str(blocker / "runs"))
    with pytest.raises(SRLibError, match="SRLIB_RUNS"):
        runs_root()
