"""Download a registered dataset into the cache, verifying before anything is kept.

The steps, each leaving nothing behind when it fails:

1. stream the archive with a progress bar into a temporary file in
   ``$SRLIB_DATA/downloads`` and rename it into place only when complete
   (a short read is an error, not an archive);
2. check the archive's sha256 (or md5) when the manifest records one;
3. unpack it safely (:mod:`srlib.data.extract`) into a temporary folder;
4. check the images against the manifest (pixel checksums when recorded);
5. rename the image folder to ``$SRLIB_DATA/<name>`` and delete the archive.

Only :mod:`urllib` from the standard library is used.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from srlib.data.cache import cache_dir, dataset_folder, downloads_dir, writable_cache_dir
from srlib.data.checksums import file_checksum, short
from srlib.data.extract import extract_archive
from srlib.data.registry import DatasetEntry, Source
from srlib.data.verify import ensure_verified, record_verified, verify_folder
from srlib.errors import SRLibError
from srlib.image.io import IMAGE_SUFFIXES

__all__ = ["fetch_dataset", "stream_download", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30.0  # seconds without data before giving up
_CHUNK = 1 << 16


def stream_download(
    url: str, destination: Path, *, label: str, hint: str, progress: bool = True, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Stream ``url`` to ``destination`` atomically (temporary file in the same folder, then rename)."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "srlib (SR course)"})
        # A fresh opener reads the proxy settings now; urlopen's global one keeps the first it saw.
        opener = urllib.request.build_opener()
        with os.fdopen(fd, "wb") as sink, opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            from tqdm.auto import tqdm

            with tqdm(
                total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                disable=not progress, mininterval=1.0, leave=False,
            ) as bar:  # fmt: skip
                received = 0
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    sink.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if total is not None and received != total:
                raise SRLibError(
                    f"download of {label} from {url} stopped after {received} of {total} bytes — "
                    f"try again later, or {hint}"
                )
        os.replace(tmp, destination)
    except urllib.error.HTTPError as exc:
        raise SRLibError(f"cannot download {label} from {url}: HTTP {exc.code} {exc.reason} — {hint}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(exc, http.client.IncompleteRead):
            reason = f"connection closed after {len(exc.partial)} bytes"
        raise SRLibError(f"cannot download {label} from {url} ({reason}; offline?) — {hint}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return destination


def _check_archive(entry: DatasetEntry, source: Source, archive: Path) -> None:
    for algorithm, expected in (("sha256", source.sha256), ("md5", source.md5)):
        if expected:
            actual = file_checksum(archive, algorithm)
            if actual.lower() != expected.lower():
                raise SRLibError(
                    f"{entry.name}: archive {archive.name} from {source.url} has {algorithm} {short(actual)}…, "
                    f"expected {short(expected)}… (corrupted or changed download) — {entry.manual_hint()}"
                )
            return
    if source.size is not None and archive.stat().st_size != source.size:
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
        if not archive.is_file():  # an archive a user saved here by hand is used as it is (and checked)
            stream_download(
                source.url, archive, label=f"{entry.name} ({source.filename})", hint=entry.manual_hint(),
                progress=progress, timeout=timeout,
            )  # fmt: skip
        _check_archive(entry, source, archive)
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
