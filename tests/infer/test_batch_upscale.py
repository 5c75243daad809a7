"""Photos in, photos out: EXIF orientation, alpha, 16-bit depth, folders, skipped files, no input overwritten."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest
from PIL import Image

from srlib.cli.main import main
from srlib.errors import SRLibError
from srlib.image.photo import Photo, read_photo, write_photo
from srlib.infer.batch import collect_inputs, upscale_many
from srlib.infer.upscaler import upscale
from srlib.models.espcn import ESPCN


def _pixels(h, w, channels=3, seed=0, dtype=np.uint8):
    top = 65535 if dtype == np.uint16 else 255
    return np.random.default_rng(seed).integers(0, top + 1, (h, w, channels) if channels > 1 else (h, w)).astype(dtype)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return ESPCN(2, channels=1)


def test_exif_orientation_is_applied(tmp_path):
    image = _pixels(6, 10)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    Image.fromarray(image).save(tmp_path / "sideways.png", exif=exif)
    photo = read_photo(tmp_path / "sideways.png")
    np.testing.assert_array_equal(photo.pixels, np.rot90(image, k=-1))
    assert photo.pixels.shape == (10, 6, 3) and photo.bits == 8


def test_sixteen_bit_colour_and_alpha_round_trip(tmp_path):
    rgb, alpha = _pixels(5, 7, dtype=np.uint16), _pixels(5, 7, channels=1, seed=1, dtype=np.uint16)
    write_photo(tmp_path / "deep.png", Photo(rgb, alpha))
    back = read_photo(tmp_path / "deep.png")
    assert back.bits == 16
    np.testing.assert_array_equal(back.pixels, rgb)
    np.testing.assert_array_equal(back.alpha, alpha)
    stored = cv2.imread(str(tmp_path / "deep.png"), cv2.IMREAD_UNCHANGED)  # what other programs see
    assert stored.dtype == np.uint16 and stored.shape == (5, 7, 4)
    with pytest.raises(SRLibError, match="a 16-bit image is written as PNG — give a .png name"):
        write_photo(tmp_path / "deep.jpg", Photo(rgb))


def test_a_sixteen_bit_photo_is_upscaled_in_sixteen_bits(tmp_path, model):
    rgb = _pixels(12, 10, dtype=np.uint16)
    write_photo(tmp_path / "in.png", Photo(rgb))
    assert (
        main(
            [
                "upscale",
                str(tmp_path / "in.png"),
                str(tmp_path / "out.png"),
                "--scale",
                "2",
                "--model",
                _saved(model, tmp_path),
            ]
        )
        == 0
    )
    out = read_photo(tmp_path / "out.png")
    assert out.bits == 16 and out.pixels.shape == (24, 20, 3)
    eight = upscale(np.floor(rgb / 257 + 0.5).astype(np.uint8), model, 2)
    assert np.abs(out.pixels / 257.0 - eight).max() <= 2.0  # the same picture, finer levels
    assert len(np.unique(out.pixels)) > len(np.unique(eight))


def _saved(model, folder):
    path = folder / "espcn_x2.keras"
    if not path.exists():
        model.save(path)
    return str(path)


def test_a_folder_becomes_a_folder_of_pngs_with_notes_on_the_rest(tmp_path, model, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(_pixels(8, 8)).save(photos / "a.jpg", quality=95)
    rgba = np.dstack([_pixels(6, 9, seed=2), _pixels(6, 9, channels=1, seed=3)])
    Image.fromarray(rgba, "RGBA").save(photos / "b.png")
    (photos / "notes.txt").write_text("not a picture")
    extra = tmp_path / "c.tif"
    Image.fromarray(_pixels(5, 5, channels=1, seed=4)).save(extra)
    files, notes = collect_inputs([photos, extra])
    assert [f.name for f in files] == ["a.jpg", "b.png", "c.tif"] and notes == [
        f"skipped {photos / 'notes.txt'}: not an image (.txt)"
    ]
    out = tmp_path / "out"
    assert main(["upscale", str(photos), str(extra), str(out), "--scale", "2", "--model", _saved(model, tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "note: skipped" in printed and "3 images upscaled x2 into" in printed
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png", "c.png"]
    b = read_photo(out / "b.png")
    assert b.pixels.shape == (12, 18, 3) and b.alpha is not None and b.alpha.shape == (12, 18)
    assert read_photo(out / "c.png").pixels.shape == (10, 10)  # grey stays grey
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))  # atomic: only whole files


def test_inputs_are_never_overwritten(tmp_path, model):
    folder = tmp_path / "pics"
    folder.mkdir()
    Image.fromarray(_pixels(6, 6)).save(folder / "x.png")
    before = (folder / "x.png").read_bytes()
    with pytest.raises(SRLibError, match=r"x.png would overwrite an input — choose an output folder other than"):
        upscale_many([folder], folder, _saved(model, tmp_path), 2)
    assert main(["upscale", str(folder / "x.png"), str(folder / "x.png"), "--scale", "2"]) == 2
    assert (folder / "x.png").read_bytes() == before
    Image.fromarray(_pixels(6, 6)).save(folder / "x.jpg")
    with pytest.raises(SRLibError, match=r"x.jpg and x.png would both be written to .*x.png — rename one"):
        upscale_many([folder], tmp_path / "o", _saved(model, tmp_path), 2)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SRLibError, match="no images among"):
        upscale_many([empty], tmp_path / "o3", "fsrcnn", 2)
