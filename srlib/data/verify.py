"""Check a folder of images against a dataset's manifest.

The check is as strong as the manifest allows (``DatasetEntry.verification_level``):
every image's decoded pixels when checksums are recorded, else the image names,
else only the count. Images are matched by file *stem*, so ``baby.bmp`` verifies
against a record measured on ``baby.png``.

Decoding every image on every call would be slow for big sets, so a successful
check leaves a stamp (file names, sizes and modification times) that lets the
next call skip the decoding while nothing in the folder has changed: inside
cache folders as a hidden file, for a user's own folder only in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from srlib.data.checksums import pixel_checksum, short
from srlib.data.photos import photo_entry
from srlib.data.registry import DatasetEntry, get_entry
from srlib.errors import SRLibError
from srlib.files import atomic_write_json
from srlib.image.io import list_images, read_image

__all__ = ["Verification", "verify_folder", "ensure_verified", "record_verified", "STAMP_NAME"]

STAMP_NAME = ".srlib-verified.json"
_verified_in_memory: dict[tuple[str, str], dict] = {}


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_folder` checked: ``level`` is 'pixels', 'names' or 'count'."""

    dataset: str
    folder: Path
    files: tuple[Path, ...]
    level: str
    pixels_checked: int

    def summary(self) -> str:
        what = {
            "pixels": f"pixel checksums of all {self.pixels_checked} images match",
            "names": f"all {len(self.files)} expected image names present (no pixel checksums recorded)",
            "count": f"{len(self.files)} images as expected (no names or checksums recorded)",
        }[self.level]
        return f"{self.dataset} OK in {self.folder}: {what}"


def _files_by_stem(entry: DatasetEntry, folder: Path) -> dict[str, Path]:
    by_stem: dict[str, Path] = {}
    for path in list_images(folder):
        if path.stem in by_stem:
            raise SRLibError(
                f"{entry.name}: folder {folder} has two files for image '{path.stem}' "
                f"({by_stem[path.stem].name}, {path.name}) — keep one of them"
            )
        by_stem[path.stem] = path
    return by_stem


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def verify_folder(name: str | DatasetEntry, folder: str | os.PathLike, *, progress: bool = False) -> Verification:
    """Check ``folder`` against the manifest of dataset ``name``; raise a one-line SRLibError if it differs."""
    entry = name if isinstance(name, DatasetEntry) else get_entry(name)
    folder = Path(folder)
    entry = _with_embedded_records(entry)
    by_stem = _files_by_stem(entry, folder)

    if entry.has_names:
        expected = [record.name for record in entry.images]
        missing = [n for n in expected if n not in by_stem]
        if missing:
            raise SRLibError(
                f"{entry.name}: folder {folder} lacks {len(missing)} of {len(expected)} images ({_listing(missing)}) "
                f"— {entry.manual_hint()}"
            )
        unexpected = sorted(set(by_stem) - set(expected))
        if unexpected:
            raise SRLibError(
                f"{entry.name}: folder {folder} has images that are not part of {entry.name} "
                f"({_listing([by_stem[n].name for n in unexpected])}) — move them out so results stay comparable"
            )
    elif entry.count is not None and len(by_stem) != entry.count:
        raise SRLibError(
            f"{entry.name}: folder {folder} has {len(by_stem)} images, expected {entry.count} — {entry.manual_hint()}"
        )

    checked = 0
    if entry.has_pixel_checksums:
        records = entry.images
        if progress:
            records = tqdm(records, desc=f"verify {entry.name}", unit="img", leave=False)
        wrong: list[str] = []
        for record in records:
            path = by_stem[record.name]
            image = read_image(path)
            if record.shape and tuple(image.shape) != tuple(record.shape):
                wrong.append(f"{path.name} has shape {image.shape}, expected {tuple(record.shape)}")
            elif (actual := pixel_checksum(image)) != record.pixel_sha256:
                wrong.append(f"{path.name} pixel sha256 {short(actual)}…, expected {short(record.pixel_sha256)}…")
            checked += 1
        if wrong:
            raise SRLibError(
                f"{entry.name}: {len(wrong)} image(s) in {folder} differ from the manifest (first: {wrong[0]}) "
                f"— the copy is damaged or a different version; {entry.manual_hint()}"
            )
    files = tuple(by_stem[n] for n in sorted(by_stem))
    return Verification(entry.name, folder, files, entry.verification_level, checked)


def _with_embedded_records(entry: DatasetEntry) -> DatasetEntry:
    """For the embedded photos, the checksums come from the installed files, measured now."""
    if entry.kind != "embedded" or entry.has_pixel_checksums:
        return entry
    return photo_entry(entry)


def _manifest_digest(entry: DatasetEntry) -> str:
    text = json.dumps([entry.name, entry.count, [(i.name, i.pixel_sha256) for i in entry.images]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _signature(folder: Path) -> dict[str, list[int]]:
    signature = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        stat = path.stat()
        signature[path.name] = [stat.st_size, stat.st_mtime_ns]
    return signature


def _current_stamp(entry: DatasetEntry, folder: Path) -> dict:
    """What a verification stamp of ``folder`` for ``entry`` would say now (no decoding)."""
    return {"dataset": entry.name, "manifest": _manifest_digest(entry), "files": _signature(folder)}


def stamp_is_current(entry: DatasetEntry, folder: Path) -> bool:
    """True when ``folder`` carries a stamp of an earlier successful check that still matches its files."""
    folder = Path(folder)
    try:
        entry = _with_embedded_records(entry)
        stamp = _read_stamp(folder)
        return stamp is not None and stamp == _current_stamp(entry, folder)
    except (SRLibError, OSError):
        return False


def _read_stamp(folder: Path) -> dict | None:
    try:
        return json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_stamp(folder: Path, stamp: dict) -> None:
    with contextlib.suppress(OSError):  # a read-only cache only costs a re-check next time
        atomic_write_json(folder / STAMP_NAME, stamp, indent=None)


def record_verified(entry: DatasetEntry, folder: Path) -> None:
    """Stamp ``folder`` as matching ``entry`` (call right after :func:`verify_folder` succeeded on it)."""
    folder = Path(folder)
    entry = _with_embedded_records(entry)
    stamp = _current_stamp(entry, folder)
    _verified_in_memory[(str(folder.resolve()), stamp["manifest"])] = stamp["files"]
    _write_stamp(folder, stamp)


def ensure_verified(entry: DatasetEntry, folder: Path, *, stamp_on_disk: bool, progress: bool = False) -> Path:
    """Verify ``folder`` unless an earlier successful check still matches its files; return it."""
    folder = Path(folder)
    entry = _with_embedded_records(entry)
    stamp = _current_stamp(entry, folder)
    memo_key = (str(folder.resolve()), stamp["manifest"])
    if _verified_in_memory.get(memo_key) == stamp["files"]:
        return folder
    if stamp_on_disk and _read_stamp(folder) == stamp:
        _verified_in_memory[memo_key] = stamp["files"]
        return folder
    verify_folder(entry, folder, progress=progress)
    _verified_in_memory[memo_key] = stamp["files"]
    if stamp_on_disk:
        _write_stamp(folder, stamp)
    return folder
