"""The validation split BSD200-val: registered, read from BSD200, never trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from srlib.cli.main import main
from srlib.data import VALIDATION_SET, held_out_names, load_images, sources, without_held_out
from srlib.data.registry import get_entry, lookup
from srlib.data.splits import split_images
from srlib.errors import SRLibError
from srlib.image.io import write_image


def test_the_split_is_a_registry_entry_of_bsd200_disjoint_from_every_test_set():
    split = get_entry(VALIDATION_SET)
    assert (split.kind, split.split_of, split.role, split.count) == ("split", "BSD200", "validation", 20)
    assert lookup("validation") is split and lookup("val") is split
    parent = get_entry("BSD200")
    assert parent.count == 200 and parent.has_pixel_checksums
    names = {record.name for record in split.images}
    assert names <= {record.name for record in parent.images}
    every_tenth = [record.name for record in parent.images][::10]  # the rule the manifest script applies
    assert sorted(names) == sorted(every_tenth)
    for test_set in ("Set5", "Set14", "BSD100", "Urban100"):
        assert not names & {record.name for record in get_entry(test_set).images}
    assert held_out_names("bsd200") == names and held_out_names("T91") == frozenset()


def test_training_images_leave_the_split_out():
    images = [(name, np.zeros((2, 2, 3), np.uint8)) for name in ("100075", "100080", "108073", "x")]
    assert [name for name, _ in without_held_out("BSD200", images)] == ["100080", "x"]
    assert without_held_out("T91", images) == images  # a set without a split is unchanged


def _fake_parent(folder, entry, *, drop=None, change=None):
    """PNG files named like the split's records; the checksums will not match unless the pixels are the real ones."""
    folder.mkdir(parents=True)
    for index, record in enumerate(entry.images):
        if record.name != drop:
            write_image(folder / f"{record.name}.png", np.full((4, 4, 3), index, np.uint8))
    return folder


def test_a_split_names_the_missing_or_changed_image_and_the_fix(tmp_path):
    entry = get_entry(VALIDATION_SET)
    first = entry.images[0].name
    with pytest.raises(
        SRLibError, match=rf"BSD200-val: .* lacks 1 of its images \({first}.*give a complete copy of BSD200"
    ):
        split_images(entry, _fake_parent(tmp_path / "partial", entry, drop=first))
    with pytest.raises(
        SRLibError, match=r"has other pixels than the split records — replace .* unmodified copy of BSD200"
    ):
        split_images(entry, _fake_parent(tmp_path / "changed", entry))


def test_the_split_loads_from_the_shared_copy_and_training_from_the_rest(shared_datasets, tmp_path, monkeypatch):
    if not (shared_datasets / "BSD200").is_dir():
        pytest.skip("../shared/datasets/BSD200 is not present")
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv(sources.SHARED_ENV, str(shared_datasets.parent))
    val = sources.load_or_fallback("validation", download=False)
    assert (val.name, len(val.images)) == ("validation", 20) and "BSD200" in val.note
    train = sources.load_or_fallback("BSD200", download=False, for_training=True)
    assert len(train.images) == 180 and not {n for n, _ in train.images} & {n for n, _ in val.images}
    assert len(sources.load_or_fallback("BSD200", download=False).images) == 200  # the whole set, if asked
    assert len(sources.load_or_fallback("BSD200", download=False, for_training=True, limit=3).images) == 3
    monkeypatch.setenv("SRLIB_DATA", str(shared_datasets))  # the split found in a data cache holding BSD200
    cached = load_images(VALIDATION_SET)
    assert [n for n, _ in cached] == [n for n, _ in val.images]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(cached, val.images))


def test_srlib_data_verify_checks_the_split_in_its_parent_folder(shared_datasets, capsys):
    if not (shared_datasets / "BSD200").is_dir():
        pytest.skip("../shared/datasets/BSD200 is not present")
    assert main(["data", "verify", "BSD200-val", str(shared_datasets / "BSD200")]) == 0
    assert capsys.readouterr().out.strip().endswith("pixel checksums of all 20 images of the split match")
    assert main(["data", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out.splitlines()[-1])}
    assert rows["BSD200-val"]["role"] == "validation" and rows["BSD200"]["count"] == 200
