"""Unpack zip and tar archives safely.

An archive from the internet can name members ``../../.bashrc`` or ``/etc/x``,
or hold symlinks and hard links that point outside the target folder and are
then written *through*. Every member is checked before a single file is written,
and the first unsafe one stops the extraction with a one-line error:

* tar: Python's own ``"data"`` extraction filter (PEP 706) — members and link targets
  stay inside the folder (a leading ``/`` is dropped), no device files, no odd permissions;
* zip: only plain files and folders with relative paths that stay inside.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from srlib.errors import SRLibError

__all__ = ["extract_archive", "archive_kind"]

_TAR_FORMATS = ("tar", "tar.gz", "tgz", "tar.bz2", "tar.xz")


def archive_kind(path: Path, declared: str = "auto") -> str:
    """'zip' or 'tar': from the declared format, else from the file's content."""
    declared = (declared or "auto").lower()
    if declared == "zip":
        return "zip"
    if declared in _TAR_FORMATS:
        return "tar"
    if zipfile.is_zipfile(path):
        return "zip"
    if tarfile.is_tarfile(path):
        return "tar"
    raise SRLibError(f"cannot unpack {path.name}: neither a zip nor a tar archive — check the download URL")


def _safe_relative(name: str, archive: Path) -> PurePosixPath:
    normalised = name.replace("\\", "/")
    path = PurePosixPath(normalised)
    is_absolute = normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":")
    if is_absolute or ".." in path.parts:
        raise SRLibError(
            f"unsafe archive {archive.name}: member '{name}' points outside the target folder — "
            "refusing to unpack it; get the dataset from its official source"
        )
    return PurePosixPath(*[part for part in path.parts if part not in ("", ".")])


def _refuse_link(name: str, archive: Path, what: str) -> SRLibError:
    return SRLibError(
        f"unsafe archive {archive.name}: member '{name}' is a {what} — refusing to unpack it; "
        "get the dataset from its official source"
    )


def _zip_plan(handle: zipfile.ZipFile, archive: Path) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    plan = []
    for info in handle.infolist():
        relative = _safe_relative(info.filename, archive)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse_link(info.filename, archive, "symbolic link")
        plan.append((info, relative))
    return plan


def _checked_tar_members(handle: tarfile.TarFile, archive: Path, target: Path) -> list[tarfile.TarInfo]:
    """Every member as the "data" filter would extract it; a one-line error at the first it refuses."""
    members = []
    for member in handle.getmembers():
        try:
            members.append(tarfile.data_filter(member, str(target)))
        except tarfile.FilterError as exc:
            reason = str(exc).replace(f"{member.name!r} ", "", 1)  # e.g. "is a link to an absolute path"
            raise SRLibError(
                f"unsafe archive {archive.name}: member '{member.name}' {reason} — refusing to unpack it; "
                "get the dataset from its official source"
            ) from None
    return members


def extract_archive(archive: Path, target: Path, declared_format: str = "auto") -> Path:
    """Unpack ``archive`` into the existing folder ``target`` after checking every member; return ``target``."""
    archive, target = Path(archive), Path(target)
    kind = archive_kind(archive, declared_format)
    try:
        if kind == "zip":
            with zipfile.ZipFile(archive) as handle:
                for info, relative in _zip_plan(handle, archive):
                    destination = target.joinpath(*relative.parts)
                    if info.is_dir() or not relative.parts:
                        destination.mkdir(parents=True, exist_ok=True)
                        continue
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with handle.open(info) as source, destination.open("wb") as sink:
                        shutil.copyfileobj(source, sink, 1 << 20)
        else:
            with tarfile.open(archive, "r:*") as handle:
                handle.extractall(target, members=_checked_tar_members(handle, archive, target), filter="data")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # a real disk problem (full, no permission): let it show as it is
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SRLibError(
            f"cannot unpack {archive.name}: {reason} (damaged or truncated archive) — download it again"
        ) from None
    return target
