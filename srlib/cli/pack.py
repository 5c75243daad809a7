"""``srlib pack FOLDER``: everything a workshop needs, in one folder to copy to lab machines.

The datasets are packed by :func:`srlib.data.offline_pack.pack_datasets`; the
VGG19 ImageNet weights (SRGAN's perceptual loss), from Keras' URL and checked against
Keras' md5, into ``FOLDER/keras/models`` (:mod:`srlib.models.vgg_weights`). A ``README.txt`` in
the folder tells the lab machines to set ``SRLIB_DATA=FOLDER`` and
``KERAS_HOME=FOLDER/keras``. Whatever cannot be packed (offline, no local copy)
is reported in one line each; everything else is kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from srlib.data.offline_pack import WORKSHOP_DATASETS, DatasetPack, pack_datasets
from srlib.errors import SRLibError
from srlib.files import atomic_path, atomic_write_text
from srlib.models.vgg_weights import (
    VGG19_NOTOP_FILE,
    fetch_vgg19_weights,
    keras_home,
    vgg19_weights_cached,
    vgg19_weights_file,
)

__all__ = ["Pack", "pack", "pack_vgg19_weights", "write_readme", "register", "run", "README_NAME"]

README_NAME = "README.txt"


@dataclass
class Pack:
    """The outcome of :func:`pack`: the datasets, the VGG19 weights file (or None) and what is missing."""

    datasets: DatasetPack
    vgg19: Path | None = None
    vgg19_origin: str = ""
    missing: dict[str, str] = field(default_factory=dict)  # item -> one-line message

    @property
    def folder(self) -> Path:
        return self.datasets.folder

    @property
    def complete(self) -> bool:
        return not self.missing


def _vgg19_sources(from_dir: Path | None) -> list[Path]:
    """Copies of the weights that may already exist: in ``from_dir``, then in this machine's Keras cache."""
    candidates = []
    if from_dir is not None:
        candidates += [
            from_dir / VGG19_NOTOP_FILE,
            from_dir / "models" / VGG19_NOTOP_FILE,
            from_dir / "keras" / "models" / VGG19_NOTOP_FILE,
        ]
    candidates.append(keras_home() / "models" / VGG19_NOTOP_FILE)
    return [path for path in candidates if path.is_file() and path.stat().st_size > 0]


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, suffix=".part") as temporary:
        shutil.copyfile(source, temporary)


def pack_vgg19_weights(folder: Path, from_dir: Path | None = None, *, progress: bool = True) -> tuple[Path, str]:
    """Put the VGG19 weights in ``folder/keras/models`` (copied if a local copy exists), checked against Keras' md5."""
    home = folder / "keras"
    if vgg19_weights_cached(home) is not None:
        origin = "already packed"
    else:
        sources = [s for s in _vgg19_sources(from_dir) if s.resolve() != vgg19_weights_file(home).resolve()]
        origin = "downloaded"
        if sources:
            _copy_atomically(sources[0], vgg19_weights_file(home))
            origin = f"copied from {sources[0]}"
    # The md5 Keras checks is checked now, downloading the file when absent or damaged: success means it is the right file.
    return fetch_vgg19_weights(home, progress=progress), origin


def write_readme(result: Pack) -> Path:
    """Write ``README.txt`` into the pack: what it holds and the two variables lab machines set."""
    folder = result.folder
    lines = [
        "Offline data for the super-resolution course (made by 'srlib pack').",
        "",
        "On each lab machine, copy this whole folder, then point srlib (and Keras) at it",
        "before starting JupyterLab. FOLDER is where the copy is on that machine",
        f"(it was packed at {folder}):",
        "",
        "    export SRLIB_DATA=FOLDER",
    ]
    if result.vgg19 is not None:
        lines += [
            "    export KERAS_HOME=FOLDER/keras        # the VGG19 weights for the SRGAN chapter",
            "",
            "Keras only uses KERAS_HOME when it can write there (it falls back to /tmp/.keras).",
            "On a read-only copy, put keras/models/*.h5 into ~/.keras/models/ instead.",
        ]
    lines += [
        "",
        "On Windows (cmd): set SRLIB_DATA=FOLDER"
        + ("  and  set KERAS_HOME=FOLDER\\keras" if result.vgg19 is not None else ""),
        "",
        "'srlib doctor' then lists what it finds. Contents, each checked when packed:",
    ]
    for item in result.datasets.packed:
        lines.append(f"    {item.name + '/':<16} dataset ({item.origin})")
    if result.vgg19 is not None:
        lines.append(f"    keras/models/{result.vgg19.name}  VGG19 ImageNet weights ({result.vgg19_origin})")
    if result.missing:
        lines += ["", "Not packed (see the message for what to do, then run 'srlib pack' again):"]
        lines += [f"    {message}" for message in result.missing.values()]
    return atomic_write_text(folder / README_NAME, "\n".join(lines) + "\n")


def pack(
    folder: str | os.PathLike,
    datasets: str | Sequence[str] | None = None,
    *,
    vgg: bool = True,
    from_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> Pack:
    """Pack ``datasets`` (default: the workshop's) and, with ``vgg``, the VGG19 weights into ``folder``."""
    datasets_pack = pack_datasets(folder, datasets, from_dir=from_dir, progress=progress)
    result = Pack(datasets_pack, missing=dict(datasets_pack.missing))
    if vgg:
        source_root = Path(from_dir).expanduser().resolve() if from_dir is not None else None
        try:
            result.vgg19, result.vgg19_origin = pack_vgg19_weights(result.folder, source_root, progress=progress)
        except SRLibError as exc:
            result.missing["VGG19"] = f"VGG19 weights not packed: {exc}"
    write_readme(result)
    return result


def run(args: argparse.Namespace) -> int:
    """Pack the folder, print what is in it; exit status 1 when something could not be packed."""
    result = pack(args.folder, args.datasets, vgg=args.vgg, from_dir=args.from_dir, progress=not args.quiet)
    print(f"packed into {result.folder}:")
    for item in result.datasets.packed:
        print(f"  {item.name:<12} {item.origin}")
    if result.vgg19 is not None:
        print(f"  {'VGG19':<12} {result.vgg19_origin} ({result.vgg19.stat().st_size / 1e6:.0f} MB, md5 checked)")
    for message in result.missing.values():
        print(f"srlib: {message}", file=sys.stderr)
    keras = f" KERAS_HOME={result.folder / 'keras'}" if result.vgg19 is not None else ""
    print(f"on lab machines: SRLIB_DATA={result.folder}{keras} (see {result.folder / README_NAME})")
    return 0 if result.complete else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pack FOLDER [--datasets ...] [--vgg/--no-vgg] [--from DIR] [--quiet]``."""
    parser = subparsers.add_parser(
        "pack", help="pre-download datasets and VGG19 weights into a folder for offline classrooms"
    )
    parser.add_argument("folder", help="folder to fill (created if needed); copy it to the lab machines")
    parser.add_argument(
        "--datasets",
        default=",".join(WORKSHOP_DATASETS),
        help=f"comma-separated dataset names (default: {','.join(WORKSHOP_DATASETS)})",
    )
    parser.add_argument(
        "--vgg",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also pack the VGG19 ImageNet weights for the SRGAN chapter (default: yes)",
    )
    parser.add_argument(
        "--from", dest="from_dir", metavar="DIR", help="folder of dataset folders to copy instead of downloading"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)
