"""``srlib niqe-official``: fetch the authors' NIQE pristine model, check it, print the path of its ``.npz``.

The download, the check of the parameters' fingerprint and the conversion are
:func:`srlib.data.niqe_official.official_niqe_pristine` (Mittal et al. 2013, sec. II-D).
"""

from __future__ import annotations

import argparse

from srlib.data.niqe_official import OFFICIAL_NIQE_URL, official_niqe_pristine

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    """Print the path of the checked ``.npz`` (downloaded when it is not cached yet, or with ``--force``)."""
    print(official_niqe_pristine(args.url or OFFICIAL_NIQE_URL, force=args.force, progress=not args.quiet))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``niqe-official [--url URL] [--force] [--quiet]``."""
    parser = subparsers.add_parser(
        "niqe-official", help="download the authors' NIQE pristine model, check it, print the path of its .npz"
    )
    parser.add_argument("--url", default=None, help="where to get niqe_release.zip (default: the LIVE lab's release)")
    parser.add_argument("--force", action="store_true", help="download again even if a checked copy is cached")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)
