"""srlib.files: an atomic write replaces the file whole, or leaves the old one and no temporary behind."""

from __future__ import annotations

import json
import os
import stat

import pytest

from srlib.files import atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text


def test_writes_replace_the_file_and_leave_nothing_else(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    atomic_write_json(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    atomic_write_text(tmp_path / "t.txt", "héllo")
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin", "out.json", "t.txt"]


def test_an_error_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target, suffix=".keras") as temporary:
        assert temporary.suffix == ".keras" and temporary.parent == tmp_path
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_a_value_json_cannot_encode_keeps_the_old_file(tmp_path):
    target = tmp_path / "meta.json"
    target.write_text("{}")
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    assert target.read_text() == "{}"


def test_a_new_file_gets_the_umask_s_mode_and_a_replaced_one_keeps_its_own(tmp_path):
    previous = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "new.txt", "a")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable by others, as open() would make it
        path.chmod(0o600)
        atomic_write_text(path, "b")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
