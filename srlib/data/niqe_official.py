"""The official NIQE pristine model, fetched at run time from its publisher and checked.

Mittal, Soundararajan & Bovik's MATLAB release (``niqe_release.zip``, LIVE lab, UT
Austin) holds ``modelparameters.mat`` with the pristine multivariate Gaussian of
their paper (sec. II-D): ``mu_prisparam`` (1x36) and ``cov_prisparam`` (36x36).
srlib may not redistribute it, so :func:`official_niqe_pristine` downloads the
release, unpacks it safely, converts the two arrays to the ``.npz`` layout
:func:`srlib.metrics.niqe.load_pristine` reads (``mu_pris_param``,
``cov_pris_param``), and keeps only that file in the data cache.

What is checked is the *parameters*, not the zip: the SHA-256 of ``mu`` (36 values)
then ``cov`` (36x36, row-major), as little-endian float64 — a fingerprint recorded
from a converted copy of the official model, independent of how the zip or the
``.mat`` file happen to be packed. With this model ``niqe`` gives the published
scale (baboon: 5.7296).

    srlib niqe-official            # prints the path of the .npz
    niqe(image, pristine=official_niqe_pristine())
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np
from scipy.io import loadmat

from srlib.data.cache import cache_dir, downloads_dir, writable_cache_dir
from srlib.data.checksums import short
from srlib.data.download import DEFAULT_TIMEOUT, download_file
from srlib.data.extract import extract_archive
from srlib.errors import SRLibError
from srlib.files import atomic_path

__all__ = [
    "OFFICIAL_NIQE_URL",
    "OFFICIAL_NIQE_PARAMETERS_SHA256",
    "official_niqe_pristine",
    "official_niqe_path",
    "pristine_parameters_digest",
]

OFFICIAL_NIQE_URL = "http://live.ece.utexas.edu/research/quality/niqe_release.zip"
# sha256 of mu (36) then cov (36x36, C order) as '<f8' bytes; see pristine_parameters_digest.
OFFICIAL_NIQE_PARAMETERS_SHA256 = "f6284a2b53fd40bbc960472b76ec55b67a299a0270294b804c847e99b8cc1e30"

_MAT_NAME = "modelparameters.mat"
_ARCHIVE_NAME = "niqe_release.zip"
_FEATURES = 36  # 18 features at two scales (paper sec. II-C)


def official_niqe_path() -> Path:
    """Where the converted official model is kept: ``$SRLIB_DATA/niqe/niqe_official_pristine.npz``."""
    return cache_dir() / "niqe" / "niqe_official_pristine.npz"


def pristine_parameters_digest(mu: np.ndarray, cov: np.ndarray) -> str:
    """SHA-256 of ``mu`` (flattened) followed by ``cov`` (row-major), both as little-endian float64."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(np.asarray(mu, dtype="<f8").reshape(-1)).tobytes())
    digest.update(np.ascontiguousarray(np.asarray(cov, dtype="<f8")).tobytes())
    return digest.hexdigest()


def _hint(url: str) -> str:
    return (
        f"save {_ARCHIVE_NAME} from {url} by hand into {downloads_dir()} and run again, "
        "or keep srlib's own model (niqe(..., pristine=None))"
    )


def _read_mat(mat_file: Path, url: str) -> tuple[np.ndarray, np.ndarray]:
    """``mu`` (1, 36) and ``cov`` (36, 36) float64 from the release's ``modelparameters.mat``."""
    try:
        contents = loadmat(mat_file)
        mu = np.asarray(contents["mu_prisparam"], dtype=np.float64).reshape(1, -1)
        cov = np.asarray(contents["cov_prisparam"], dtype=np.float64)
    except KeyError as exc:
        raise SRLibError(f"NIQE release from {url}: {_MAT_NAME} has no {exc.args[0]} — {_hint(url)}") from None
    except (ValueError, TypeError, OSError, NotImplementedError) as exc:
        raise SRLibError(
            f"NIQE release from {url}: cannot read {_MAT_NAME} ({type(exc).__name__}) — {_hint(url)}"
        ) from None
    if mu.shape != (1, _FEATURES) or cov.shape != (_FEATURES, _FEATURES):
        raise SRLibError(
            f"NIQE release from {url}: {_MAT_NAME} holds mu {mu.shape} and cov {cov.shape}, "
            f"expected (1, {_FEATURES}) and ({_FEATURES}, {_FEATURES}) — {_hint(url)}"
        )
    return mu, cov


def _check_digest(mu: np.ndarray, cov: np.ndarray, expected: str, url: str) -> None:
    actual = pristine_parameters_digest(mu, cov)
    if actual != expected.lower():
        raise SRLibError(
            f"NIQE release from {url}: {_MAT_NAME}'s parameters have sha256 {short(actual)}…, expected {short(expected)}… "
            f"(not the official model, or changed) — {_hint(url)}"
        )


def _save_npz(mu: np.ndarray, cov: np.ndarray, target: Path) -> None:
    """Write the ``.npz`` atomically (temporary file beside it, then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, suffix=".npz") as temporary:
        np.savez(temporary, mu_pris_param=mu, cov_pris_param=cov)


def _cached_is_valid(target: Path, expected: str) -> bool:
    try:
        with np.load(target) as stored:
            return pristine_parameters_digest(stored["mu_pris_param"], stored["cov_pris_param"]) == expected.lower()
    except (OSError, KeyError, ValueError):
        return False


def official_niqe_pristine(
    url: str = OFFICIAL_NIQE_URL,
    *,
    sha256: str = OFFICIAL_NIQE_PARAMETERS_SHA256,
    force: bool = False,
    download: bool = True,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Path of the official NIQE pristine model as an ``.npz`` for ``niqe(..., pristine=...)``.

    Uses the cached copy when its parameters match ``sha256`` (unless ``force``); otherwise
    downloads ``url`` (or uses ``niqe_release.zip`` saved by hand in ``$SRLIB_DATA/downloads``),
    unpacks it safely, reads ``modelparameters.mat`` and checks the parameters' digest
    (:func:`pristine_parameters_digest`) before writing the ``.npz``. The archive and the
    unpacked files are deleted either way. Offline, or when the parameters differ, raises a
    one-line :class:`~srlib.errors.SRLibError`; so does ``download=False`` (use the cache only)
    when no checked copy is cached.
    """
    target = official_niqe_path()
    if not force and target.is_file() and _cached_is_valid(target, sha256):
        return target
    if not download:
        raise SRLibError(
            f"the official NIQE model is not cached at {target} — run `srlib niqe-official` once, online, to fetch it"
        )
    root = writable_cache_dir()
    archive = downloads_dir() / _ARCHIVE_NAME
    staging: Path | None = None
    try:
        # No hash for the zip: what is checked is the parameters inside it (see the module docstring).
        download_file(
            url,
            archive,
            label=f"NIQE official model ({_ARCHIVE_NAME})",
            hint=_hint(url),
            progress=progress,
            timeout=timeout,
        )
        staging = Path(tempfile.mkdtemp(prefix=".niqe_release.", suffix=".tmp", dir=root))
        try:
            extract_archive(archive, staging, "zip")
        except SRLibError as exc:
            raise SRLibError(f"NIQE release from {url}: {exc}") from None
        found = sorted(p for p in staging.rglob(_MAT_NAME) if p.is_file())
        if len(found) != 1:
            what = "no" if not found else f"{len(found)} copies of"
            raise SRLibError(f"NIQE release from {url}: the archive holds {what} {_MAT_NAME} — {_hint(url)}")
        mu, cov = _read_mat(found[0], url)
        _check_digest(mu, cov, sha256, url)
        _save_npz(mu, cov, target)
        return target
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if archive.exists():
            archive.unlink()  # converted and checked, or rejected: only the .npz is kept
