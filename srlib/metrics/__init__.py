"""Layer 2 — image quality metrics with the SR papers' conventions."""

from srlib.metrics.checkerboard import checkerboard_energy
from srlib.metrics.niqe import niqe
from srlib.metrics.psnr import psnr, psnr_y, rmse_y
from srlib.metrics.ssim import ssim, ssim_y

__all__ = ["psnr", "psnr_y", "ssim", "ssim_y", "rmse_y", "niqe", "checkerboard_energy"]
