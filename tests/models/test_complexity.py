"""Parameter and FLOP counts of srlib.models.complexity against Keras and the FSRCNN paper's numbers."""

from __future__ import annotations

import pytest

from srlib.models import FSRCNN, FSRCNN_S, SRCNN
from srlib.models.complexity import (
    flops_per_image,
    flops_per_output_pixel,
    layer_costs,
    macs_per_input_pixel,
    output_area,
    parameter_count,
)


@pytest.mark.parametrize("build", [lambda: FSRCNN(3), lambda: FSRCNN_S(2), lambda: SRCNN.preset("9-5-5")])
def test_parameter_count_equals_keras(build):
    model = build()
    assert parameter_count(model) == model.count_params()


def test_fsrcnn_matches_the_papers_count():
    # FSRCNN sec. 3.3: 25d + sd + 9ms² + ds + 81d weights and as many multiplications per LR pixel.
    d, s, m = 56, 12, 4
    paper = 25 * d + s * d + 9 * m * s * s + d * s + 81 * d
    model = FSRCNN(3, d=d, s=s, m=m)
    assert paper == 12464
    assert parameter_count(model, weights_only=True) == paper
    assert macs_per_input_pixel(model) == paper  # every layer runs once per LR pixel
    assert output_area(model) == 9
    assert flops_per_output_pixel(model) == pytest.approx(2 * paper / 9)
    assert flops_per_image(model, 10, 20) == 2 * paper * 200


def test_srcnn_runs_on_the_hr_grid():
    model = SRCNN.preset("9-5-5")
    macs = 81 * 64 + 25 * 64 * 32 + 25 * 32
    assert macs_per_input_pixel(model) == macs
    assert output_area(model) == 1
    assert flops_per_output_pixel(model) == 2 * macs


def test_fsrcnn_is_far_cheaper_than_srcnn_per_hr_pixel():
    assert flops_per_output_pixel(SRCNN()) / flops_per_output_pixel(FSRCNN(3)) > 40


def test_layer_costs_track_strides():
    import keras

    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="down")(inputs)
    x = keras.layers.Conv2DTranspose(4, 4, strides=4, padding="same", name="up")(x)
    model = keras.Model(inputs, x)
    costs = {c.name: c for c in layer_costs(model)}
    assert costs["down"].area == 0.25 and costs["down"].macs_per_position == 9 * 3 * 8
    assert costs["up"].area == 0.25 and costs["up"].macs_per_position == 16 * 8 * 4
    assert output_area(model) == 4
    assert macs_per_input_pixel(model) == 0.25 * (9 * 3 * 8 + 16 * 8 * 4)


def test_pixel_shuffle_enlarges_the_grid():
    from srlib.models.espcn import ESPCN

    model = ESPCN(3)
    assert output_area(model) == 9
    assert parameter_count(model) == model.count_params()
