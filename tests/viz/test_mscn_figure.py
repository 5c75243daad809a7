"""``mscn_figure`` and ``aggd_density``: NIQE's MSCN statistics as a picture (Mittal et al. 2013, sec. II)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from srlib.errors import SRLibError
from srlib.metrics.niqe import fit_aggd, mscn
from srlib.viz.figures import aggd_density, figure_png, mscn_figure


def test_aggd_density_is_a_density_and_gaussian_at_shape_two():
    x = np.linspace(-100, 100, 400001)  # shape 0.8 has heavy tails
    for alpha, left, right in ((0.8, 0.5, 1.2), (2.0, 1.0, 1.0), (3.0, 0.7, 0.7)):
        assert np.trapezoid(aggd_density(x, alpha, left, right), x) == pytest.approx(1.0, abs=1e-6)
    sigma = 0.6  # a GGD of shape 2 and scale beta is a normal with sigma = beta / sqrt(2)
    np.testing.assert_allclose(
        aggd_density(x, 2.0, sigma * np.sqrt(2), sigma * np.sqrt(2)), norm.pdf(x, 0, sigma), atol=1e-300
    )


def test_figure_shows_each_plane_and_its_fit():
    rng = np.random.default_rng(0)
    planes = {"gaussian": rng.normal(size=(64, 64)), "laplacian": rng.laplace(size=(64, 64))}
    figure = mscn_figure(planes, crop=(0, 0, 32))
    maps, histograms = figure.axes[:2], figure.axes[2:]
    assert [ax.get_title() for ax in maps] == ["gaussian", "laplacian"]
    shapes = [float(fit_aggd(p.reshape(1, -1))[0][0]) for p in planes.values()]
    assert shapes[0] == pytest.approx(2.0, abs=0.2) and shapes[1] == pytest.approx(1.0, abs=0.2)
    assert f"{shapes[1]:.2f}" in histograms[1].get_legend().get_texts()[0].get_text()
    assert histograms[0].get_ylim() == histograms[1].get_ylim()
    assert figure_png(figure).startswith(b"\x89PNG")


def test_learner_planes_from_mscn_and_bad_input():
    y = np.random.default_rng(1).uniform(0, 255, (40, 50))
    assert len(mscn_figure({"random": mscn(y)[0]}).axes) == 2
    with pytest.raises(SRLibError, match="no coefficients"):
        mscn_figure({})
    with pytest.raises(SRLibError, match="2-D"):
        mscn_figure({"rgb": np.zeros((8, 8, 3))})
