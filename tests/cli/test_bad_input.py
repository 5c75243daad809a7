"""Odd and broken inputs get a one-line error naming the input and the fix — or just work."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from srlib.cli.main import main
from srlib.errors import SRLibError
from srlib.image.io import list_images, read_image, read_image_with_alpha, write_image


def _rgb(h=24, w=20, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def huge_png(path: Path, width: int = 16000, height: int = 16000) -> Path:
    """A valid black 1-bit PNG of ``width`` x ``height``, written row by row: 30 KB on disk, no big array."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then the packed bits
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return path


def _run(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_truncated_png_names_the_file(tmp_path):
    path = tmp_path / "broken.png"
    Image.fromarray(_rgb(64, 64)).save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(SRLibError) as info:
        read_image(path)
    message = str(info.value)
    assert "broken.png" in message and "\n" not in message and "re-" in message


def test_a_decompression_bomb_is_one_line_with_the_limit_and_the_way_out(tmp_path):
    path = huge_png(tmp_path / "huge.png")
    assert struct.unpack(">II", path.read_bytes()[16:24]) == (16000, 16000) and path.stat().st_size < 100_000
    with pytest.raises(SRLibError) as info:
        read_image(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "256 megapixels" in message and f"limit of {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels" in message
    assert "PIL.Image.MAX_IMAGE_PIXELS = None" in message


def test_a_small_image_of_the_same_kind_reads(tmp_path):
    image = read_image(huge_png(tmp_path / "small.png", 40, 30))
    assert image.shape == (30, 40) and image.max() == 0


def test_corrupt_pixel_data_names_the_file(tmp_path):
    path = tmp_path / "flipped.png"
    Image.fromarray(_rgb(64, 64)).save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the compressed pixels: the chunk's CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(SRLibError, match="flipped.png.*re-download or re-export it"):
        read_image(path)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(SRLibError, match="notes.png"):
        read_image(path)


def test_missing_file_and_folders(tmp_path):
    with pytest.raises(SRLibError, match="not found"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(SRLibError, match="not found"):
        list_images(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SRLibError, match="no images"):
        list_images(tmp_path / "empty")


def test_odd_formats_are_normalised(tmp_path):
    rgb = _rgb()
    Image.fromarray(rgb[..., 0]).save(tmp_path / "gray.png")
    assert read_image(tmp_path / "gray.png").shape == (24, 20)

    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 128, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    image, alpha = read_image_with_alpha(tmp_path / "rgba.png")
    np.testing.assert_array_equal(image, rgb)
    assert alpha is not None and alpha.max() == 128

    sixteen = rgb[..., 0].astype(np.uint16) * 257
    Image.fromarray(sixteen).save(tmp_path / "deep.png")
    np.testing.assert_array_equal(read_image(tmp_path / "deep.png"), rgb[..., 0])

    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(tmp_path / "pal.png")
    assert read_image(tmp_path / "pal.png").shape == (24, 20, 3)


def test_write_image_is_atomic_and_checks_folder(tmp_path):
    out = write_image(tmp_path / "x.png", _rgb())
    np.testing.assert_array_equal(read_image(out), _rgb())
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]  # no temporary left behind
    with pytest.raises(SRLibError, match="does not exist"):
        write_image(tmp_path / "missing" / "x.png", _rgb())
    with pytest.raises(SRLibError, match="suffix"):
        write_image(tmp_path / "x.xyz", _rgb())


def test_cli_errors_are_one_line(tmp_path, capsys):
    code, err = _run(["evaluate", "--data", str(tmp_path / "nowhere"), "--scale", "2"], capsys)
    assert code == 2 and len(err) == 1 and "nowhere" in err[0]

    (tmp_path / "empty").mkdir()
    code, err = _run(["evaluate", "--data", str(tmp_path / "empty"), "--scale", "2"], capsys)
    assert code == 2 and len(err) == 1 and "no images" in err[0]

    good = tmp_path / "good"
    good.mkdir()
    Image.fromarray(_rgb(40, 40)).save(good / "a.png")
    code, err = _run(["evaluate", "--data", str(good), "--scale", "1"], capsys)
    assert code == 2 and "--scale" in err[0]

    Image.fromarray(_rgb(2, 2)).save(good / "tiny.png")
    code, err = _run(["evaluate", "--data", str(good), "--scale", "3"], capsys)
    assert code == 2 and len(err) == 1 and "tiny" in err[0]

    code, err = _run(["evaluate", "--data", str(good), "--scale", "2", "--metrics", "psnr,bogus"], capsys)
    assert code == 2 and "bogus" in err[0]

    bomb = tmp_path / "bomb"
    bomb.mkdir()
    huge_png(bomb / "huge.png")
    code, err = _run(["evaluate", "--data", str(bomb), "--scale", "2"], capsys)
    assert code == 2 and len(err) == 1 and "huge.png" in err[0] and "decompression-bomb limit" in err[0]
    code, err = _run(
        ["upscale", str(bomb / "huge.png"), str(tmp_path / "out.png"), "--model", "fsrcnn", "--scale", "3"], capsys
    )
    assert code == 2 and len(err) == 1 and "huge.png" in err[0] and "decompression-bomb limit" in err[0]
    assert not (tmp_path / "out.png").exists()


def test_grayscale_is_evaluated_on_its_channel(tmp_path, capsys):
    folder = tmp_path / "g"
    folder.mkdir()
    Image.fromarray(_rgb(48, 48)[..., 1]).save(folder / "gray.png")
    assert main(["evaluate", "--data", str(folder), "--scale", "2", "--json"]) == 0
    assert '"psnr"' in capsys.readouterr().out.splitlines()[-1]
