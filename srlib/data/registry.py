"""The dataset registry: what each dataset is, where it comes from, what it must contain.

One JSON manifest per dataset lives in ``srlib/data/manifests/`` (shipped with the
package) and is written by ``datasets/make_manifests.py``. A manifest records the
public source archive(s), the paper to cite, a licence note, the expected image
names and count, and — where the maintainers had a copy to measure — the
:func:`~srlib.data.checksums.pixel_checksum` of every image. Fields that were not
measured are ``null`` and said to be so; nothing is guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srlib.errors import SRLibError

__all__ = [
    "Source",
    "ImageRecord",
    "DatasetEntry",
    "DATASETS",
    "MANIFEST_DIR",
    "registry",
    "lookup",
    "get_entry",
    "normalise_name",
    "load_manifest",
]

MANIFEST_DIR = Path(__file__).resolve().parent / "manifests"


@dataclass(frozen=True)
class Source:
    """One place to download an archive of the dataset from."""

    url: str
    format: str  # "zip", "tar", "tar.gz", ...: how to unpack it
    folder: str | None = None  # folder of the HR images inside the archive, if known
    sha256: str | None = None  # of the archive file, when published or measured
    md5: str | None = None
    size: int | None = None  # bytes, when known
    verified_here: bool = False  # did the maintainers download it and check it?
    note: str = ""

    @property
    def filename(self) -> str:
        """File name for the downloaded archive (the URL's last part, without a query)."""
        name = self.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return name or "archive"


@dataclass(frozen=True)
class ImageRecord:
    """One expected image: its name (file stem), and its decoded shape and pixel checksum if recorded."""

    name: str
    file: str | None = None  # the file name in the copy the checksum was measured on
    shape: tuple[int, ...] | None = None
    pixel_sha256: str | None = None


@dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: the parsed manifest."""

    name: str
    description: str
    role: str  # "evaluation", "training", "demo"
    citation: str
    licence: str
    homepage: str = ""
    paper_url: str = ""
    aliases: tuple[str, ...] = ()
    # "archive" (downloaded), "embedded" (made from files installed with a package) or "split"
    # (named images of another registered dataset, ``split_of``, held out of training on it)
    kind: str = "archive"
    sources: tuple[Source, ...] = ()
    count: int | None = None
    images: tuple[ImageRecord, ...] = ()
    checksums_origin: str = ""
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def split_of(self) -> str:
        """For a split, the registered dataset its images come from; else ``""``."""
        return str(self.extra.get("split_of", "")) if self.kind == "split" else ""

    @property
    def has_names(self) -> bool:
        return bool(self.images)

    @property
    def has_pixel_checksums(self) -> bool:
        return bool(self.images) and all(image.pixel_sha256 for image in self.images)

    @property
    def verification_level(self) -> str:
        """``pixels``, ``names`` or ``count``: the strongest check the manifest allows."""
        if self.has_pixel_checksums or self.kind == "embedded":  # embedded: measured on the installed files
            return "pixels"
        return "names" if self.has_names else "count"

    def manual_hint(self) -> str:
        """Where to get the data by hand, for one-line error messages."""
        where = self.sources[0].url if self.sources else (self.homepage or "its project page")
        return (
            f"download {self.name} manually from {where}, unpack it and pass local='/path/to/{self.name}', "
            f"or put the images in $SRLIB_DATA/{self.name}"
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (what ``srlib data list`` prints)."""
        return {
            "name": self.name,
            "role": self.role,
            "count": self.count,
            "verification": self.verification_level,
            "archive_checksum": any(s.sha256 or s.md5 for s in self.sources),
            "citation": self.citation,
            "licence": self.licence,
            "sources": [s.url for s in self.sources],
        }


def normalise_name(name: str) -> str:
    """Case- and punctuation-insensitive key: 'General-100', 'general100' and 'GENERAL_100' agree."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _entry_from_dict(data: Mapping[str, Any]) -> DatasetEntry:
    known = {
        "name", "description", "role", "citation", "licence", "homepage", "paper_url", "aliases",
        "kind", "sources", "count", "images", "checksums_origin", "notes", "order",
    }  # fmt: skip
    sources = tuple(
        Source(
            url=s["url"],
            format=s.get("format") or _format_from_url(s["url"]),
            folder=s.get("folder"),
            sha256=s.get("sha256"),
            md5=s.get("md5"),
            size=s.get("size"),
            verified_here=bool(s.get("verified_here", False)),
            note=s.get("note", ""),
        )
        for s in data.get("sources", [])
    )
    images = tuple(
        ImageRecord(
            name=i["name"],
            file=i.get("file"),
            shape=tuple(i["shape"]) if i.get("shape") else None,
            pixel_sha256=i.get("pixel_sha256"),
        )
        for i in data.get("images", [])
    )
    count = data.get("count")
    if count is None and images:
        count = len(images)
    return DatasetEntry(
        name=data["name"],
        description=data.get("description", ""),
        role=data.get("role", ""),
        citation=data.get("citation", ""),
        licence=data.get("licence", ""),
        homepage=data.get("homepage", ""),
        paper_url=data.get("paper_url", ""),
        aliases=tuple(data.get("aliases", ())),
        kind=data.get("kind", "archive"),
        sources=sources,
        count=count,
        images=images,
        checksums_origin=data.get("checksums_origin", ""),
        notes=data.get("notes", ""),
        extra={k: v for k, v in data.items() if k not in known},
    )


def _format_from_url(url: str) -> str:
    path = url.split("?", 1)[0].lower()
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip"):
        if path.endswith(suffix):
            return suffix.lstrip(".")
    return "auto"


def load_manifest(source: str | Path | Mapping[str, Any]) -> DatasetEntry:
    """A :class:`DatasetEntry` from a manifest file or an already-parsed manifest dict."""
    if isinstance(source, Mapping):
        return _entry_from_dict(source)
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SRLibError(
            f"dataset manifest not found: {path} — reinstall srlib or rerun datasets/make_manifests.py"
        ) from None
    except json.JSONDecodeError as exc:
        raise SRLibError(
            f"dataset manifest {path} is not valid JSON ({exc.msg}, line {exc.lineno}) — rerun datasets/make_manifests.py"
        ) from None
    return _entry_from_dict(data)


def _load_all() -> dict[str, DatasetEntry]:
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(MANIFEST_DIR.glob("*.json"))]
    manifests.sort(key=lambda m: (m.get("order", len(manifests)), m["name"]))
    entries = [_entry_from_dict(m) for m in manifests]
    return {entry.name: entry for entry in entries}


# Registered datasets by name. A plain dict so a caller (or a test) can add an entry.
DATASETS: dict[str, DatasetEntry] = _load_all()


def registry() -> dict[str, DatasetEntry]:
    """All registered datasets by name (a copy of :data:`DATASETS`)."""
    return dict(DATASETS)


def lookup(name: str) -> DatasetEntry | None:
    """The registered entry for ``name`` (case-insensitive, aliases allowed), or None."""
    key = normalise_name(name)
    if not key:
        return None
    for entry in DATASETS.values():
        if key == normalise_name(entry.name) or key in (normalise_name(a) for a in entry.aliases):
            return entry
    return None


def get_entry(name: str) -> DatasetEntry:
    """The registered entry for ``name``, or a one-line error listing the registered names."""
    entry = lookup(name)
    if entry is None:
        raise SRLibError(f"unknown dataset {name!r} — use one of {', '.join(DATASETS)} or give a folder of images")
    return entry
