"""The dataset registry, pixel checksums, folder verification and dataset_path (no network)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import srlib.data as data
from srlib.data.registry import DATASETS, get_entry, load_manifest, lookup
from srlib.data.verify import STAMP_NAME
from srlib.errors import SRLibError
from srlib.image.io import read_image, write_image

REPO = Path(__file__).resolve().parents[2]


def _images(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "alpha": rng.integers(0, 256, (20, 24, 3), dtype=np.uint8),
        "beta": rng.integers(0, 256, (18, 16, 3), dtype=np.uint8),
        "gray": rng.integers(0, 256, (16, 22), dtype=np.uint8),
    }


def _entry(name: str, images: dict[str, np.ndarray], **extra):
    records = [
        {"name": n, "file": f"{n}.png", "shape": list(im.shape), "pixel_sha256": data.pixel_checksum(im)}
        for n, im in images.items()
    ]
    manifest = {"name": name, "description": "test set", "role": "evaluation", "citation": "none",
                "licence": "generated", "images": records, **extra}  # fmt: skip
    return load_manifest(manifest)


def _write(folder: Path, images: dict[str, np.ndarray], suffix: str = ".png") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, image in images.items():
        write_image(folder / f"{name}{suffix}", image)
    return folder


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("SRLIB_DATA", str(root))
    return root


# --- the registry -------------------------------------------------------------------------------


def test_registry_lists_every_dataset_the_course_names():
    names = list(data.registry())
    for name in ["Set5", "Set14", "BSD100", "Urban100", "T91", "General-100", "DIV2K-train", "DIV2K-valid", "photos"]:
        assert name in names
    for entry in DATASETS.values():
        assert entry.citation and entry.licence and entry.description
        assert entry.sources or entry.homepage or entry.kind == "embedded"  # somewhere to get it from


@pytest.mark.parametrize(
    "spelling, name",
    [("set5", "Set5"), ("SET14", "Set14"), ("General-100", "General-100"), ("general100", "General-100"),
     ("div2k-valid", "DIV2K-valid"), ("DIV2K_train", "DIV2K-train"), ("b100", "BSD100"), ("91-image", "T91")],
)  # fmt: skip
def test_names_are_case_and_punctuation_insensitive(spelling, name):
    assert lookup(spelling).name == name


def test_unknown_name_lists_the_registered_ones():
    with pytest.raises(SRLibError, match="unknown dataset 'Set6'.*Set5"):
        get_entry("Set6")


def test_manifests_record_checksums_only_where_measured():
    for name, count in [("Set5", 5), ("Set14", 14), ("T91", 91), ("General-100", 100)]:
        entry = DATASETS[name]
        assert entry.count == count == len(entry.images)
        assert entry.has_pixel_checksums and all(len(i.pixel_sha256) == 64 for i in entry.images)
    bridge = next(i for i in DATASETS["Set14"].images if i.name == "bridge")
    assert len(bridge.shape) == 2  # the grayscale image of Set14
    # Sets the maintainers could not measure: counts (and names where known), no invented hashes.
    for name, count in [("BSD100", 100), ("Urban100", 100), ("DIV2K-train", 800), ("DIV2K-valid", 100)]:
        entry = DATASETS[name]
        assert entry.count == count and not entry.has_pixel_checksums
        assert all(i.pixel_sha256 is None for i in entry.images)
    assert [i.name for i in DATASETS["DIV2K-valid"].images][:2] == ["0801", "0802"]
    div2k = DATASETS["DIV2K-train"].sources[0]
    assert div2k.url.startswith("https://data.vision.ee.ethz.ch/cvl/DIV2K/") and len(div2k.sha256) == 64
    assert not any(s.verified_here for e in DATASETS.values() for s in e.sources)  # honest: no internet here


def test_manifests_ship_inside_the_package():
    manifests = sorted(p.name for p in (REPO / "srlib" / "data" / "manifests").glob("*.json"))
    assert "set5.json" in manifests and len(manifests) == len(DATASETS)


# --- pixel checksums ----------------------------------------------------------------------------


def test_pixel_checksum_depends_on_pixels_not_file_format(tmp_path):
    image = _images()["alpha"]
    write_image(tmp_path / "a.png", image)
    write_image(tmp_path / "a.bmp", image)
    assert (tmp_path / "a.png").read_bytes() != (tmp_path / "a.bmp").read_bytes()
    assert data.pixel_checksum(read_image(tmp_path / "a.png")) == data.pixel_checksum(read_image(tmp_path / "a.bmp"))
    changed = image.copy()
    changed[0, 0, 0] ^= 1
    assert data.pixel_checksum(changed) != data.pixel_checksum(image)


def test_pixel_checksum_tells_gray_from_gray_stored_as_rgb():
    gray = _images()["gray"]
    assert data.pixel_checksum(gray) != data.pixel_checksum(np.stack([gray] * 3, axis=-1))
    assert data.pixel_checksum(gray) != data.pixel_checksum(gray.reshape(gray.shape[1], gray.shape[0]))
    with pytest.raises(TypeError, match="uint8"):
        data.pixel_checksum(gray.astype(np.float32))


# --- verify_folder ------------------------------------------------------------------------------


def test_verify_folder_accepts_a_bmp_copy(tmp_path):
    images = _images()
    entry = _entry("TestSet", images)
    result = data.verify_folder(entry, _write(tmp_path / "bmp", images, ".bmp"))
    assert result.level == "pixels" and result.pixels_checked == 3
    assert "pixel checksums of all 3 images match" in result.summary()


def test_verify_folder_names_the_image_that_differs(tmp_path):
    images = _images()
    entry = _entry("TestSet", images)
    folder = _write(tmp_path / "copy", images)
    damaged = images["beta"].copy()
    damaged[3, 4] = 255 - damaged[3, 4]
    write_image(folder / "beta.png", damaged)
    with pytest.raises(SRLibError, match=r"TestSet: 1 image\(s\) .* differ .*beta\.png pixel sha256") as info:
        data.verify_folder(entry, folder)
    assert "\n" not in str(info.value)


def test_verify_folder_rejects_missing_extra_and_reshaped_images(tmp_path):
    images = _images()
    entry = _entry("TestSet", images)
    missing = _write(tmp_path / "missing", {k: v for k, v in images.items() if k != "gray"})
    with pytest.raises(SRLibError, match="lacks 1 of 3 images \\(gray\\)"):
        data.verify_folder(entry, missing)
    extra = _write(tmp_path / "extra", {**images, "stray": images["alpha"]})
    with pytest.raises(SRLibError, match="stray.png"):
        data.verify_folder(entry, extra)
    as_rgb = _write(tmp_path / "rgb", {**images, "gray": np.stack([images["gray"]] * 3, axis=-1)})
    with pytest.raises(SRLibError, match=r"gray\.png has shape \(16, 22, 3\), expected \(16, 22\)"):
        data.verify_folder(entry, as_rgb)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SRLibError, match="no images in"):
        data.verify_folder(entry, empty)


def test_verify_folder_counts_when_no_names_are_recorded(tmp_path):
    entry = load_manifest({"name": "Counted", "count": 2, "images": []})
    with pytest.raises(SRLibError, match="has 3 images, expected 2"):
        data.verify_folder(entry, _write(tmp_path / "three", _images()))
    assert data.verify_folder(entry, _write(tmp_path / "two", dict(list(_images().items())[:2]))).level == "count"


def test_shared_copies_verify_against_the_manifests(shared_datasets):
    for name in ["Set5", "Set14", "T91", "General-100"]:
        result = data.verify_folder(name.lower(), shared_datasets / name)
        assert result.level == "pixels" and result.pixels_checked == DATASETS[name].count


def test_make_manifests_reproduces_the_shipped_manifests(shared_datasets, capsys):
    spec = importlib.util.spec_from_file_location("make_manifests", REPO / "datasets" / "make_manifests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check", "--root", str(shared_datasets)]) == 0, capsys.readouterr().out


# --- dataset_path and load_images ---------------------------------------------------------------


def test_local_folder_is_verified_and_used_in_place(tmp_path, cache, monkeypatch):
    images = _images()
    monkeypatch.setitem(DATASETS, "TestSet", _entry("TestSet", images))
    folder = _write(tmp_path / "mine", images)
    assert data.dataset_path("testset", local=folder) == folder
    assert not (folder / STAMP_NAME).exists()  # a user's folder is not written to
    assert not cache.exists()
    write_image(folder / "alpha.png", images["beta"][:20])
    with pytest.raises(SRLibError, match="alpha.png"):
        data.dataset_path("TestSet", local=folder)  # a changed folder is checked again
    with pytest.raises(SRLibError, match="local= needs a registered dataset name"):
        data.dataset_path("not-registered", local=folder)


def test_registered_name_found_in_srlib_data_under_any_spelling(cache, monkeypatch):
    images = _images()
    monkeypatch.setitem(DATASETS, "TestSet", _entry("TestSet", images))
    folder = _write(cache / "testset", images)
    assert data.dataset_path("TESTSET", download=False) == folder
    assert (folder / STAMP_NAME).is_file()  # the cache remembers the successful check
    loaded = data.load_images("TestSet", limit=2)
    assert [name for name, _ in loaded] == ["alpha", "beta"]
    np.testing.assert_array_equal(loaded[0][1], images["alpha"])
    write_image(folder / "gray.png", images["gray"] // 2)  # damaged after the check
    with pytest.raises(SRLibError, match="gray.png"):
        data.dataset_path("TestSet", download=False)


def test_missing_dataset_without_download_says_what_to_do(cache, monkeypatch):
    monkeypatch.setitem(DATASETS, "TestSet", _entry("TestSet", _images()))
    with pytest.raises(SRLibError, match=r"TestSet is not in .*download=False.*local=") as info:
        data.dataset_path("TestSet", download=False)
    assert "\n" not in str(info.value)


def test_existing_folder_is_used_as_it_is_and_bad_paths_fail_clearly(tmp_path):
    folder = _write(tmp_path / "anything", _images())
    assert data.dataset_path(folder) == folder
    assert data.dataset_path(str(folder)) == folder
    assert [n for n, _ in data.load_images(folder)] == ["alpha", "beta", "gray"]
    with pytest.raises(SRLibError, match="unknown dataset 'nonesuch'"):
        data.dataset_path("nonesuch")
    with pytest.raises(SRLibError, match="data folder not found"):
        data.load_images(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SRLibError, match="no images in"):
        data.load_images(tmp_path / "empty")
    with pytest.raises(SRLibError, match="limit=0"):
        data.load_images(folder, limit=0)


def test_validation_images_are_modcropped(tmp_path):
    folder = _write(tmp_path / "val", _images())
    shapes = {name: hr.shape for name, hr in data.validation_images(folder, 3)}
    assert shapes == {"alpha": (18, 24, 3), "beta": (18, 15, 3), "gray": (15, 21)}


# --- the embedded photos ------------------------------------------------------------------------


def test_photos_need_no_download_and_match_scikit_image(cache):
    from skimage import data as skdata

    folder = data.dataset_path("photos", download=False)
    assert folder == cache / "photos"
    photos = dict(data.load_images("Photos"))
    assert sorted(photos) == ["astronaut", "brick", "camera", "chelsea", "coffee", "rocket"]
    np.testing.assert_array_equal(photos["astronaut"], skdata.astronaut())
    np.testing.assert_array_equal(photos["camera"], skdata.camera())  # grayscale stays (H, W)
    assert data.verify_folder("photos", folder).level == "pixels"


def test_photos_folder_is_reused_and_repaired(cache):
    folder = data.dataset_path("photos")
    written = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png")}
    assert data.dataset_path("photos") == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png")} == written  # reused, not rewritten
    write_image(folder / "coffee.png", np.zeros((4, 4, 3), np.uint8))
    data.dataset_path("photos")
    assert read_image(folder / "coffee.png").shape == (400, 600, 3)  # the damaged copy was rebuilt
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_cache_dir_follows_srlib_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "somewhere"))
    assert data.cache_dir() == tmp_path / "somewhere"
    monkeypatch.delenv("SRLIB_DATA")
    assert data.cache_dir() == Path.home() / ".cache" / "srlib"
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("SRLIB_DATA", os.fspath(tmp_path / "file"))
    with pytest.raises(SRLibError, match="is a file, not a folder"):
        data.cache_dir()


# --- the CLI's data commands --------------------------------------------------------------------


def _cli(argv: list[str]):
    import argparse

    from srlib.cli import data as data_command

    parser = argparse.ArgumentParser(prog="srlib")
    data_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_data_list_and_verify_commands(tmp_path, cache, monkeypatch, capsys):
    assert _cli(["data", "list"]) == 0
    table = capsys.readouterr().out
    assert "Set5" in table and "DIV2K-valid" in table and "pixels" in table
    images = _images()
    monkeypatch.setitem(DATASETS, "TestSet", _entry("TestSet", images))
    folder = _write(tmp_path / "copy", images)
    assert _cli(["data", "verify", "testset", str(folder)]) == 0
    assert "TestSet OK" in capsys.readouterr().out
    with pytest.raises(SRLibError, match="srlib data download TestSet"):
        _cli(["data", "verify", "TestSet"])  # nothing in the cache yet
    _write(cache / "TestSet", images)
    assert _cli(["data", "download", "TestSet", "--quiet"]) == 0  # found in the cache, checked, no network
    assert str(cache / "TestSet") in capsys.readouterr().out


def test_unwritable_cache_is_a_one_line_error(tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("SRLIB_DATA", str(blocker / "cache"))
    with pytest.raises(SRLibError, match="cannot create the data cache .* set SRLIB_DATA to a writable folder"):
        data.dataset_path("photos")
