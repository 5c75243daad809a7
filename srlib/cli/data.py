"""``srlib data list | download NAME... | verify NAME [FOLDER]``: the course's datasets from the terminal.

The registry, the verified download and the pixel checks are :mod:`srlib.data`; each
action here takes the parsed ``argparse.Namespace`` and returns an exit status, and bad
input raises :class:`~srlib.errors.SRLibError`, which the CLI prints as one line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from srlib.data.cache import cache_dir, find_cached_folder
from srlib.data.datasets import dataset_path
from srlib.data.registry import DATASETS, get_entry
from srlib.data.splits import split_images
from srlib.data.verify import record_verified, verify_folder
from srlib.errors import SRLibError

__all__ = ["register", "run", "list_datasets", "download", "verify"]


def list_datasets(args: argparse.Namespace) -> int:
    """Print the registered datasets: role, image count, how they are verified, whether they are cached."""
    rows = []
    for entry in DATASETS.values():
        row = entry.as_dict()
        row["cached"] = entry.kind == "embedded" or find_cached_folder(entry) is not None
        rows.append(row)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"datasets in the registry (cache: {cache_dir()})")
    print(f"{'name':<12} {'role':<11} {'images':>6}  {'images checked by':<18} {'archive hash':<12} {'here'}")
    for row in rows:
        count = "?" if row["count"] is None else str(row["count"])
        archive = "yes" if row["archive_checksum"] else "-"
        here = "yes" if row["cached"] else "no"
        print(f"{row['name']:<12} {row['role']:<11} {count:>6}  {row['verification']:<18} {archive:<12} {here}")
    return 0


def download(args: argparse.Namespace) -> int:
    """Download (or find and check) each named dataset; print where it is."""
    for name in args.names:
        folder = dataset_path(name, download=True, progress=not args.quiet)
        print(f"{get_entry(name).name}: {folder}")
    return 0


def verify(args: argparse.Namespace) -> int:
    """Fully re-check a dataset folder (the cached copy, or FOLDER) against the manifest."""
    entry = get_entry(args.name)
    if entry.kind == "split":  # checked inside its parent's folder
        folder = Path(args.folder) if args.folder else dataset_path(entry.name, download=False)
        images = split_images(entry, folder)
        print(f"{entry.name} OK in {folder}: pixel checksums of all {len(images)} images of the split match")
        return 0
    if args.folder:
        folder = args.folder
    elif entry.kind == "embedded":
        folder = dataset_path(entry.name)
    else:
        folder = find_cached_folder(entry)
        if folder is None:
            raise SRLibError(
                f"{entry.name} is not in {cache_dir()} — run 'srlib data download {entry.name}', "
                f"or give its folder: srlib data verify {entry.name} /path/to/{entry.name}"
            )
    result = verify_folder(entry, folder, progress=True)
    if not args.folder and entry.kind != "embedded":
        record_verified(entry, result.folder)
    print(result.summary())
    return 0


_ACTIONS = {"list": list_datasets, "download": download, "verify": verify}


def run(args: argparse.Namespace) -> int:
    """Run the ``data`` action named on the command line."""
    return _ACTIONS[args.data_command](args)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``data list [--json] | download NAME... [--quiet] | verify NAME [FOLDER]``."""
    data = subparsers.add_parser("data", help="list, download and verify the course's datasets")
    data.set_defaults(run=run)
    actions = data.add_subparsers(dest="data_command", required=True)

    listing = actions.add_parser("list", help="registered datasets and whether they are in the cache")
    listing.add_argument("--json", action="store_true", help="print one JSON list instead of a table")

    fetch = actions.add_parser("download", help="download datasets into $SRLIB_DATA and verify them")
    fetch.add_argument("names", nargs="+", help="dataset names, e.g. Set5 Set14 DIV2K-valid")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")

    check = actions.add_parser("verify", help="check a dataset folder against its manifest (pixel checksums)")
    check.add_argument("name", help="registered dataset name, e.g. Set14")
    check.add_argument("folder", nargs="?", help="folder to check (default: the copy in $SRLIB_DATA)")
