"""srlib.image.degrade: the realistic degradation (Real-ESRGAN's second-order chain) and its parts."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from srlib.errors import SRLibError
from srlib.image.degrade import check_seed, degrade, image_seed, kernels
from srlib.image.degrade.chain import FIRST, random_kernel
from srlib.image.degrade.ops import blur, gaussian_noise, jpeg, poisson_noise, resize
from srlib.image.resize import imresize
from tests.support.synthetic import generated_images

HR = generated_images(count=1, size=96)[0]


@pytest.mark.parametrize(
    "kernel",
    [
        kernels.gaussian_kernel(21, 2.0),
        kernels.gaussian_kernel(15, 3.0, 0.5, np.pi / 3),
        kernels.generalized_gaussian_kernel(13, 1.5, 0.8, 0.4, beta=0.5),
        kernels.plateau_kernel(11, 1.2, beta=2.0),
        kernels.sinc_kernel(21, np.pi / 4),
    ],
    ids=["iso", "aniso", "generalised", "plateau", "sinc"],
)
def test_kernels_sum_to_one_and_are_centred(kernel):
    assert kernel.sum() == pytest.approx(1.0)
    centre = kernel.shape[0] // 2
    assert kernel[centre, centre] == kernel.max()
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1], atol=1e-12)  # point-symmetric


def test_an_anisotropic_kernel_is_long_along_its_angle():
    flat = kernels.gaussian_kernel(21, 4.0, 1.0, 0.0)  # long along x
    assert flat[10, 16] > 10 * flat[16, 10]
    turned = kernels.gaussian_kernel(21, 4.0, 1.0, np.pi / 2)
    np.testing.assert_allclose(turned, flat.T, atol=1e-12)


def test_beta_shapes_the_generalised_kernel_and_the_sinc_rings():
    gauss = kernels.gaussian_kernel(21, 2.0)
    np.testing.assert_allclose(kernels.generalized_gaussian_kernel(21, 2.0, beta=1.0), gauss, atol=1e-12)
    heavy = kernels.generalized_gaussian_kernel(21, 2.0, beta=0.5)
    assert heavy[10, 0] > gauss[10, 0]  # heavier tails
    assert kernels.sinc_kernel(21, np.pi / 3).min() < 0  # negative lobes: ringing
    with pytest.raises(ValueError, match="odd"):
        kernels.gaussian_kernel(8, 1.0)


def test_the_operations_keep_range_and_shape():
    image = HR.astype(np.float32) / 255
    assert blur(image, kernels.gaussian_kernel(7, 1.0)).shape == image.shape
    np.testing.assert_allclose(blur(image, np.ones((1, 1))), image, atol=1e-6)
    for mode in ("area", "bilinear", "bicubic"):
        assert resize(image, (40, 30), mode).shape == (40, 30, 3)
    rng = np.random.default_rng(0)
    for noisy in (gaussian_noise(image, 10, False, rng), poisson_noise(image, 2.0, True, rng)):
        assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, image)
    gray = gaussian_noise(image, 2, True, rng) - image  # 2 grey levels: nothing clipped inside 0.1..0.9
    unclipped = (image > 0.1) & (image < 0.9)
    np.testing.assert_allclose(gray[..., 0][unclipped.all(-1)], gray[..., 1][unclipped.all(-1)], atol=1e-6)
    compressed = jpeg(image, 30)
    assert compressed.shape == image.shape and 0 < np.abs(compressed - image).mean() < 0.1


def test_real_degradation_is_fixed_by_its_seed_and_lands_at_the_lr_size():
    a, b, c = (degrade(HR, 4, "real", s) for s in (5, 5, 6))
    assert a.dtype == np.uint8 and a.shape == (24, 24, 3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert degrade(HR[..., 0], 3, "real", 1).shape == (32, 32)  # grey stays grey
    odd = degrade(HR[:95, :94], 4, "real", 2)  # modcropped first, as the protocol does
    assert odd.shape == (23, 23, 3)
    np.testing.assert_array_equal(degrade(HR, 4), imresize(HR, 1 / 4))  # the default is the papers' bicubic


def test_the_kernel_families_all_occur():
    rng = np.random.default_rng(0)
    sizes = {random_kernel(rng, FIRST).shape[0] for _ in range(200)}
    assert sizes == set(range(7, 22, 2))


def test_image_seeds_depend_on_name_and_seed_only():
    assert image_seed("baboon", 0) != image_seed("barbara", 0) != image_seed("barbara", 1)
    digest = hashlib.sha256(b"0:baboon").digest()  # the documented rule: the same on every machine
    assert image_seed("baboon", 0) == int.from_bytes(digest[:4], "little")


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "x", None, True])
def test_bad_seeds_and_names_are_one_line_errors(bad):
    with pytest.raises(SRLibError, match=r"seed .* is not a whole number from 0 to 4294967295 — give e.g. --seed 0"):
        check_seed(bad)
    with pytest.raises(SRLibError, match=r"unknown degradation 'jpeg' — use one of bicubic, real"):
        degrade(HR, 4, "jpeg")
