"""Chapter 01's exercises (SRCNN): build it, count it, size it without padding, and ablate its ReLUs.

01.1 and 01.4 are networks the learner writes in plain Keras. Their checker gives the
reference network seeded random weights, copies them into the learner's model
(:func:`srlib.course.twins.compare_networks`) and compares the outputs on a bicubic input;
before that it reads the learner's layers, so the usual mistakes get their own hint: the
two filter counts swapped, a 1x1 mapping layer where 5x5 was asked (9-1-5 for 9-5-5),
the sizes hard-coded, 'valid' padding, a ReLU on the output or one missing, unnamed layers.
01.1's reference is srlib's own :class:`~srlib.models.srcnn.SRCNN`, the "concise" twin.
01.2 and 01.3 compare numbers with the formulas below on several networks and name the
typical slip: forgotten biases or input channels, ``f`` instead of ``f**2``, an off-by-one.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import keras
import numpy as np

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    as_number,
    checker_images,
    describe_call,
    mistake_hint,
    register,
    run_cases,
)
from srlib.course.twins import compare_networks
from srlib.eval.protocol import make_lr
from srlib.image.color import rgb2y
from srlib.image.resize import imresize
from srlib.models.srcnn import SRCNN

__all__ = ["srcnn", "linear_srcnn", "srcnn_parameters", "valid_output_size", "bicubic_input"]

# (f1, f2, f3, n1, n2): the paper's better and basic networks, then a narrower one (other n1, n2).
NETWORK_CASES = ((9, 5, 5, 64, 32), (9, 1, 5, 64, 32), (9, 3, 5, 32, 16))
LINEAR_CASES = ((9, 1, 5, 64, 32), (9, 5, 5, 64, 32))
INPUT_NAME = "bicubic"  # the input is the bicubic-upscaled image
LAYER_NAMES = ("patch_extraction", "nonlinear_mapping", "reconstruction")  # the paper's names (sec. 3.1)
OUTPUT_TOLERANCE = 1e-4  # outputs are O(1) with the checker's weights; float32 agrees far closer
# (f1, f2, f3, n1, n2, channels): the paper's two main networks, a wider one, and an RGB one.
PARAMETER_CASES = ((9, 1, 5, 64, 32, 1), (9, 5, 5, 64, 32, 1), (11, 1, 7, 128, 64, 1), (9, 3, 5, 64, 32, 3))
# (size, f1, f2, f3): the paper's 33x33 sub-images through 9-1-5 and 9-5-5, and odd others.
SIZE_CASES = ((33, 9, 1, 5), (33, 9, 5, 5), (32, 9, 3, 5), (100, 11, 1, 7))


# --- reference solutions (solution(id) shows their source) -----------------------------------
# Each carries its own imports: solution(id) prints it for a teacher to paste into a fresh cell.
# bicubic_input is no exercise any more (the chapter shows it); the checkers use it to make their input.


def srcnn(f1, f2, f3, n1=64, n2=32):
    """SRCNN f1-f2-f3 (TPAMI 2016, eq. 1-3) in plain Keras, on the bicubic-upscaled Y channel."""
    import keras

    inputs = keras.Input(shape=(None, None, 1), name="bicubic")  # any size: whole images or sub-images
    # Eq. 1: n1 filters of f1 x f1 and a ReLU. He initialisation suits ReLU layers.
    x = keras.layers.Conv2D(
        n1, f1, padding="same", activation="relu", kernel_initializer="he_normal", name="patch_extraction"
    )(inputs)
    # Eq. 2: n2 filters of f2 x f2 over all n1 maps, and a ReLU.
    x = keras.layers.Conv2D(
        n2, f2, padding="same", activation="relu", kernel_initializer="he_normal", name="nonlinear_mapping"
    )(x)
    # Eq. 3: one linear f3 x f3 filter per output channel; a tiny start, as in the paper.
    outputs = keras.layers.Conv2D(
        1, f3, padding="same", kernel_initializer=keras.initializers.RandomNormal(stddev=0.001), name="reconstruction"
    )(x)
    return keras.Model(inputs, outputs, name=f"srcnn_{f1}-{f2}-{f3}")


def linear_srcnn(f1, f2, f3, n1=64, n2=32):
    """SRCNN without its two ReLUs: three linear convolutions, which compose into one linear filter."""
    import keras

    inputs = keras.Input(shape=(None, None, 1), name="bicubic")
    x = keras.layers.Conv2D(n1, f1, padding="same", kernel_initializer="he_normal", name="patch_extraction")(inputs)
    x = keras.layers.Conv2D(n2, f2, padding="same", kernel_initializer="he_normal", name="nonlinear_mapping")(x)
    outputs = keras.layers.Conv2D(
        1, f3, padding="same", kernel_initializer=keras.initializers.RandomNormal(stddev=0.001), name="reconstruction"
    )(x)
    return keras.Model(inputs, outputs, name=f"linear_srcnn_{f1}-{f2}-{f3}")


def srcnn_parameters(f1, f2, f3, n1, n2, channels=1):
    """Weights and biases of SRCNN (TPAMI 2016, eq. 1-3): W1 is c x f1 x f1 x n1, W2 n1 x f2 x f2 x n2, W3 n2 x f3 x f3 x c."""
    layer1 = channels * f1 * f1 * n1 + n1  # n1 filters, each spanning f1 x f1 pixels of all c channels
    layer2 = n1 * f2 * f2 * n2 + n2  # each of the n2 filters spans all n1 feature maps
    layer3 = n2 * f3 * f3 * channels + channels  # one filter per output channel
    return layer1 + layer2 + layer3


def valid_output_size(size, f1, f2, f3):
    """Side of SRCNN's output for a size x size input when no layer pads ('valid', as in the paper's training)."""
    # An f x f filter without padding fits at size - f + 1 positions, so each layer removes f - 1 pixels.
    return size - (f1 - 1) - (f2 - 1) - (f3 - 1)


def bicubic_input(lr, scale):
    """SRCNN's input for a uint8 RGB LR image: its Y channel upscaled by MATLAB bicubic, on 0..1, shape (sH, sW, 1)."""
    y = rgb2y(lr)  # MATLAB rgb2ycbcr luma, float on 16..235
    y_up = imresize(y, scale)  # pre-upsampling: bicubic to the HR size, before the network
    return (y_up / 255.0)[..., None].astype(np.float32)


# --- 01.1 and 01.4: a network in plain Keras, checked against its twin ------------------------


@lru_cache(maxsize=1)
def _network_input() -> np.ndarray:
    """A batch of one bicubic input (an astronaut crop made LR x3 and upscaled back), as the chapter feeds SRCNN."""
    _name, hr = checker_images()[0]
    return bicubic_input(make_lr(hr, 3), 3)[None]


def _plain(f1, f2, f3, n1, n2, activations: tuple) -> keras.Model:
    """SRCNN's three 'same' convolutions with the given activations (the typical mistakes' networks)."""
    x = inputs = keras.Input(shape=(None, None, 1))
    for filters, size, activation in zip((n1, n2, 1), (f1, f2, f3), activations):
        x = keras.layers.Conv2D(filters, size, padding="same", activation=activation)(x)
    return keras.Model(inputs, x)


def _seeded(model: keras.Model) -> keras.Model:
    """``model`` with seeded random weights large enough that every ReLU, and the output's sign, matter."""
    rng = np.random.default_rng(0)
    weights = []
    for w in model.get_weights():
        spread = np.sqrt(2.0 / np.prod(w.shape[:-1])) if w.ndim == 4 else 0.1
        weights.append(rng.normal(0.0, spread, w.shape).astype(np.float32))
    model.set_weights(weights)
    return model


RELU_MISTAKES = {  # (activation of layer 1, 2, 3) of SRCNN's typical mistakes, and their hints
    ("relu", "relu", "relu"): "the reconstruction layer is linear (eq. 3 has no max(0, .)): no activation on the "
    "last Conv2D.",
    ("relu", None, None): 'eq. 2 has a ReLU too: activation="relu" on the mapping layer.',
    (None, "relu", None): 'eq. 1 has a ReLU: activation="relu" on the patch-extraction layer.',
    (None, None, None): "there is no ReLU at all; that is exercise 01.4's linear network. SRCNN has one after "
    "each of the first two layers (eq. 1 and 2).",
}
LINEAR_MISTAKES = {
    ("relu", "relu", None): 'that is SRCNN with its ReLUs: for the ablation, drop activation="relu" from the '
    "first two layers.",
    ("relu", None, None): "a ReLU is left after the patch-extraction layer.",
    (None, "relu", None): "a ReLU is left after the mapping layer.",
    (None, None, "relu"): "no activation on the output either: the linear network has none anywhere.",
}


def _input_problem(model: keras.Model, call: str) -> Feedback | None:
    try:
        shape = tuple(model.inputs[0].shape)
    except Exception:  # a Sequential without an Input is not built yet
        return Feedback(
            False, f"{call} returned a model without an input.", "start from keras.Input(shape=(None, None, 1))."
        )
    if shape[-1] != 1:
        return Feedback(
            False,
            f"{call} takes {shape[-1]} channels.",
            "SRCNN works on the luma Y only: keras.Input(shape=(None, None, 1)).",
        )
    if any(side is not None for side in shape[1:3]):
        return Feedback(
            False,
            f"{call} only takes {shape[1]}x{shape[2]} inputs.",
            "leave height and width open, keras.Input(shape=(None, None, 1)), so that 33x33 sub-images and "
            "whole images both go through.",
        )
    return None


def _count_problem(convs: list, call: str, linear: bool) -> Feedback | None:
    if len(convs) == 3:
        return None
    if linear and len(convs) == 1:
        return Feedback(
            False,
            f"{call} has one convolution.",
            "right, three linear layers compose into one linear filter; but build all three layers, without "
            "ReLUs, so that the ablation trains the same network as before minus the non-linearity.",
        )
    return Feedback(
        False,
        f"{call} has {len(convs)} Conv2D layer{'' if len(convs) == 1 else 's'}.",
        "SRCNN has three (eq. 1-3): patch extraction, non-linear mapping and reconstruction.",
    )


def _filters_problem(filters: list[int], n1: int, n2: int, call: str) -> Feedback | None:
    if filters == [n1, n2, 1]:
        return None
    message = f"{call}: your layers have {', '.join(map(str, filters))} filters; expected {n1}, {n2}, 1."
    if filters[2] != 1:
        hint = "the reconstruction layer makes the output image: one filter, for the one channel Y."
    elif filters[:2] == [n2, n1]:
        hint = (
            f"n1 and n2 are swapped: n1 ({n1}) is the number of patch-extraction filters (eq. 1), "
            f"n2 ({n2}) the mapping layer's (eq. 2)."
        )
    elif filters[:2] == [64, 32]:
        hint = f"64 and 32 are the paper's values, but use the arguments: this call asks for n1={n1}, n2={n2}."
    else:
        hint = "the first layer has n1 filters, the second n2, the last one."
    return Feedback(False, message, hint)


def _kernels_problem(kernels: list[int], f1: int, f2: int, f3: int, call: str) -> Feedback | None:
    if kernels == [f1, f2, f3]:
        return None
    message = f"{call}: your kernels are {'-'.join(map(str, kernels))}; expected {f1}-{f2}-{f3}."
    if kernels[0] == f1 and kernels[2] == f3 and kernels[1] == 1:
        hint = f"your mapping layer is 1x1, which is the 9-1-5 network: give it f2 x f2 ({f2}x{f2}) kernels."
    else:
        hint = "use the arguments f1, f2, f3 as the kernel sizes of the three layers, in that order."
    return Feedback(False, message, hint)


def _layers_problem(model: keras.Model, case: tuple, call: str, linear: bool) -> Feedback | None:
    f1, f2, f3, n1, n2 = case
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    problem = _count_problem(convs, call, linear) or _filters_problem([int(c.filters) for c in convs], n1, n2, call)
    problem = problem or _kernels_problem([int(c.kernel_size[0]) for c in convs], f1, f2, f3, call)
    if problem:
        return problem
    if not all(c.use_bias for c in convs):
        return Feedback(
            False,
            f"{call} has a layer without biases.",
            "every layer adds a bias B (eq. 1-3): keep use_bias=True, Keras' default.",
        )
    return None


def _values_hint(model: keras.Model, reference: keras.Model, case: tuple, linear: bool) -> str:
    """After the weights were copied: the activation mistake whose output the learner's matches, if any."""
    x = _network_input()
    got = np.asarray(model(x, training=False))
    mistakes = []
    for activations, hint in (LINEAR_MISTAKES if linear else RELU_MISTAKES).items():
        twin = _plain(*case, activations)
        twin.set_weights(reference.get_weights())
        mistakes.append(Mistake("/".join(map(str, activations)), np.asarray(twin(x, training=False)), hint))
    expected = "no activation anywhere" if linear else "a ReLU after the first two layers, none after the last"
    return mistake_hint(got, mistakes, OUTPUT_TOLERANCE, f"same weights but another output: check {expected}.")


def _judge_network(got: Any, *case: int, call: str, linear: bool) -> Feedback | None:
    if not isinstance(got, keras.Model):
        return Feedback(
            False,
            f"{call} returned a {type(got).__name__}, not a Keras model.",
            "end with return keras.Model(inputs, outputs).",
        )
    problem = _input_problem(got, call) or _layers_problem(got, case, call, linear)
    if problem:
        return problem
    reference = _seeded(linear_srcnn(*case) if linear else SRCNN(*case))
    x = _network_input()
    feedback = compare_networks(got, reference, x, tolerance=OUTPUT_TOLERANCE)
    if not feedback.correct:
        same_shape = np.shape(got(x, training=False)) == np.shape(reference(x, training=False))
        hint = _values_hint(got, reference, case, linear) if same_shape else feedback.hint
        message = feedback.message.replace("srlib's", "the reference's") if linear else feedback.message
        return Feedback(False, f"{call}: {message}", hint)
    names = [got.inputs[0].name] + [layer.name for layer in got.layers if isinstance(layer, keras.layers.Conv2D)]
    if names != [INPUT_NAME, *LAYER_NAMES]:
        return Feedback(
            False,
            f"{call} computes the right thing, but its input is named {names[0]} and its layers "
            f"{', '.join(names[1:])}.",
            f'name the input "{INPUT_NAME}" and the layers {", ".join(LAYER_NAMES)} (name=...): the chapter '
            "trains the last layer 10x more slowly by its name and reads the feature maps by name, and a run "
            "resumes only a network with the same configuration, names included (Keras numbers unnamed ones anew).",
        )
    return None


def _check_network(answer: Any, *, name: str, cases: tuple, linear: bool, success: str) -> Feedback:
    calls = [
        (describe_call(name, f1=f1, f2=f2, f3=f3, n1=n1, n2=n2), (f1, f2, f3, n1, n2)) for f1, f2, f3, n1, n2 in cases
    ]
    return run_cases(answer, name, calls, partial(_judge_network, linear=linear), success)


_check_srcnn = partial(
    _check_network,
    name="srcnn",
    cases=NETWORK_CASES,
    linear=False,
    success="with srlib's weights your network gives srlib's SRCNN output for all {count} networks "
    "(9-5-5, 9-1-5 and a narrower 9-3-5): the same network, layer for layer.",
)
_check_linear = partial(
    _check_network,
    name="linear_srcnn",
    cases=LINEAR_CASES,
    linear=True,
    success="for all {count} networks, with the same weights, yours gives the output of SRCNN without its "
    "ReLUs: the ablation is ready to train.",
)
register(Exercise("01.1", "SRCNN in plain Keras", _check_srcnn, srcnn))
register(Exercise("01.4", "SRCNN without its non-linearity", _check_linear, linear_srcnn))


# --- 01.2 srcnn_parameters ------------------------------------------------------------------------


def _parameter_mistakes(f1, f2, f3, n1, n2, c) -> list[Mistake]:
    weights = c * f1 * f1 * n1 + n1 * f2 * f2 * n2 + n2 * f3 * f3 * c
    return [
        Mistake(
            "layer 1 weights only",
            c * f1 * f1 * n1,
            "that is only the first layer's weights. Add layers 2 and 3 (eq. 2 and 3), and each layer's biases.",
        ),
        Mistake(
            "no biases",
            weights,
            "the weights are right, but every filter also has a bias B (eq. 1-3): add n1 + n2 + channels.",
        ),
        Mistake(
            "f not squared",
            c * f1 * n1 + n1 + n1 * f2 * n2 + n2 + n2 * f3 * c + c,
            "a filter is f x f pixels: use f1 * f1 (not f1), and the same for f2 and f3.",
        ),
        Mistake(
            "input channels forgotten",
            f1 * f1 * n1 + n1 + f2 * f2 * n2 + n2 + f3 * f3 * c + c,
            "each filter looks at *all* channels of its input: W2 has n1 x f2 x f2 weights per filter "
            "(n1 feature maps in), W3 has n2 x f3 x f3, and W1 has channels x f1 x f1.",
        ),
        Mistake(
            "one bias per layer",
            weights + 3,
            "there is one bias per filter, not per layer: n1 biases in layer 1, n2 in layer 2, channels in layer 3.",
        ),
        Mistake(
            "output channels forgotten",
            c * f1 * f1 * n1 + n1 + n1 * f2 * f2 * n2 + n2 + n2 * f3 * f3 + 1,
            "the reconstruction layer has one filter per output channel: n2 * f3 * f3 * channels weights "
            "and channels biases (try the RGB case, channels=3).",
        ),
    ]


def _judge_parameters(got: Any, f1: int, f2: int, f3: int, n1: int, n2: int, c: int, *, call: str) -> Feedback | None:
    got, problem = as_number(got, call)
    if problem:
        return problem
    expected = srcnn_parameters(f1, f2, f3, n1, n2, c)
    if got == expected:
        return None
    hint = mistake_hint(
        got,
        _parameter_mistakes(f1, f2, f3, n1, n2, c),
        0,
        "count per layer: (input channels x f x f) weights per filter, times the number of filters, plus one "
        "bias per filter; then add the three layers.",
    )
    return Feedback(False, f"{call} gave {got:g}; SRCNN has {expected} parameters there.", hint)


def _check_parameters(answer: Any) -> Feedback:
    cases = [
        (describe_call("srcnn_parameters", f1=f1, f2=f2, f3=f3, n1=n1, n2=n2, channels=c), (f1, f2, f3, n1, n2, c))
        for f1, f2, f3, n1, n2, c in PARAMETER_CASES
    ]
    return run_cases(
        answer,
        "srcnn_parameters",
        cases,
        _judge_parameters,
        "your count matches Keras' for all {count} networks (9-1-5 and 9-5-5 as in the paper, a wider one, an RGB one).",
    )


register(Exercise("01.2", "count SRCNN's parameters", _check_parameters, srcnn_parameters))


# --- 01.3 valid_output_size ----------------------------------------------------------------------


def _size_mistakes(size, f1, f2, f3) -> list[Mistake]:
    return [
        Mistake(
            "same padding",
            size,
            "that is the size with 'same' zero padding (what srlib's SRCNN uses). Without padding, an f x f "
            "filter fits in fewer positions than the image has pixels: how many?",
        ),
        Mistake(
            "f per layer",
            size - f1 - f2 - f3,
            "off by one per layer: an f x f filter fits at size - f + 1 positions, so a layer removes f - 1 pixels.",
        ),
        Mistake(
            "one side only",
            size - (f1 // 2 + f2 // 2 + f3 // 2),
            "you removed the half-width on one side only: a 'valid' layer loses (f - 1) / 2 pixels on *each* side.",
        ),
        Mistake(
            "plus one once",
            size - f1 - f2 - f3 + 1,
            "close: the + 1 applies to every layer (size - f + 1 per layer), not once for the whole network.",
        ),
    ]


def _judge_size(got: Any, size: int, f1: int, f2: int, f3: int, *, call: str) -> Feedback | None:
    got, problem = as_number(got, call)
    if problem:
        return problem
    expected = valid_output_size(size, f1, f2, f3)
    if got == expected:
        return None
    hint = mistake_hint(
        got, _size_mistakes(size, f1, f2, f3), 0, "follow one layer: an f x f filter fits at size - f + 1 positions."
    )
    return Feedback(False, f"{call} gave {got:g}; the output is {expected}x{expected}.", hint)


def _check_size(answer: Any) -> Feedback:
    cases = [
        (describe_call("valid_output_size", size=size, f1=f1, f2=f2, f3=f3), (size, f1, f2, f3))
        for size, f1, f2, f3 in SIZE_CASES
    ]
    return run_cases(
        answer,
        "valid_output_size",
        cases,
        _judge_size,
        "right on all {count} cases: a 33x33 sub-image gives 21x21 through 9-1-5 "
        "and 17x17 through 9-5-5, which is why the paper compares the output with the label's centre.",
    )


register(Exercise("01.3", "SRCNN's output size without padding", _check_size, valid_output_size))
