"""load_or_fallback never fails offline: the cache, then the shared copy (checked), then a few photos."""

from __future__ import annotations

import numpy as np

from srlib.data import sources
from srlib.image.io import write_image


def test_fallback_to_photos_when_nothing_is_available(tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "cache"))  # an empty cache
    monkeypatch.setenv(sources.SHARED_ENV, str(tmp_path / "no-shared"))
    assert sources.shared_datasets_dir() is None
    loaded = sources.load_or_fallback("Set5", download=False, limit=2)
    assert loaded.is_fallback and loaded.name == "photos" and len(loaded.images) == 2
    assert loaded.note.startswith("Set5 is not available") and "using photos instead" in loaded.note


def test_shared_copy_is_used_first(shared_datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv(sources.SHARED_ENV, str(shared_datasets.parent))
    loaded = sources.load_or_fallback("Set5", download=False)
    assert not loaded.is_fallback and "shared copy" in loaded.note
    assert [name for name, _ in loaded.images] == ["baby", "bird", "butterfly", "head", "woman"]


def test_corrupt_shared_copy_is_skipped(tmp_path, monkeypatch):
    fake = tmp_path / "shared" / "datasets" / "Set5"
    fake.mkdir(parents=True)
    write_image(fake / "baby.png", np.zeros((40, 40, 3), np.uint8))  # fails the manifest check
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv(sources.SHARED_ENV, str(tmp_path / "shared"))
    assert sources.load_or_fallback("Set5", download=False, limit=1).is_fallback
