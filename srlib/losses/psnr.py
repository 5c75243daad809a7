"""A pixel loss on the decibel scale of the benchmark: the mean of per-patch log MSE.

The SR tables (SRCNN, Dong et al., TPAMI 2016, sec. 4; FSRCNN, Dong et al., ECCV 2016,
sec. 4) report the *mean of per-image PSNRs*, ``-10 log10 MSE`` averaged over images.
A gain of 1 % in MSE is worth the same 0.04 dB on a smooth portrait as on a
textured baboon. The MSE loss pools all pixels, so the large errors of textured
patches dominate its gradient and a smooth image's small errors hardly count.

:func:`patch_psnr_loss` moves the loss to the metric's scale: ``10 log10(MSE + floor)``
per training patch, averaged over the batch. Its gradient is each patch's MSE gradient
divided by that patch's MSE (plus the floor), so every patch is fitted in relative terms,
as the benchmark scores each test image. Measured on FSRCNN x3 (docs/training-log.md,
"The PSNR loss"): it moved about 0.01 dB from Set5 to Set14. The ``floor`` (1e-4 on the 0..1 scale, a 40 dB
patch) keeps flat patches, whose MSE is near zero, from taking all of the weight.
Not in the papers: an experiment of this course (``loss.name = "psnr"`` in
``recipes/fsrcnn_x3.toml``, run by ``srlib train``).
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["PSNR_LOSS_FLOOR", "patch_psnr_loss"]

PSNR_LOSS_FLOOR = 1e-4  # MSE on the 0..1 scale: patches better than 40 dB count as 40 dB


@keras.saving.register_keras_serializable(package="srlib")
def patch_psnr_loss(y_true, y_pred):
    """``10 log10(MSE + PSNR_LOSS_FLOOR)`` of each patch (minus its PSNR in dB, floored at 40 dB)."""
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    mse = ops.mean(ops.square(y_pred - y_true), axis=tuple(range(1, len(y_true.shape))))
    return 10.0 * ops.log(mse + PSNR_LOSS_FLOOR) / ops.log(10.0)
