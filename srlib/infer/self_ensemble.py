"""Geometric self-ensemble (Timofte et al., "Seven ways to improve example-based single image
super resolution", CVPR 2016, sec. 2.1; Lim et al., EDSR, CVPRW 2017, sec. 3.3).

The input is transformed by the 8 elements of the dihedral group (4 rotations by 90
degrees, each with and without a flip), the network runs on each, the outputs are
transformed back and averaged. It costs 8 forward passes and typically adds 0.1-0.3 dB.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["dihedral_transforms", "self_ensemble"]

Transform = Callable[[np.ndarray], np.ndarray]


def dihedral_transforms() -> list[tuple[Transform, Transform]]:
    """The 8 ``(forward, inverse)`` pairs acting on the first two axes of ``(H, W, ...)`` arrays."""
    pairs = []
    for flip in (False, True):
        for quarter_turns in range(4):

            def forward(x: np.ndarray, k=quarter_turns, f=flip) -> np.ndarray:
                return np.rot90(x[:, ::-1] if f else x, k, axes=(0, 1))

            def inverse(y: np.ndarray, k=quarter_turns, f=flip) -> np.ndarray:
                y = np.rot90(y, -k, axes=(0, 1))
                return y[:, ::-1] if f else y

            pairs.append((forward, inverse))
    return pairs


def self_ensemble(predict: Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> np.ndarray:
    """Mean of ``inverse(predict(forward(image)))`` over the 8 dihedral transforms (float64).

    ``predict`` maps an ``(H, W, C)`` array to its SR ``(sH, sW, C')``; it must work
    on the rotated ``(W, H, C)`` shape too (any fully convolutional network does).
    """
    total = None
    for forward, inverse in dihedral_transforms():
        sr = inverse(np.asarray(predict(np.ascontiguousarray(forward(image)))).astype(np.float64))
        total = sr if total is None else total + sr
    return total / 8.0
