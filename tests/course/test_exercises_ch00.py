"""The exercise checker: reference solutions pass, typical mistakes fail with the right hint, nothing raises."""

from __future__ import annotations

import numpy as np
import pytest

from srlib.image import imresize, modcrop, rgb2y, shave
from srlib.metrics import psnr, psnr_y, ssim_y
from srlib.course import exercises



def test_registry_lists_chapter_00():
    assert {"00.1", "00.2", "00.3"} <= set(exercises.exercise_ids())


@pytest.mark.parametrize("exercise_id", ["00.1", "00.2", "00.3"])
def test_reference_solution_passes(exercise_id, capsys):
    assert exercises.check(exercise_id, exercises.get(exercise_id).reference) is True
    out = capsys.readouterr().out
    assert out.startswith(f"✓ Exercise {exercise_id}") and "correct" in out


@pytest.mark.parametrize("exercise_id,name", [("00.1", "make_lr"), ("00.2", "paper_psnr"), ("00.3", "bicubic_scores")])
def test_solution_source_is_runnable(exercise_id, name):
    source = exercises.solution(exercise_id)
    assert source.startswith(f"def {name}(")
    namespace: dict = {}
    exec(source, namespace)  # the text a teacher pastes must itself pass the check
    assert exercises.check(exercise_id, namespace[name], quiet=True)


# --- typical mistakes: (exercise, wrong answer, words the hint must contain) --------------------


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
    from PIL import Image

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


def _returns_none(*args):
    return None


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
    ("00.1", _returns_none, "forget the `return`"),
    ("00.2", _returns_none, "forget the `return`"),
    ("00.3", _returns_none, "forget the `return`"),
]


@pytest.mark.parametrize("exercise_id,answer,hint", MISTAKES, ids=[f"{e}-{a.__name__}" for e, a, _ in MISTAKES])
def test_typical_mistake_fails_with_its_hint(exercise_id, answer, hint, capsys):
    assert exercises.check(exercise_id, answer) is False
    out = " ".join(capsys.readouterr().out.split())  # the checker wraps long lines
    assert out.startswith(f"✗ Exercise {exercise_id}")
    assert "Hint:" in out and hint in out, out


def test_crashing_answer_is_reported_not_raised(capsys):
    def broken(hr, scale):
        return hr.undefined_attribute

    assert exercises.check("00.1", broken) is False
    out = capsys.readouterr().out
    assert "AttributeError" in out and "hr.undefined_attribute" in out


def test_answer_that_is_not_a_function(capsys):
    assert exercises.check("00.1", np.zeros((3, 3), np.uint8)) is False
    assert "pass the function without calling it" in capsys.readouterr().out


def test_unknown_exercise_is_reported(capsys):
    assert exercises.check("99.9", _subsample) is False
    assert "unknown exercise '99.9'" in capsys.readouterr().out
    with pytest.raises(KeyError):
        exercises.solution("99.9")


def test_answer_cannot_corrupt_the_test_images():
    def vandal(hr, scale):
        hr[:] = 0  # writes into its input
        return imresize(modcrop(hr, scale), 1 / scale)

    assert exercises.check("00.1", vandal, quiet=True) is False
    assert exercises.check("00.1", exercises.get("00.1").reference, quiet=True) is True


def test_closest_mistake_picks_the_nearest_within_tolerance():
    near = exercises.Mistake("near", 30.0, "near")
    far = exercises.Mistake("far", 30.5, "far")
    assert exercises.closest_mistake(30.0004, [far, near], 1e-3) is near
    assert exercises.closest_mistake(31.0, [far, near], 1e-3) is None
    assert exercises.closest_mistake(np.zeros(3), [exercises.Mistake("shape", np.zeros(4), "")], 0) is None
    assert exercises.closest_mistake((float("inf"), 1.0), [exercises.Mistake("id", (float("inf"), 1.0), "")], 0)
