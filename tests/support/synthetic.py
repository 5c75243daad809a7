"""Deterministic synthetic training images for the tests that really train.

Smooth colour gradients plus texture, the same on every run. ``SOURCE`` is the
function's code, for tests that paste it into a child-process script (a run
killed and resumed in a separate Python process).
"""

from __future__ import annotations

import inspect

import numpy as np

__all__ = ["generated_images", "SOURCE"]


def generated_images(count=3, size=30):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    images = []
    for k in range(count):
        base = np.stack([np.sin(3 * xx + k), np.cos(2 * yy - k), xx * yy], axis=-1)
        noisy = 0.5 + 0.35 * base + 0.1 * rng.standard_normal((size, size, 3))
        images.append((255 * np.clip(noisy, 0, 1)).astype(np.uint8))
    return images


SOURCE = "\n" + inspect.getsource(generated_images)
