"""What every reporting sub-command shares: ``--json`` prints the figures as one JSON object, last."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_json_flag", "finish"]


def add_json_flag(parser: argparse.ArgumentParser, what: str = "the figures") -> None:
    """Add ``--json``: after the human-readable report, ``what`` as one JSON object on the last line."""
    parser.add_argument("--json", action="store_true", help=f"also print {what} as one JSON object, the last line")


def finish(args: argparse.Namespace, figures: Any) -> int:
    """End a sub-command: print ``figures`` as JSON when ``--json`` was given; exit status 0."""
    if getattr(args, "json", False):
        print(json.dumps(figures))
    return 0
