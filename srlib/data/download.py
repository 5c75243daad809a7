"""Download a registered dataset into the cache, verifying before anything is kept.

The steps, each leaving nothing behind when it fails:

1. fetch the archive into ``$SRLIB_DATA/downloads`` with :mod:`pooch`, which streams it
   to a temporary file there and renames it into place only when it is complete and,
   when the manifest records its sha256 (or md5), matches it;
2. check the archive's size when the manifest records only that;
3. unpack it safely (:mod:`srlib.data.extract`) into a temporary folder;
4. check the images against the manifest (pixel checksums when recorded);
5. rename the image folder to ``$SRLIB_DATA/<name>`` and delete the archive.

Every failure, from the network or from a checksum, is one :class:`~srlib.errors.SRLibError`
line naming the URL and what to do.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pooch
import requests
from tqdm.auto import tqdm

from srlib.data.cache import cache_dir, dataset_folder, downloads_dir, writable_cache_dir
from srlib.data.checksums import short
from srlib.data.extract import extract_archive
from srlib.data.registry import DatasetEntry, Source
from srlib.data.verify import ensure_verified, record_verified, verify_folder
from srlib.errors import SRLibError
from srlib.image.io import IMAGE_SUFFIXES

__all__ = ["fetch_dataset", "download_file", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30.0  # seconds without data before giving up
_HEADERS = {"User-Agent": "srlib (SR course)"}
_CHUNK = 1 << 16


@contextmanager
def _pooch_says_nothing() -> Iterator[None]:
    """Silence pooch's own "Downloading ..." log lines (its logger prints to stderr) for one call."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _network_reason(exc: requests.RequestException) -> str:
    """The useful end of a requests error: ``[Errno 111] Connection refused`` rather than the pool's story."""
    found = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
    if found:
        return found.group(0).strip()
    return "timed out" if isinstance(exc, requests.Timeout) else type(exc).__name__


def download_file(
    url: str,
    destination: Path,
    *,
    label: str,
    hint: str,
    known_hash: str | None = None,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Fetch ``url`` to ``destination`` through pooch; return ``destination``.

    ``known_hash`` is ``"sha256:..."`` or ``"md5:..."``: a file already at ``destination``
    is kept when it matches (or when no hash is known), else downloaded again, and a
    download that does not match is deleted. ``label`` names the file and ``hint`` the fix
    in the one-line error.
    """
    destination = Path(destination)
    # pooch tests the bar with bool(), which a tqdm without a total refuses; pooch then sets the real total.
    bar = tqdm(
        total=1,
        desc=label,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=not progress,
        mininterval=1.0,
        leave=False,
    )
    downloader = pooch.HTTPDownloader(progressbar=bar, chunk_size=_CHUNK, timeout=timeout, headers=_HEADERS)
    try:
        with bar, _pooch_says_nothing():
            pooch.retrieve(url, known_hash, fname=destination.name, path=destination.parent, downloader=downloader)
    except requests.HTTPError as exc:
        response = exc.response
        raise SRLibError(
            f"cannot download {label} from {url}: HTTP {response.status_code} {response.reason} — {hint}"
        ) from None
    except requests.exceptions.ChunkedEncodingError:
        raise SRLibError(
            f"download of {label} from {url} stopped before the end (connection closed) — try again later, or {hint}"
        ) from None
    except requests.RequestException as exc:
        raise SRLibError(f"cannot download {label} from {url} ({_network_reason(exc)}; offline?) — {hint}") from None
    except ValueError as exc:
        if "does not match the known hash" not in str(exc):
            raise
        # pooch has deleted the download that does not match known_hash.
        algorithm, _, expected = str(known_hash).partition(":")
        got = re.search(r"but got (\w+)", str(exc))
        actual = f" has {algorithm} {short(got.group(1))}…," if got else ""
        raise SRLibError(
            f"{label} from {url}{actual} expected {algorithm} {short(expected)}… (corrupted or changed download) — {hint}"
        ) from None
    return destination


def _known_hash(source: Source) -> str | None:
    if source.sha256:
        return f"sha256:{source.sha256.lower()}"
    return f"md5:{source.md5.lower()}" if source.md5 else None


def _check_size(entry: DatasetEntry, source: Source, archive: Path) -> None:
    """The archive's size, for sources whose manifest records no checksum."""
    if source.sha256 or source.md5 or source.size is None:
        return
    if archive.stat().st_size != source.size:
        raise SRLibError(
            f"{entry.name}: archive {archive.name} has {archive.stat().st_size} bytes, expected {source.size} — "
            f"{entry.manual_hint()}"
        )


def _image_dirs(root: Path) -> dict[Path, list[str]]:
    found: dict[Path, list[str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__MACOSX" and not d.startswith("."))
        stems = [Path(f).stem for f in filenames if Path(f).suffix.lower() in IMAGE_SUFFIXES and not f.startswith(".")]
        if stems:
            found[Path(dirpath)] = stems
    return found


def _image_folder(entry: DatasetEntry, source: Source, unpacked: Path) -> Path:
    """The folder of HR images inside an unpacked archive: as declared, else the best match."""
    if source.folder:
        declared = unpacked / source.folder
        if declared.is_dir():
            return declared
    candidates = _image_dirs(unpacked)
    if not candidates:
        raise SRLibError(f"{entry.name}: the archive from {source.url} contains no images — {entry.manual_hint()}")
    expected = {record.name for record in entry.images}

    def score(item: tuple[Path, list[str]]) -> tuple[int, int]:
        folder, stems = item
        matches = len(expected.intersection(stems)) if expected else 0
        count_fits = int(entry.count is not None and len(stems) == entry.count)
        return (matches, count_fits)

    ranked = sorted(candidates.items(), key=score, reverse=True)
    if len(ranked) > 1 and score(ranked[0]) == score(ranked[1]):
        names = ", ".join(str(p.relative_to(unpacked)) for p, _ in ranked[:3])
        raise SRLibError(
            f"{entry.name}: the archive from {source.url} has several image folders ({names}) and the manifest "
            f"does not say which holds the HR images — {entry.manual_hint()}"
        )
    return ranked[0][0]


def _fetch_from(entry: DatasetEntry, source: Source, *, progress: bool, timeout: float) -> Path:
    root = cache_dir()
    archive = downloads_dir() / source.filename
    staging: Path | None = None
    try:
        # An archive a user saved here by hand is used when it matches the manifest's checksum.
        download_file(
            source.url,
            archive,
            label=f"{entry.name}: archive {source.filename}",
            hint=entry.manual_hint(),
            known_hash=_known_hash(source),
            progress=progress,
            timeout=timeout,
        )
        _check_size(entry, source, archive)
        staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".tmp", dir=root))
        try:
            extract_archive(archive, staging, source.format)
        except SRLibError as exc:
            raise SRLibError(f"{entry.name}: {exc}") from None
        folder = _image_folder(entry, source, staging)
        verify_folder(entry, folder, progress=progress)
        target = dataset_folder(entry)
        try:
            os.replace(folder, target)
        except OSError:
            if not target.is_dir():
                raise
            # Another process finished first: check its copy like any cached folder.
            return ensure_verified(entry, target, stamp_on_disk=True)
        record_verified(entry, target)
        return target
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if archive.exists():
            archive.unlink()  # unpacked and verified, or rejected: either way not worth keeping


def fetch_dataset(entry: DatasetEntry, *, progress: bool = True, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Download, verify and unpack ``entry`` into ``$SRLIB_DATA/<name>``; return that folder."""
    if not entry.sources:
        raise SRLibError(f"{entry.name} has no download URL recorded — {entry.manual_hint()}")
    writable_cache_dir()
    errors: list[str] = []
    for source in entry.sources:
        try:
            return _fetch_from(entry, source, progress=progress, timeout=timeout)
        except SRLibError as exc:
            errors.append(str(exc))
    more = f" ({len(errors) - 1} other source(s) failed too)" if len(errors) > 1 else ""
    raise SRLibError(errors[0] + more)
