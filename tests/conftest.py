"""Shared set-up: the smoke profile, where ../shared lives, and skipping cleanly when it does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SRLIB_SHARED", REPO.parent / "shared")).resolve()

# Set before any test runs, so that srlib and every kernel or subprocess a test starts inherit them:
# the smallest profile, quiet TensorFlow, and the course's ../shared (datasets, reference files).
os.environ["SRLIB_PROFILE"] = "smoke"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The engine's autotuner (srlib.train.autotune) would time XLA against the plain graph on long runs and pick by
# the clock; tests keep the engine's fixed defaults (tests/train/test_autotune.py turns it back on).
os.environ.setdefault("SRLIB_TUNE", "off")
if SHARED.is_dir():
    os.environ.setdefault("SRLIB_SHARED", str(SHARED))


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """../shared/datasets (Set5, Set14, T91, General-100); the test skips when it is absent."""
    path = SHARED / "datasets"
    if not (path / "Set5").is_dir():
        pytest.skip("../shared/datasets is not present beside the checkout")
    return path


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference (NIQE pristine model, baboon.png, published table)."""
    path = SHARED / "reference"
    if not path.is_dir():
        pytest.skip("../shared/reference is not present beside the checkout")
    return path


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked ``gpu`` skip on a machine where TensorFlow sees no GPU (TensorFlow is asked only then)."""
    marked = [item for item in items if item.get_closest_marker("gpu")]
    if not marked:
        return
    import tensorflow as tf  # noqa: PLC0415 - only when GPU tests were collected

    if not tf.config.list_physical_devices("GPU"):
        skip = pytest.mark.skip(reason="no GPU here (python -m tools.gpu_check runs these on one)")
        for item in marked:
            item.add_marker(skip)
