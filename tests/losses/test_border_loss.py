"""BorderCroppedLoss: the base loss on the interior of each patch only, and its one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from srlib.errors import SRLibError  # noqa: E402
from srlib.losses.pixel import BorderCroppedLoss, check_border  # noqa: E402


def patches(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.random((2, 12, 12, 1), dtype=np.float32), rng.random((2, 12, 12, 1), dtype=np.float32)


def test_errors_in_the_border_cost_nothing():
    target, prediction = patches()
    interior = prediction.copy()
    interior[:, 3:-3, 3:-3] = target[:, 3:-3, 3:-3]
    assert float(BorderCroppedLoss(3)(target, interior)) == 0.0
    assert float(BorderCroppedLoss(2)(target, interior)) > 0.0


def test_interior_loss_is_the_base_loss_of_the_cropped_patch():
    target, prediction = patches(1)
    inner = (slice(None), slice(2, -2), slice(2, -2))
    mse = np.mean((target[inner] - prediction[inner]) ** 2)
    mae = np.mean(np.abs(target[inner] - prediction[inner]))
    np.testing.assert_allclose(float(BorderCroppedLoss(2)(target, prediction)), mse, rtol=1e-5)
    np.testing.assert_allclose(float(BorderCroppedLoss(2, "mean_absolute_error")(target, prediction)), mae, rtol=1e-5)
    full = np.mean((target - prediction) ** 2)
    np.testing.assert_allclose(float(BorderCroppedLoss(0)(target, prediction)), full, rtol=1e-5)


def test_config_round_trip():
    loss = BorderCroppedLoss(5, "mean_absolute_error")
    again = BorderCroppedLoss.from_config(loss.get_config())
    assert (again.border, again.base) == (5, "mean_absolute_error")


@pytest.mark.parametrize(
    "border, size, message",
    [(-1, 72, "loss border -1 is negative"), (36, 72, "use less than 36"), (4, 8, "of a 8-pixel output patch")],
)
def test_bad_borders_get_one_line_errors(border, size, message):
    with pytest.raises(SRLibError, match=message):
        check_border(border, size)
    check_border(min(max(border, 0), (size - 1) // 2), size)  # the largest allowed border passes
