"""Chapter 01's typical mistakes: SRCNN in Keras (01.1), its parameter count (01.2), its output size (01.3),
and SRCNN without its ReLUs (01.4)."""

from __future__ import annotations

import keras

from srlib.course.exercises.ch01 import srcnn

NAMES = ("patch_extraction", "nonlinear_mapping", "reconstruction")


def _network(
    f1,
    f2,
    f3,
    n1,
    n2,
    *,
    acts=("relu", "relu", None),
    padding="same",
    names=NAMES,
    bias=True,
    shape=None,
    input_name="bicubic",
):
    """SRCNN as a learner writes it, with the knobs of the typical mistakes."""
    x = inputs = keras.Input(shape=shape or (None, None, 1), name=input_name)
    for filters, size, activation, name in zip((n1, n2, 1), (f1, f2, f3), acts, names):
        x = keras.layers.Conv2D(filters, size, padding=padding, activation=activation, use_bias=bias, name=name)(x)
    return keras.Model(inputs, x)


def _one_layer(f1, f2, f3, n1=64, n2=32):  # the chapter's placeholder
    inputs = keras.Input(shape=(None, None, 1), name="bicubic")
    return keras.Model(inputs, keras.layers.Conv2D(1, f3, padding="same", name="reconstruction")(inputs))


def _valid_padding(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, padding="valid")


def _relu_on_output(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=("relu", "relu", "relu"))


def _n1_n2_swapped(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n2, n1)


def _always_9_1_5(f1, f2, f3, n1=64, n2=32):
    return _network(f1, 1, f3, n1, n2)


def _sizes_hard_coded(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, 64, 32)


def _kernels_hard_coded(f1, f2, f3, n1=64, n2=32):
    return _network(9, 5, 5, n1, n2)


def _no_middle_relu(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=("relu", None, None))


def _no_relu(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=(None, None, None))


def _unnamed(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, names=(None, None, None))


def _unnamed_input(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, input_name=None)


def _no_biases(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, bias=False)


def _fixed_size(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, shape=(33, 33, 1))


def _rgb_input(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, shape=(None, None, 3))


def _n2_outputs(f1, f2, f3, n1=64, n2=32):
    x = inputs = keras.Input(shape=(None, None, 1))
    for filters, size in ((n1, f1), (n2, f2), (n2, f3)):
        x = keras.layers.Conv2D(filters, size, padding="same", activation="relu")(x)
    return keras.Model(inputs, x)


def _sequential_without_input(f1, f2, f3, n1=64, n2=32):
    return keras.Sequential([keras.layers.Conv2D(n, f, padding="same") for n, f in ((n1, f1), (n2, f2), (1, f3))])


def _sequential(f1, f2, f3, n1=64, n2=32):
    return keras.Sequential(
        [
            keras.Input(shape=(None, None, 1), name="bicubic"),
            keras.layers.Conv2D(n1, f1, padding="same", activation="relu", name="patch_extraction"),
            keras.layers.Conv2D(n2, f2, padding="same", activation="relu", name="nonlinear_mapping"),
            keras.layers.Conv2D(1, f3, padding="same", name="reconstruction"),
        ]
    )


def _relu_layers(f1, f2, f3, n1=64, n2=32):
    x = inputs = keras.Input(shape=(None, None, 1), name="bicubic")
    x = keras.layers.ReLU()(keras.layers.Conv2D(n1, f1, padding="same", name="patch_extraction")(x))
    x = keras.layers.ReLU()(keras.layers.Conv2D(n2, f2, padding="same", name="nonlinear_mapping")(x))
    return keras.Model(inputs, keras.layers.Conv2D(1, f3, padding="same", name="reconstruction")(x))


def _linear_keeps_first_relu(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=("relu", None, None))


def _linear_keeps_middle_relu(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=(None, "relu", None))


def _linear_relu_on_output(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=(None, None, "relu"))


def _linear_one_filter(f1, f2, f3, n1=64, n2=32):
    inputs = keras.Input(shape=(None, None, 1))
    return keras.Model(inputs, keras.layers.Conv2D(1, f1 + f2 + f3 - 2, padding="same")(inputs))


def _linear_named_activation(f1, f2, f3, n1=64, n2=32):
    return _network(f1, f2, f3, n1, n2, acts=("linear", "linear", "linear"))


def _first_layer(f1, f2, f3, n1, n2, channels=1):
    return f1 * f1 * channels * n1


def _no_bias_count(f1, f2, f3, n1, n2, channels=1):
    return channels * f1 * f1 * n1 + n1 * f2 * f2 * n2 + n2 * f3 * f3 * channels


def _f_not_squared(f1, f2, f3, n1, n2, channels=1):
    return channels * f1 * n1 + n1 + n1 * f2 * n2 + n2 + n2 * f3 * channels + channels


def _no_input_channels(f1, f2, f3, n1, n2, channels=1):
    return f1 * f1 * n1 + n1 + f2 * f2 * n2 + n2 + f3 * f3 * channels + channels


def _one_bias_per_layer(f1, f2, f3, n1, n2, channels=1):
    return _no_bias_count(f1, f2, f3, n1, n2, channels) + 3


def _same_size(size, f1, f2, f3):
    return size


def _minus_f(size, f1, f2, f3):
    return size - f1 - f2 - f3


def _one_side(size, f1, f2, f3):
    return size - f1 // 2 - f2 // 2 - f3 // 2


def _plus_one_once(size, f1, f2, f3):
    return size - f1 - f2 - f3 + 1


MISTAKES = [
    ("01.1", _one_layer, "SRCNN has three (eq. 1-3)"),  # the chapter's placeholder
    ("01.1", _valid_padding, 'use padding="same"'),
    ("01.1", _relu_on_output, "no activation on the last Conv2D"),
    ("01.1", _n1_n2_swapped, "n1 and n2 are swapped"),
    ("01.1", _always_9_1_5, "which is the 9-1-5 network"),
    ("01.1", _sizes_hard_coded, "this call asks for n1=32, n2=16"),
    ("01.1", _kernels_hard_coded, "use the arguments f1, f2, f3"),
    ("01.1", _no_middle_relu, "eq. 2 has a ReLU too"),
    ("01.1", _no_relu, "exercise 01.4's linear network"),
    ("01.1", _unnamed, "the layers patch_extraction, nonlinear_mapping, reconstruction"),
    ("01.1", _unnamed_input, 'name the input "bicubic"'),
    ("01.1", _no_biases, "keep use_bias=True"),
    ("01.1", _fixed_size, "leave height and width open"),
    ("01.1", _rgb_input, "the luma Y only"),
    ("01.1", _n2_outputs, "one filter, for the one channel Y"),
    ("01.1", _sequential_without_input, "start from keras.Input"),
    ("01.2", _first_layer, "only the first layer's weights"),  # the chapter's placeholder
    ("01.2", _no_bias_count, "also has a bias"),
    ("01.2", _f_not_squared, "f1 * f1"),
    ("01.2", _no_input_channels, "channels of its input"),
    ("01.2", _one_bias_per_layer, "one bias per filter"),
    ("01.3", _same_size, "'same' zero padding"),  # the chapter's placeholder
    ("01.3", _minus_f, "off by one per layer"),
    ("01.3", _one_side, "on *each* side"),
    ("01.3", _plus_one_once, "applies to every layer"),
    ("01.4", srcnn, "that is SRCNN with its ReLUs"),  # the chapter's placeholder returns srcnn(...)
    ("01.4", _linear_keeps_first_relu, "left after the patch-extraction layer"),
    ("01.4", _linear_keeps_middle_relu, "left after the mapping layer"),
    ("01.4", _linear_relu_on_output, "no activation on the output either"),
    ("01.4", _linear_one_filter, "compose into one linear filter"),
    ("01.4", _valid_padding, 'use padding="same"'),
]

# A Sequential model, ReLU as separate layers, activation="linear" spelt out: right too.
ALSO_CORRECT = [("01.1", _sequential), ("01.1", _relu_layers), ("01.4", _linear_named_activation)]
