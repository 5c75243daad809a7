"""``official_niqe_pristine``: download the authors' release, check the parameters, keep an .npz.

A local HTTP server on 127.0.0.1 serves a zip built here like the LIVE lab's release
(``niqe_release/modelparameters.mat`` beside other files), from ../shared's converted
copy of the official model; the test skips when ../shared is absent.
"""

from __future__ import annotations

import io
import socket
import zipfile

import numpy as np
import pytest
from scipy.io import savemat

from srlib.cli.main import main
from srlib.data.niqe_official import (
    OFFICIAL_NIQE_PARAMETERS_SHA256,
    official_niqe_path,
    official_niqe_pristine,
    pristine_parameters_digest,
)
from srlib.errors import SRLibError
from srlib.metrics.niqe import load_pristine
from tests.data.test_download import _left_in_cache, cache, server  # noqa: F401 (pytest fixtures)


@pytest.fixture
def official(shared_reference) -> tuple[np.ndarray, np.ndarray]:
    with np.load(shared_reference / "niqe_pris_params.npz") as stored:
        return stored["mu_pris_param"], stored["cov_pris_param"]


def _release_zip(mu: np.ndarray, cov: np.ndarray) -> bytes:
    """A zip laid out like niqe_release.zip, with the parameters under the .mat names."""
    mat = io.BytesIO()
    savemat(mat, {"mu_prisparam": mu, "cov_prisparam": cov})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("niqe_release/modelparameters.mat", mat.getvalue())
        archive.writestr("niqe_release/readme.txt", b"NIQE release (test copy)\n")
    return buffer.getvalue()


def test_recorded_digest_is_that_of_the_reference_parameters(official):
    mu, cov = official
    assert pristine_parameters_digest(mu, cov) == OFFICIAL_NIQE_PARAMETERS_SHA256
    assert pristine_parameters_digest(mu.reshape(-1), np.asfortranarray(cov)) == OFFICIAL_NIQE_PARAMETERS_SHA256


def test_download_converts_checks_and_reuses_the_cache(official, cache, server, capsys):  # noqa: F811
    mu, cov = official
    server.files["/niqe_release.zip"] = _release_zip(mu, cov)
    url = server.url("/niqe_release.zip")
    path = official_niqe_pristine(url, progress=False)
    assert path == official_niqe_path() and path.is_relative_to(cache)
    loaded_mu, loaded_cov = load_pristine(path)
    np.testing.assert_array_equal(loaded_mu, mu.reshape(-1))
    np.testing.assert_array_equal(loaded_cov, cov)
    assert _left_in_cache(cache) == ["niqe/niqe_official_pristine.npz"]  # no archive, no unpacked files
    assert official_niqe_pristine(url, progress=False) == path and len(server.requests) == 1
    assert main(["niqe-official", "--url", url, "--force", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(path) and len(server.requests) == 2
    np.savez(path, mu_pris_param=mu, cov_pris_param=cov * 2)  # a cached copy that no longer matches
    assert official_niqe_pristine(url, progress=False) == path and len(server.requests) == 3
    np.testing.assert_array_equal(load_pristine(path)[1], cov)


def test_changed_parameters_are_rejected_and_nothing_is_kept(official, cache, server):  # noqa: F811
    mu, cov = official
    changed = cov.copy()
    changed[0, 0] += 1e-12  # one value off in its last digits
    server.files["/niqe_release.zip"] = _release_zip(mu, changed)
    url = server.url("/niqe_release.zip")
    with pytest.raises(SRLibError) as info:
        official_niqe_pristine(url, progress=False)
    message = str(info.value)
    assert "\n" not in message and url in message and "sha256" in message and "expected" in message
    assert _left_in_cache(cache) == []


def test_archive_without_the_model_file_is_one_line(cache, server):  # noqa: F811
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("niqe_release/readme.txt", b"no parameters here\n")
    server.files["/niqe_release.zip"] = buffer.getvalue()
    with pytest.raises(SRLibError, match="holds no modelparameters.mat"):
        official_niqe_pristine(server.url("/niqe_release.zip"), progress=False)
    assert _left_in_cache(cache) == []


def test_server_down_is_a_one_line_offline_error(cache, capsys):  # noqa: F811
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/niqe_release.zip"
    with pytest.raises(SRLibError) as info:
        official_niqe_pristine(url, progress=False)
    message = str(info.value)
    assert "\n" not in message and url in message and "offline?" in message and "downloads" in message
    assert _left_in_cache(cache) == []
    assert main(["niqe-official", "--url", url, "--quiet"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cache_only_uses_a_checked_copy_and_never_the_network(official, cache, server):  # noqa: F811
    mu, cov = official
    server.files["/niqe_release.zip"] = _release_zip(mu, cov)
    url = server.url("/niqe_release.zip")
    with pytest.raises(SRLibError) as info:
        official_niqe_pristine(url, download=False, progress=False)
    message = str(info.value)
    assert "\n" not in message and "srlib niqe-official" in message and not server.requests
    path = official_niqe_pristine(url, progress=False)
    assert official_niqe_pristine(url, download=False) == path and len(server.requests) == 1
