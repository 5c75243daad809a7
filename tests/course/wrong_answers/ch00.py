"""Chapter 00's typical mistakes: the degradation built from its parts (00.1), the papers' PSNR (00.2),
predicted Δ dB of three convention changes (00.3), and Y from MATLAB's coefficients (00.4)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from srlib.image import imresize, modcrop, rgb2y, shave
from srlib.metrics import psnr, psnr_y

# --- 00.1: the learner's weights, right and with each slip ----------------------------------------


def _keys(x, a=-0.5):
    x = np.abs(x)
    return np.where(
        x <= 1, (a + 2) * x**3 - (a + 3) * x**2 + 1, np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0)
    )


def _weights(n, scale, *, stretch=True, corner=False, border="mirror", divide=True, a=-0.5):
    centres = np.arange(n // scale) * scale + (0 if corner else (scale - 1) / 2)
    taps = np.arange(-2 * scale, n + 2 * scale)
    weights = _keys((centres[:, None] - taps) / (scale if stretch else 1), a)
    if border == "clip":  # taps beyond the border dropped
        weights = weights * ((taps >= 0) & (taps < n))
    if divide:
        weights = weights / weights.sum(axis=1, keepdims=True)
    mirrored = np.where(taps < 0, -taps - 1, np.where(taps >= n, 2 * n - 1 - taps, taps))
    return weights @ np.eye(n)[mirrored]


def _built(hr, scale, **slip):
    hr = modcrop(hr, scale).astype(np.float64)
    return np.einsum("ij,jkc,lk->ilc", _weights(hr.shape[0], scale, **slip), hr, _weights(hr.shape[1], scale, **slip))


def _placeholder_lr(hr, scale):  # the notebook's placeholder: one weight of 1 at every scale-th pixel
    hr = modcrop(hr, scale).astype(np.float64)

    def weights(n):
        w = np.zeros((n // scale, n))
        w[np.arange(n // scale), np.arange(n // scale) * scale] = 1
        return w

    return np.einsum("ij,jkc,lk->ilc", weights(hr.shape[0]), hr, weights(hr.shape[1]))


def _no_stretch(hr, scale):
    return _built(hr, scale, stretch=False)


def _matlab_no_antialiasing(hr, scale):
    return imresize(modcrop(hr, scale), 1 / scale, antialiasing=False)


def _no_division(hr, scale):
    return _built(hr, scale, divide=False)


def _corner_centres(hr, scale):
    return _built(hr, scale, corner=True)


def _dropped_border(hr, scale):
    return _built(hr, scale, border="clip")


def _opencv_a(hr, scale):
    return _built(hr, scale, a=-0.75)


def _zero_one(hr, scale):
    return _built(hr, scale) / 255


def _pil_bicubic(hr, scale):
    hr = modcrop(hr, scale)
    size = (hr.shape[1] // scale, hr.shape[0] // scale)
    return np.asarray(Image.fromarray(hr).resize(size, Image.Resampling.BICUBIC))


def _no_modcrop(hr, scale):
    return imresize(hr.astype(np.float64), 1 / scale)


def _upscaled(hr, scale):
    return imresize(modcrop(hr, scale), scale)


def _gray(hr, scale):
    return _built(hr, scale)[..., 0]


def _srlib_uint8(hr, scale):  # the library's answer, rounded per dimension as MATLAB's uint8 path
    return imresize(modcrop(hr, scale), 1 / scale)


def _srlib_float(hr, scale):
    return imresize(modcrop(hr, scale).astype(np.float64), 1 / scale)


def _rounded_once(hr, scale):
    return np.clip(np.round(_built(hr, scale)), 0, 255).astype(np.uint8)


def _kernel_over_scale(hr, scale):  # keys(x / s) / s, MATLAB's own form, without the row division
    return _built(hr, scale, divide=False) / scale**2  # once per dimension


def _float32_lr(hr, scale):
    return _built(hr, scale).astype(np.float32)


# --- 00.2 ---------------------------------------------------------------------------------------


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


# --- 00.3 ---------------------------------------------------------------------------------------


def _predict_nothing(scale):  # the placeholder
    return {"RGB instead of Y": 0.0, "no shave": 0.0, "no antialiasing": 0.0}


def _predict_rgb_higher(scale):  # "Y spans 219 levels, so the same error is a smaller fraction of it", backwards
    return {"RGB instead of Y": 1.3, "no shave": 0.0, "no antialiasing": {2: 0.5, 3: -0.9, 4: -0.5}[scale]}


def _predict_big_border(scale):
    return {"RGB instead of Y": -1.5, "no shave": -1.0, "no antialiasing": {2: 0.5, 3: -0.9, 4: -0.5}[scale]}


def _predict_aliasing_always_hurts(scale):
    return {"RGB instead of Y": -1.5, "no shave": 0.0, "no antialiasing": -0.7}


def _predict_aliasing_always_helps(scale):
    return {"RGB instead of Y": -1.5, "no shave": 0.0, "no antialiasing": 0.5}


def _predict_missing_key(scale):
    return {"RGB instead of Y": -1.5, "no shave": 0.0}


def _predict_one_number(scale):
    return -1.5


def _predict_text(scale):
    return {"RGB instead of Y": "lower", "no shave": 0.0, "no antialiasing": 0.0}


def _predict_close_enough(scale):  # other numbers, right signs, within the tolerance
    return {"RGB instead of Y": -1.9, "no shave": 0.1, "no antialiasing": {2: 0.8, 3: -0.6, 4: -0.3}[scale]}


# --- 00.4 ---------------------------------------------------------------------------------------


def _y_mean(rgb):  # the placeholder
    return rgb.mean(axis=-1)


def _y_full_range(rgb):
    return rgb @ np.array([0.299, 0.587, 0.114])


def _y_no_offset(rgb):
    return rgb @ np.array([65.481, 128.553, 24.966]) / 255


def _y_no_division(rgb):
    return 16 + rgb @ np.array([65.481, 128.553, 24.966])


def _y_zero_one(rgb):
    return (16 + rgb @ np.array([65.481, 128.553, 24.966]) / 255) / 255


def _y_rounded(rgb):
    return np.round(16 + rgb @ np.array([65.481, 128.553, 24.966]) / 255)


def _y_uint8(rgb):
    return (16 + rgb @ np.array([65.481, 128.553, 24.966]) / 255).astype(np.uint8)


def _y_bgr(rgb):
    return 16 + rgb[..., ::-1] @ np.array([65.481, 128.553, 24.966]) / 255


def _y_bt709(rgb):
    return 16 + rgb @ (np.array([0.2126, 0.7152, 0.0722]) * 219) / 255


def _y_keepdims(rgb):
    return rgb2y(rgb)[..., None]


def _y_matrix(rgb):  # another correct way: the matrix product on 0..1 values
    return 16 + (rgb / 255.0) @ np.array([65.481, 128.553, 24.966])


def _y_float32(rgb):
    return (16 + (rgb / 255.0) @ np.array([65.481, 128.553, 24.966])).astype(np.float32)


MISTAKES = [
    ("00.1", _placeholder_lr, "subsampling without the blur"),  # the placeholder
    ("00.1", _no_stretch, "not stretched"),
    ("00.1", _matlab_no_antialiasing, "not stretched"),
    ("00.1", _no_division, "too bright"),
    ("00.1", _corner_centres, "(i + 0.5) * scale - 0.5, not i * scale"),
    ("00.1", _dropped_border, "mirrors the image"),
    ("00.1", _opencv_a, "a = -0.75"),
    ("00.1", _zero_one, "0..1"),
    ("00.1", _pil_bicubic, "Pillow"),
    ("00.1", _no_modcrop, "modcrop"),
    ("00.1", _upscaled, "larger than the HR"),
    ("00.1", _gray, "colour channels"),
    ("00.2", _psnr_uint8, "wraps around"),  # the placeholder
    ("00.2", _psnr_rgb, "on RGB over the whole image"),
    ("00.2", _psnr_rgb_shaved, "convert both images to Y"),
    ("00.2", _psnr_no_shave, "forgot to shave"),
    ("00.2", _psnr_peak_one, "peak of 1"),
    ("00.2", _psnr_full_range_luma, "16..235"),
    ("00.2", _psnr_array, "return one number"),
    ("00.3", _predict_nothing, "20 log10(255/219)"),  # the placeholder
    ("00.3", _predict_rgb_higher, "RGB scores lower than Y"),
    ("00.3", _predict_big_border, "hardly worse than the interior"),
    ("00.3", _predict_aliasing_always_hurts, "x2 (even)"),
    ("00.3", _predict_aliasing_always_helps, "x3 (odd)"),
    ("00.3", _predict_missing_key, "needs exactly the keys"),
    ("00.3", _predict_one_number, "return a dict"),
    ("00.3", _predict_text, "return one number"),
    ("00.4", _y_mean, "most sensitive to green"),  # the placeholder
    ("00.4", _y_full_range, "219/255"),
    ("00.4", _y_no_offset, "add 16"),
    ("00.4", _y_no_division, "divide by 255"),
    ("00.4", _y_zero_one, "on 0..1"),
    ("00.4", _y_rounded, "unrounded"),
    ("00.4", _y_uint8, "as floats"),
    ("00.4", _y_bgr, "B, G, R"),
    ("00.4", _y_bt709, "BT.709"),
    ("00.4", _y_keepdims, "shaped (H, W)"),
]

ALSO_CORRECT = [
    ("00.1", _srlib_uint8),
    ("00.1", _srlib_float),
    ("00.1", _rounded_once),
    ("00.1", _kernel_over_scale),
    ("00.1", _float32_lr),
    ("00.3", _predict_close_enough),
    ("00.4", _y_matrix),
    ("00.4", _y_float32),
]
