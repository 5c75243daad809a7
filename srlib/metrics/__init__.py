"""Layer 2 — image quality metrics with the SR papers' conventions."""

from srlib.metrics.checkerboard import checkerboard_energy
from srlib.metrics.niqe import fit_aggd, load_pristine, mscn, niqe, niqe_features, niqe_luma
from srlib.metrics.psnr import psnr, psnr_y, rmse_y
from srlib.metrics.ssim import gaussian_1d, ssim, ssim_y

__all__ = [
    "psnr",
    "psnr_y",
    "ssim",
    "ssim_y",
    "gaussian_1d",
    "rmse_y",
    "niqe",
    "niqe_features",
    "niqe_luma",
    "mscn",
    "fit_aggd",
    "load_pristine",
    "checkerboard_energy",
]
