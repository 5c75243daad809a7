"""Fill a folder with verified datasets so a classroom can work with no network.

A packed folder is a data cache like ``$SRLIB_DATA`` (one folder per dataset,
each stamped as verified), so on a lab machine ``SRLIB_DATA=FOLDER`` is all it
takes. Each dataset comes, in this order, from:

1. the folder itself (a copy packed before: re-checked, not fetched again);
2. ``from_dir``, a folder of dataset folders such as ``../shared/datasets``:
   checked against the manifest, then copied;
3. the installed scikit-image files (the embedded ``photos``);
4. a download through :func:`srlib.data.download.fetch_dataset`.

Every copy is made in a hidden temporary folder beside the target and renamed
into place only when complete, so an interrupted pack never leaves a
half-written dataset. A dataset that cannot be packed is reported in one line
and the others are still packed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from srlib.data.cache import find_cached_folder, writable_folder
from srlib.data.datasets import dataset_path
from srlib.data.download import fetch_dataset
from srlib.data.registry import DatasetEntry, get_entry
from srlib.data.verify import ensure_verified, record_verified, verify_folder
from srlib.errors import SRLibError

__all__ = ["WORKSHOP_DATASETS", "PackedDataset", "DatasetPack", "pack_datasets", "parse_dataset_names"]

# What the chapters load: the evaluation sets, the training sets and the offline photos.
WORKSHOP_DATASETS = ("Set5", "Set14", "T91", "General-100", "photos")


@dataclass(frozen=True)
class PackedDataset:
    """One dataset in the pack: its folder and where it came from."""

    name: str
    folder: Path
    origin: str  # "already packed", "copied from DIR", "made from scikit-image", "downloaded"


@dataclass
class DatasetPack:
    """What :func:`pack_datasets` did: datasets packed, and one line per dataset it could not pack."""

    folder: Path
    packed: list[PackedDataset] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # dataset name -> one-line message

    @property
    def complete(self) -> bool:
        return not self.missing


@contextlib.contextmanager
def _data_root(folder: Path) -> Iterator[None]:
    """Point the data layer's cache (``$SRLIB_DATA``) at ``folder`` for the duration of the block."""
    saved = os.environ.get("SRLIB_DATA")
    os.environ["SRLIB_DATA"] = str(folder)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SRLIB_DATA", None)
        else:
            os.environ["SRLIB_DATA"] = saved


def parse_dataset_names(text: str | Sequence[str] | None) -> list[DatasetEntry]:
    """Registered entries for ``"Set5,Set14"`` (or a list of names; None: the workshop's datasets), without repeats."""
    if text is None:
        names: Sequence[str] = WORKSHOP_DATASETS
    elif isinstance(text, str):
        names = [n.strip() for n in text.split(",") if n.strip()]
        if not names:
            raise SRLibError("--datasets is empty — give comma-separated names such as Set5,Set14,photos")
    else:
        names = list(text)
    entries: list[DatasetEntry] = []
    for name in names:
        entry = get_entry(name)  # a one-line error naming an unknown dataset
        if entry not in entries:
            entries.append(entry)
    return entries


def _readable_by_all(folder: Path) -> None:
    """Let every account on a lab machine read a packed dataset (temporary folders start private)."""
    try:
        folder.chmod(0o755)
        for path in folder.iterdir():
            if path.is_file():
                path.chmod(0o644)
    except OSError:
        pass  # a folder we may not change (e.g. not ours) stays as it is; it was readable to us


def _copy_verified(entry: DatasetEntry, source: Path, target: Path) -> None:
    """Check ``source`` against the manifest, copy its images to a temporary folder, rename it to ``target``."""
    checked = verify_folder(entry, source)  # errors name the user's folder, not our temporary copy
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for path in checked.files:
            copied = Path(shutil.copyfile(path, staging / path.name))
            if copied.stat().st_size != path.stat().st_size:
                raise SRLibError(
                    f"{entry.name}: copying {path} to {target.parent} was incomplete — check the free disk space"
                )
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    record_verified(entry, target)  # the copies are byte for byte the files just verified


def _pack_one(entry: DatasetEntry, folder: Path, from_dir: Path | None, progress: bool) -> PackedDataset:
    with _data_root(folder):
        existing = find_cached_folder(entry)
        if existing is not None and entry.kind != "embedded":
            return PackedDataset(
                entry.name, ensure_verified(entry, existing, stamp_on_disk=True, progress=progress), "already packed"
            )
    if from_dir is not None and entry.kind != "embedded":
        with _data_root(from_dir):  # the same name matching as the cache: 'set5', 'General100' are found too
            source = find_cached_folder(entry)
        if source is not None:
            _copy_verified(entry, source, folder / entry.name)
            return PackedDataset(entry.name, folder / entry.name, f"copied from {source}")
    with _data_root(folder):
        if entry.kind == "embedded":
            origin = "already packed" if (folder / entry.name).is_dir() else "made from scikit-image"
            return PackedDataset(entry.name, dataset_path(entry.name), origin)
        return PackedDataset(entry.name, fetch_dataset(entry, progress=progress), "downloaded")


def pack_datasets(
    folder: str | os.PathLike,
    datasets: str | Sequence[str] | None = None,
    *,
    from_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> DatasetPack:
    """Put verified copies of ``datasets`` (default :data:`WORKSHOP_DATASETS`) into ``folder``.

    ``from_dir`` is a folder of dataset folders to copy from instead of downloading.
    Datasets that cannot be packed are listed in ``result.missing`` with what to do.
    """
    entries = parse_dataset_names(datasets)
    folder = Path(folder).expanduser().resolve()
    source_root = None
    if from_dir is not None:
        source_root = Path(from_dir).expanduser().resolve()
        if not source_root.is_dir():
            raise SRLibError(
                f"--from {from_dir}: no such folder — give a folder that holds dataset folders such as Set5/"
            )
    writable_folder(folder, "the pack folder", "choose a writable folder")

    result = DatasetPack(folder)
    for entry in entries:
        try:
            result.packed.append(_pack_one(entry, folder, source_root, progress))
        except SRLibError as exc:
            where = (
                f"put a copy in DIR/{entry.name} and pass --from DIR"
                if entry.kind != "embedded"
                else "reinstall scikit-image"
            )
            reason = str(exc).removeprefix(f"{entry.name}: ")
            result.missing[entry.name] = f"{entry.name} not packed: {reason} (for srlib pack: {where})"
    for item in result.packed:
        _readable_by_all(item.folder)
    downloads = folder / "downloads"
    if downloads.is_dir() and not any(downloads.iterdir()):
        downloads.rmdir()  # fetch_dataset's staging area, empty once archives are unpacked
    return result
