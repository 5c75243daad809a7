"""The real download path, against an HTTP server on 127.0.0.1 serving archives built here."""

from __future__ import annotations

import hashlib
import io
import socket
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import srlib.data as data
from srlib.data.extract import extract_archive
from srlib.data.registry import DATASETS, load_manifest
from srlib.errors import SRLibError
from srlib.image.io import read_image, write_image


def _images() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "one": rng.integers(0, 256, (20, 24, 3), dtype=np.uint8),
        "two": rng.integers(0, 256, (18, 16, 3), dtype=np.uint8),
        "three": rng.integers(0, 256, (16, 22), dtype=np.uint8),
    }


def _png_bytes(tmp_path: Path, images: dict[str, np.ndarray]) -> dict[str, bytes]:
    folder = tmp_path / "pngs"
    folder.mkdir(exist_ok=True)
    return {f"{n}.png": write_image(folder / f"{n}.png", im).read_bytes() for n, im in images.items()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _tar(members: dict[str, bytes], links: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
        for name, (kind, target) in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            archive.addfile(info)
    return buffer.getvalue()


class Server:
    """Serves ``files`` (path -> bytes); ``truncate`` paths send half the promised bytes and hang up."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                payload = server.files.get(self.path)
                if payload is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.path in server.truncate:
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server():
    running = Server()
    running.thread.start()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("SRLIB_DATA", str(root))
    return root


def _register(monkeypatch, images, sources: list[dict], name: str = "TestSet"):
    records = [
        {"name": n, "shape": list(im.shape), "pixel_sha256": data.pixel_checksum(im)} for n, im in images.items()
    ]
    entry = load_manifest(
        {"name": name, "citation": "generated", "licence": "generated", "images": records, "sources": sources}
    )
    monkeypatch.setitem(DATASETS, name, entry)
    return entry


def _left_in_cache(cache: Path) -> list[str]:
    """Files (not empty folders) anywhere in the cache."""
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if not p.is_dir()) if cache.exists() else []


def test_download_verifies_unpacks_and_reuses_the_cache(tmp_path, cache, server, monkeypatch):
    images = _images()
    archive = _zip({f"TestSet_HR/{n}": b for n, b in _png_bytes(tmp_path, images).items()})
    server.files["/TestSet_HR.zip"] = archive
    sha256 = hashlib.sha256(archive).hexdigest()
    _register(monkeypatch, images, [{"url": server.url("/TestSet_HR.zip"), "sha256": sha256, "folder": "TestSet_HR"}])

    folder = data.dataset_path("testset", progress=True)
    assert folder == cache / "TestSet"
    loaded = dict(data.load_images("TestSet"))
    for name, image in images.items():
        np.testing.assert_array_equal(loaded[name], image)
    assert _left_in_cache(cache) == [
        "TestSet/.srlib-verified.json",
        "TestSet/one.png",
        "TestSet/three.png",
        "TestSet/two.png",
    ]

    assert data.dataset_path("TestSet") == folder
    assert server.requests == ["/TestSet_HR.zip"]  # the second call used the cache


def test_tar_archive_with_an_undeclared_nested_folder(tmp_path, cache, server, monkeypatch):
    images = _images()
    pngs = _png_bytes(tmp_path, images)
    members = {f"pack/HR/{n}": b for n, b in pngs.items()}
    members["pack/LR/one.png"] = pngs["one.png"]  # another image folder: the HR one is found by its names
    server.files["/set.tar.gz"] = _tar(members)
    _register(monkeypatch, images, [{"url": server.url("/set.tar.gz")}])
    folder = data.dataset_path("TestSet", progress=False)
    assert sorted(p.name for p in folder.glob("*.png")) == ["one.png", "three.png", "two.png"]


def test_corrupted_archive_is_rejected_and_nothing_is_kept(tmp_path, cache, server, monkeypatch):
    images = _images()
    archive = _zip({n: b for n, b in _png_bytes(tmp_path, images).items()})
    damaged = bytearray(archive)
    damaged[len(damaged) // 3] ^= 0xFF
    server.files["/set.zip"] = bytes(damaged)
    _register(monkeypatch, images, [{"url": server.url("/set.zip"), "sha256": hashlib.sha256(archive).hexdigest()}])
    with pytest.raises(SRLibError, match=r"TestSet: archive set\.zip .* has sha256 .* expected .*local=") as info:
        data.dataset_path("TestSet", progress=False)
    assert "\n" not in str(info.value)
    assert _left_in_cache(cache) == []
    assert not (cache / "TestSet").exists()


def test_images_that_differ_from_the_manifest_are_rejected(tmp_path, cache, server, monkeypatch):
    images = _images()
    other = {**images, "two": 255 - images["two"]}
    server.files["/set.zip"] = _zip(_png_bytes(tmp_path, other))
    _register(monkeypatch, images, [{"url": server.url("/set.zip")}])
    with pytest.raises(SRLibError, match=r"TestSet: 1 image\(s\) .* differ .*two\.png"):
        data.dataset_path("TestSet", progress=False)
    assert _left_in_cache(cache) == []


def test_truncated_download_is_an_error_not_an_archive(tmp_path, cache, server, monkeypatch):
    images = _images()
    server.files["/set.zip"] = _zip(_png_bytes(tmp_path, images))
    server.truncate.add("/set.zip")
    _register(monkeypatch, images, [{"url": server.url("/set.zip")}])
    with pytest.raises(
        SRLibError, match=r"TestSet: archive set\.zip from .* stopped before the end \(connection closed\)"
    ):
        data.dataset_path("TestSet", progress=False)
    assert _left_in_cache(cache) == []


@pytest.mark.parametrize(
    "member, build",
    [
        ("../evil.png", lambda png: _zip({"../evil.png": png})),
        ("/tmp/srlib-evil.png", lambda png: _zip({"/tmp/srlib-evil.png": png})),
        ("a/../../evil.png", lambda png: _tar({"a/../../evil.png": png})),
        ("link.png", lambda png: _tar({"one.png": png}, {"link.png": (tarfile.SYMTYPE, "/etc/passwd")})),
        ("hard.png", lambda png: _tar({"one.png": png}, {"hard.png": (tarfile.LNKTYPE, "/etc/passwd")})),
    ],
)
def test_malicious_archive_members_are_refused(tmp_path, cache, server, monkeypatch, member, build):
    images = _images()
    png = _png_bytes(tmp_path, images)["one.png"]
    suffix = ".zip" if build(png)[:2] == b"PK" else ".tar.gz"
    server.files[f"/evil{suffix}"] = build(png)
    _register(monkeypatch, images, [{"url": server.url(f"/evil{suffix}")}])
    with pytest.raises(
        SRLibError, match=f"TestSet: unsafe archive evil{suffix.replace('.', '[.]')}: member '{member}'"
    ) as info:
        data.dataset_path("TestSet", progress=False)
    assert "\n" not in str(info.value)
    assert _left_in_cache(cache) == []
    assert not (cache.parent / "evil.png").exists() and not (tmp_path / "evil.png").exists()


def test_zip_symlink_member_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link.png")
        link.external_attr = 0o120777 << 16  # a symbolic link, as zip stores it
        archive.writestr(link, "/etc/passwd")
    path = tmp_path / "links.zip"
    path.write_bytes(buffer.getvalue())
    (tmp_path / "out").mkdir()
    with pytest.raises(SRLibError, match="member 'link.png' is a symbolic link"):
        extract_archive(path, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_server_down_gives_a_one_line_offline_error(cache, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/set.zip"
    _register(monkeypatch, _images(), [{"url": url}])
    with pytest.raises(SRLibError) as info:
        data.dataset_path("TestSet", progress=False)
    message = str(info.value)
    assert "\n" not in message and "TestSet" in message and url in message
    assert "offline?" in message and "local=" in message and "SRLIB_DATA" in message
    assert _left_in_cache(cache) == []


def test_http_error_and_fallback_to_a_second_source(tmp_path, cache, server, monkeypatch):
    images = _images()
    server.files["/mirror.zip"] = _zip(_png_bytes(tmp_path, images))
    _register(monkeypatch, images, [{"url": server.url("/gone.zip")}, {"url": server.url("/mirror.zip")}])
    folder = data.dataset_path("TestSet", progress=False)
    assert server.requests == ["/gone.zip", "/mirror.zip"]
    assert read_image(folder / "three.png").shape == (16, 22)

    _register(monkeypatch, images, [{"url": server.url("/gone.zip")}], name="Other")
    with pytest.raises(SRLibError, match="HTTP 404"):
        data.dataset_path("Other", progress=False)


def test_archive_saved_by_hand_in_downloads_is_checked_and_used(tmp_path, cache, monkeypatch):
    images = _images()
    archive = _zip(_png_bytes(tmp_path, images))
    (cache / "downloads").mkdir(parents=True)
    (cache / "downloads" / "set.zip").write_bytes(archive)
    _register(
        monkeypatch, images, [{"url": "http://127.0.0.1:9/set.zip", "sha256": hashlib.sha256(archive).hexdigest()}]
    )
    folder = data.dataset_path("TestSet", progress=False)  # port 9 is never contacted
    assert len(list(folder.glob("*.png"))) == 3
    assert not (cache / "downloads" / "set.zip").exists()
