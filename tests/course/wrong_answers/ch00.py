"""Chapter 00's typical mistakes: the LR input (00.1), the papers' PSNR (00.2), the bicubic baseline (00.3)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from srlib.image import imresize, modcrop, rgb2y, shave
from srlib.metrics import psnr, psnr_y, ssim_y


def _subsample(hr, scale):
    return hr[::scale, ::scale]


def _subsample_cropped(hr, scale):
    return modcrop(hr, scale)[::scale, ::scale]


def _no_antialias(hr, scale):
    return imresize(modcrop(hr, scale), 1 / scale, antialiasing=False)


def _zero_one(hr, scale):
    return imresize(modcrop(hr, scale) / 255.0, 1 / scale)


def _float_unrounded(hr, scale):
    return imresize(modcrop(hr, scale).astype(np.float64), 1 / scale)


def _pil_bicubic(hr, scale):
    hr = modcrop(hr, scale)
    size = (hr.shape[1] // scale, hr.shape[0] // scale)
    return np.asarray(Image.fromarray(hr).resize(size, Image.Resampling.BICUBIC))


def _upscaled(hr, scale):
    return imresize(modcrop(hr, scale), scale)


def _gray(hr, scale):
    return imresize(modcrop(hr, scale), 1 / scale)[..., 0]


def _psnr_uint8(sr, hr, scale):
    return 10 * np.log10(255**2 / np.mean((sr - hr) ** 2))


def _psnr_rgb(sr, hr, scale):
    return psnr(sr, hr)


def _psnr_rgb_shaved(sr, hr, scale):
    return psnr(shave(sr, scale), shave(hr, scale))


def _psnr_no_shave(sr, hr, scale):
    return psnr(rgb2y(sr), rgb2y(hr))


def _psnr_peak_one(sr, hr, scale):
    return psnr(shave(rgb2y(sr), scale), shave(rgb2y(hr), scale), data_range=1.0)


def _psnr_full_range_luma(sr, hr, scale):
    def luma(image):
        return image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])

    return psnr(shave(luma(sr), scale), shave(luma(hr), scale))


def _psnr_array(sr, hr, scale):
    return np.array([psnr_y(sr, hr, scale)] * 3)


def _scores_identity(hr, scale):
    return psnr_y(hr, hr), ssim_y(hr, hr)


def _scores_no_modcrop(hr, scale):
    sr = imresize(imresize(hr, 1 / scale), scale)
    return psnr_y(sr, hr, scale), ssim_y(sr, hr, scale)


def _scores_no_shave(hr, scale):
    hr = modcrop(hr, scale)
    sr = imresize(imresize(hr, 1 / scale), scale)
    return psnr_y(sr, hr), ssim_y(sr, hr)


def _scores_nearest(hr, scale):
    hr = modcrop(hr, scale)
    lr = imresize(hr, 1 / scale)
    sr = np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1)
    return psnr_y(sr, hr, scale), ssim_y(sr, hr, scale)


def _scores_swapped(hr, scale):
    hr = modcrop(hr, scale)
    sr = imresize(imresize(hr, 1 / scale), scale)
    return ssim_y(sr, hr, scale), psnr_y(sr, hr, scale)


def _scores_single_number(hr, scale):
    hr = modcrop(hr, scale)
    return psnr_y(imresize(imresize(hr, 1 / scale), scale), hr, scale)


MISTAKES = [
    ("00.1", _subsample, "modcrop"),  # the placeholder: wrong size first
    ("00.1", _subsample_cropped, "subsampling"),
    ("00.1", _no_antialias, "antialiasing"),
    ("00.1", _zero_one, "0..1"),
    ("00.1", _float_unrounded, "rounds to uint8"),
    ("00.1", _pil_bicubic, "Pillow"),
    ("00.1", _upscaled, "larger than the HR"),
    ("00.1", _gray, "colour channels"),
    ("00.2", _psnr_uint8, "wraps around"),  # the placeholder
    ("00.2", _psnr_rgb, "on RGB over the whole image"),
    ("00.2", _psnr_rgb_shaved, "convert both images to Y"),
    ("00.2", _psnr_no_shave, "forgot to shave"),
    ("00.2", _psnr_peak_one, "peak of 1"),
    ("00.2", _psnr_full_range_luma, "16..235"),
    ("00.2", _psnr_array, "return one number"),
    ("00.3", _scores_identity, "compared the HR image with itself"),  # the placeholder
    ("00.3", _scores_no_modcrop, "modcrop"),
    ("00.3", _scores_no_shave, "must shave"),
    ("00.3", _scores_nearest, "nearest-neighbour"),
    ("00.3", _scores_swapped, "(psnr, ssim) in that order"),
    ("00.3", _scores_single_number, "return two numbers"),
]
