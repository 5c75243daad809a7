"""'srlib pack': a classroom folder filled from local copies or real downloads, used later with no network."""

from __future__ import annotations

import argparse
import inspect
import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest
from keras.src.applications import vgg19 as keras_vgg19

from srlib.cli import pack as pack_command
from srlib.cli.doctor import vgg19
from srlib.cli.main import main
from srlib.cli.pack import README_NAME
from srlib.data.offline_pack import pack_datasets
from srlib.data.verify import STAMP_NAME
from srlib.errors import SRLibError
from srlib.image.io import read_image, write_image
from srlib.models.vgg_weights import (
    VGG19_NOTOP_FILE,
    VGG19_NOTOP_MD5,
    VGG19_NOTOP_URL,
    fetch_vgg19_weights,
    vgg19_weights_cached,
)

# The HTTP server on 127.0.0.1 and the generated dataset of the download tests.
from tests.data.test_download import _images, _png_bytes, _register, _zip, server  # noqa: F401 (server is a fixture)


def _dead_port() -> int:
    with socket.socket() as probe:  # bound, never listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_network(tmp_path, monkeypatch):
    """Every HTTP(S) request outside 127.0.0.1 goes to a closed local port; nobody's real caches are used."""
    proxy = f"http://127.0.0.1:{_dead_port()}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    monkeypatch.setenv("SRLIB_DATA", str(tmp_path / "user-cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "user-keras"))


def _srlib_pack(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="srlib")
    pack_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pack", *argv])
    return args.run(args)


def _hidden_leftovers(folder: Path) -> list[str]:
    """Temporary files or folders (ours start with a dot), other than the verification stamps."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if p.name != STAMP_NAME)


def test_pack_from_shared_copies_then_evaluate_uses_the_pack_offline(
    shared_datasets, tmp_path, monkeypatch, no_network, capsys
):
    folder = tmp_path / "classroom"
    assert (
        _srlib_pack(str(folder), "--datasets", "Set5,photos", "--no-vgg", "--from", str(shared_datasets), "--quiet")
        == 0
    )
    out = capsys.readouterr().out
    assert f"Set5         copied from {shared_datasets / 'Set5'}" in out
    assert sorted(p.name for p in (folder / "Set5").iterdir()) == [
        STAMP_NAME,
        "baby.png",
        "bird.png",
        "butterfly.png",
        "head.png",
        "woman.png",
    ]
    assert (folder / "photos" / STAMP_NAME).is_file()
    assert _hidden_leftovers(folder) == [] and not (folder / "downloads").exists()
    readme = (folder / README_NAME).read_text()
    assert "export SRLIB_DATA=FOLDER" in readme and str(folder) in readme and "KERAS_HOME" not in readme
    assert (folder / "Set5").stat().st_mode & 0o005 == 0o005  # other lab accounts can read it

    # Packing again re-checks what is there (by its stamp) and copies nothing.
    assert _srlib_pack(str(folder), "--datasets", "Set5", "--no-vgg", "--from", str(shared_datasets), "--quiet") == 0
    assert "Set5         already packed" in capsys.readouterr().out

    # A lab machine: SRLIB_DATA points at the pack, every download would hit the closed port.
    monkeypatch.setenv("SRLIB_DATA", str(folder))
    monkeypatch.chdir(tmp_path)  # no ./Set5 folder to be mistaken for the data
    assert main(["evaluate", "--data", "Set5", "--scale", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [row["name"] for row in result["images"]] == ["baby", "bird", "butterfly", "head", "woman"]
    assert np.mean([row["psnr"] for row in result["images"]]) == pytest.approx(33.66, abs=0.02)  # published bicubic x2
    assert not (folder / "downloads").exists()


def test_pack_downloads_through_the_real_download_path(tmp_path, server, monkeypatch, no_network):  # noqa: F811
    images = _images()
    server.files["/TestSet_HR.zip"] = _zip({f"TestSet_HR/{n}": b for n, b in _png_bytes(tmp_path, images).items()})
    _register(monkeypatch, images, [{"url": server.url("/TestSet_HR.zip"), "folder": "TestSet_HR"}])
    folder = tmp_path / "classroom"

    result = pack_datasets(folder, "TestSet", progress=False)
    assert result.complete and [(p.name, p.origin) for p in result.packed] == [("TestSet", "downloaded")]
    for name, image in images.items():
        np.testing.assert_array_equal(read_image(folder / "TestSet" / f"{name}.png"), image)
    assert (folder / "TestSet" / STAMP_NAME).is_file()
    assert _hidden_leftovers(folder) == [] and not (folder / "downloads").exists()
    assert not (tmp_path / "user-cache").exists()  # the user's own cache is left alone

    again = pack_datasets(folder, ["testset"], progress=False)
    assert [(p.name, p.origin) for p in again.packed] == [("TestSet", "already packed")]
    assert server.requests == ["/TestSet_HR.zip"]


def test_offline_each_missing_item_is_one_line_and_the_rest_is_kept(tmp_path, server, monkeypatch, no_network, capsys):  # noqa: F811
    images = _images()
    server.files["/good.zip"] = _zip(_png_bytes(tmp_path, images))
    _register(monkeypatch, images, [{"url": server.url("/good.zip")}], name="Good")
    gone_url = f"http://127.0.0.1:{_dead_port()}/gone.zip"
    _register(monkeypatch, images, [{"url": gone_url}], name="Gone")
    folder = tmp_path / "classroom"

    # General-100 has no download URL at all: only a local copy (--from) can pack it.
    assert _srlib_pack(str(folder), "--datasets", "Good,Gone,General-100", "--no-vgg", "--quiet") == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("srlib: Gone not packed: ") and gone_url in errors[0] and "offline?" in errors[0]
    assert errors[1].startswith("srlib: General-100 not packed: ") and "no download URL" in errors[1]
    assert all("--from DIR" in line for line in errors)
    assert sorted(p.name for p in folder.iterdir()) == ["Good", README_NAME]
    assert _hidden_leftovers(folder) == []
    readme = (folder / README_NAME).read_text()
    assert "Good/" in readme and "Not packed" in readme and "Gone not packed" in readme


def test_a_damaged_local_copy_is_refused_and_nothing_is_half_written(tmp_path, monkeypatch, no_network):
    images = _images()
    _register(monkeypatch, images, [{"url": f"http://127.0.0.1:{_dead_port()}/set.zip"}])
    shared = tmp_path / "shared"
    (shared / "testset").mkdir(parents=True)
    for name, image in images.items():
        write_image(shared / "testset" / f"{name}.png", 255 - image if name == "two" else image)
    folder = tmp_path / "classroom"

    result = pack_datasets(folder, "TestSet", from_dir=shared, progress=False)
    assert result.packed == []
    message = result.missing["TestSet"]
    assert "\n" not in message and str(shared / "testset") in message and "two.png" in message
    assert not (folder / "TestSet").exists() and _hidden_leftovers(folder) == []


def test_vgg19_offline_gives_one_line_and_keeps_the_datasets(tmp_path, no_network, capsys):
    folder = tmp_path / "classroom"
    assert _srlib_pack(str(folder), "--datasets", "photos", "--quiet") == 1  # --vgg is the default
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith(
        f"srlib: VGG19 weights not packed: cannot download the VGG19 ImageNet weights from {VGG19_NOTOP_URL}"
    )
    assert "offline?" in errors[0] and str(folder / "keras" / "models") in errors[0]
    assert vgg19_weights_cached(folder / "keras") is None
    assert (folder / "photos" / STAMP_NAME).is_file()
    assert "export KERAS_HOME" not in (folder / README_NAME).read_text()
    assert _hidden_leftovers(folder) == [] and sorted(p.name for p in (folder / "keras" / "models").iterdir()) == []


def test_a_damaged_vgg19_copy_is_named_and_left_as_it_was_when_offline(tmp_path, no_network):
    home = tmp_path / "keras"
    weights = home / "models" / VGG19_NOTOP_FILE
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"\x89HDF\r\n" + bytes(2048))  # an interrupted or foreign copy: not Keras' md5
    with pytest.raises(SRLibError) as info:
        fetch_vgg19_weights(home, progress=False)
    message = str(info.value)
    assert "\n" not in message and "does not match Keras' md5" in message and "offline?" in message
    assert weights.read_bytes() == b"\x89HDF\r\n" + bytes(2048) and os.listdir(weights.parent) == [VGG19_NOTOP_FILE]


def test_the_weights_url_and_md5_are_the_ones_keras_loads():
    source = inspect.getsource(keras_vgg19)
    assert keras_vgg19.WEIGHTS_PATH_NO_TOP == VGG19_NOTOP_URL
    assert f'file_hash="{VGG19_NOTOP_MD5}"' in source and VGG19_NOTOP_FILE in source


def test_weights_placed_in_the_pack_by_hand_are_detected(tmp_path, monkeypatch):
    home = tmp_path / "classroom" / "keras"
    assert vgg19_weights_cached(home) is None
    weights = home / "models" / VGG19_NOTOP_FILE
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"")
    assert vgg19_weights_cached(home) is None  # an empty file is an interrupted copy, not weights
    weights.write_bytes(b"\x89HDF\r\n" + bytes(2048))
    assert vgg19_weights_cached(home) == weights

    monkeypatch.setenv("KERAS_HOME", str(home))
    report = vgg19()
    assert report["cached"] and report["file"] == str(weights) and report["from"] == "KERAS_HOME"
