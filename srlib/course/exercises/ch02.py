"""Chapter 02's exercises: FSRCNN's size, the transposed convolution by hand, FSRCNN in Keras, scale transfer.

02.1 compares a parameter formula with Keras' count over several configurations. 02.2 runs the
learner's NumPy transposed convolution against Keras' ``Conv2DTranspose`` (the output size first,
whose rule changes when the kernel is smaller than the stride, then the values). 02.3 builds the
learner's FSRCNN(d, s, m) and checks it against :class:`srlib.models.FSRCNN` with
:func:`srlib.course.twins.compare_networks` (same weights in, same output out). 02.4 freezes an
FSRCNN for another scale and reads ``model.trainable_weights``, what the optimizer will train.
Each wrong answer is matched with its typical mistake and the hint for it.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    check_numbers,
    describe_call,
    mistake_hint,
    not_a_function,
    register,
    run_cases,
)
from srlib.course.twins import compare_networks
from srlib.models.fsrcnn import FSRCNN

__all__ = [
    "fsrcnn_parameters",
    "transposed_output_size",
    "fsrcnn_macs_per_hr_pixel",
    "transposed_conv",
    "build_fsrcnn",
    "freeze_for_transfer",
]

CONFIGS = ((56, 12, 4), (32, 5, 1), (48, 16, 3), (64, 8, 2))  # (d, s, m): the paper's two models and two others


# --- reference solutions (solution(id) shows their source) -----------------------------------


def fsrcnn_parameters(d, s, m):
    """All parameters of FSRCNN(d, s, m) on one channel, as model.count_params() counts them."""
    feature_extraction = 5 * 5 * 1 * d + d  # 5x5 kernels on the 1-channel LR image, plus biases
    shrinking = 1 * 1 * d * s + s
    mapping = m * (3 * 3 * s * s + s)
    expanding = 1 * 1 * s * d + d
    deconvolution = 9 * 9 * d * 1 + 1
    prelu_slopes = d + s + m * s + d  # one slope per channel after each of the m + 3 convolutions
    return feature_extraction + shrinking + mapping + expanding + deconvolution + prelu_slopes


def transposed_output_size(n, kernel, stride, padding):
    """Output side of Keras' Conv2DTranspose on an n-pixel side (no output_padding)."""
    if padding == "same":
        return n * stride  # 'same' crops the result to exactly stride times the input
    # 'valid': every input pixel owns a stride-wide block, and the last kernel may reach past its block.
    return n * stride + max(kernel - stride, 0)


def fsrcnn_macs_per_hr_pixel(d, s, m, scale):
    """Multiply-adds per HR output pixel of FSRCNN(d, s, m) at x scale (FSRCNN sec. 3.3); section 1's formula."""
    per_lr_pixel = 25 * d + d * s + m * 9 * s * s + s * d + 81 * d  # every layer runs once per LR pixel
    return per_lr_pixel / scale**2  # and one LR pixel becomes scale**2 HR pixels


def transposed_conv(x, kernel, stride):
    """Keras' Conv2DTranspose (padding 'valid', no bias) on one channel: every input pixel stamps the kernel."""
    import numpy as np

    k = kernel.shape[0]
    rows, cols = (n * stride + max(k - stride, 0) for n in x.shape)  # a stride-wide block per input pixel
    out = np.zeros((rows, cols))
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i * stride : i * stride + k, j * stride : j * stride + k] += x[i, j] * kernel  # overlaps add up
    return out


def build_fsrcnn(scale, d=56, s=12, m=4):
    """FSRCNN(d, s, m) (ECCV 2016, sec. 3.2) in plain Keras layers, named as srlib names them."""
    import keras

    def prelu(name):  # one learned slope per channel, shared over the image
        return keras.layers.PReLU(keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)

    lr = keras.Input((None, None, 1), name="lr")
    x = keras.layers.Conv2D(d, 5, padding="same", kernel_initializer="he_normal", name="feature_extraction")(lr)
    x = prelu("feature_extraction_prelu")(x)
    x = prelu("shrinking_prelu")(keras.layers.Conv2D(s, 1, kernel_initializer="he_normal", name="shrinking")(x))
    for k in range(1, m + 1):
        x = keras.layers.Conv2D(s, 3, padding="same", kernel_initializer="he_normal", name=f"mapping_{k}")(x)
        x = prelu(f"mapping_{k}_prelu")(x)
    x = prelu("expanding_prelu")(keras.layers.Conv2D(d, 1, kernel_initializer="he_normal", name="expanding")(x))
    deconvolution = keras.layers.Conv2DTranspose(
        1, 9, strides=scale, padding="same", kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
        name="deconvolution",
    )  # fmt: skip
    return keras.Model(lr, deconvolution(x), name=f"fsrcnn_{d}_{s}_{m}")


def freeze_for_transfer(model):
    """Leave only the deconvolution trainable: FSRCNN sec. 3.4's transfer to another scale."""
    for layer in model.layers:
        layer.trainable = layer.name == "deconvolution"
    return model


# --- 02.1 parameters ----------------------------------------------------------------------------


def _parameter_mistakes(d, s, m) -> list[Mistake]:
    right = fsrcnn_parameters(d, s, m)
    biases = d + s + m * s + d + 1
    slopes = d + s + m * s + d
    return [
        Mistake(
            "paper's count",
            right - biases - slopes,
            "that is the paper's count (25d + sd + 9ms² + ds + 81d): kernels only. Keras also counts one bias "
            "per output channel of every convolution and one PReLU slope per channel.",
        ),
        Mistake(
            "no PReLU",
            right - slopes,
            "the convolutions are right; add the PReLU slopes: one per channel after feature extraction (d), "
            "shrinking (s), each mapping layer (s) and expanding (d).",
        ),
        Mistake(
            "no biases",
            right - biases,
            "kernels and slopes are right; add one bias per output channel of each convolution "
            "(d + s + m·s + d, and 1 for the deconvolution).",
        ),
        Mistake(
            "one mapping layer",
            right - (m - 1) * (9 * s * s + 2 * s),
            "there are m mapping layers of 3x3xsxs weights (plus s biases and s slopes each), not one.",
        ),
        Mistake("1x1 mapping", right - m * 8 * s * s, "the mapping layers are 3x3 convolutions: 9·s·s weights each."),
        Mistake(
            "3x3 deconvolution",
            right - 72 * d,
            "FSRCNN's deconvolution has a 9x9 kernel: 81·d weights (d input channels, 1 output).",
        ),
        Mistake("deconvolution prelu", right + 1, "the deconvolution gives the output image: no PReLU after it."),
    ]


def _check_parameters(answer: Any) -> Feedback:
    return check_numbers(
        answer,
        "fsrcnn_parameters",
        [dict(d=d, s=s, m=m) for d, s, m in CONFIGS],
        fsrcnn_parameters,
        _parameter_mistakes,
        0.5,
        "go layer by layer: a k x k convolution from c_in to c_out channels has k·k·c_in·c_out weights and c_out "
        "biases; each PReLU has one slope per channel; the LR input has 1 channel (Y).",
        "your formula gives Keras' count for all {count} configurations, FSRCNN (56, 12, 4) and FSRCNN-s "
        "(32, 5, 1) included.",
    )


register(Exercise("02.1", "FSRCNN's parameters by formula", _check_parameters, fsrcnn_parameters))


# --- 02.2 the transposed convolution by hand ----------------------------------------------------


def _keras_transposed(x: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    layer = keras.layers.Conv2DTranspose(1, kernel.shape[0], strides=stride, padding="valid", use_bias=False)
    layer.build((1, *x.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])  # Keras' kernel layout: (k, k, out channels, in channels)
    return np.asarray(keras.ops.convert_to_numpy(layer(x[None, :, :, None].astype(np.float32))))[0, :, :, 0]


def _transposed_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(2)
    return [
        (rng.random((3, 4)), rng.standard_normal((9, 9)), 3),  # FSRCNN's 9x9 kernel at x3, a non-square input
        (np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(1.0, 10.0).reshape(3, 3), 2),  # the chapter's example
        (rng.random((3, 3)), rng.standard_normal((2, 2)), 3),  # a kernel smaller than the stride
        (rng.random((2, 3)), rng.standard_normal((4, 4)), 2),
    ]


def _shape_mistakes(n: int, k: int, stride: int) -> list[Mistake]:
    """Typical output sizes (as 1-tuples, to match a shape's first side) and their hints."""
    return [
        Mistake(
            "kernel smaller than the stride",
            ((n - 1) * stride + k,),
            "(n - 1)·stride + kernel is where the last kernel ends, but Keras gives every input pixel a block of "
            "stride x stride output pixels: when the kernel is smaller than the stride the output is n·stride, "
            "and the rest of each block stays 0. In general n·stride + max(kernel - stride, 0).",
        ),
        Mistake(
            "same size",
            (n * stride,),
            "n·stride is the size with padding='same', which crops; with 'valid' the last kernel still reaches "
            "kernel - stride pixels past the last block: n·stride + max(kernel - stride, 0).",
        ),
        Mistake(
            "an ordinary convolution",
            (max((n - k) // stride + 1, 0),),
            "that is an ordinary strided convolution, which gathers a window into one smaller output. The "
            "transposed one scatters: each *input* pixel adds x[i, j] · kernel into the output, stride apart.",
        ),
        Mistake(
            "stride ignored",
            (n + k - 1,),
            "the kernels start stride pixels apart in the output: input pixel (i, j) stamps at "
            "(i·stride, j·stride), not at (i, j).",
        ),
        Mistake(
            "one stride too many",
            (n * stride + k,),
            "close: the last input pixel starts its kernel at (n - 1)·stride, not at n·stride.",
        ),
    ]


def _value_mistakes(x: np.ndarray, kernel: np.ndarray, stride: int) -> list[Mistake]:
    overwritten, k = np.zeros_like(transposed_conv(x, kernel, stride)), kernel.shape[0]
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            overwritten[i * stride : i * stride + k, j * stride : j * stride + k] = x[i, j] * kernel
    return [
        Mistake(
            "overwritten",
            overwritten,
            "where two stamped kernels overlap, the output must be their sum: use += , not =.",
        ),
        Mistake(
            "flipped kernel",
            transposed_conv(x, kernel[::-1, ::-1], stride),
            "Keras does not flip the kernel: input pixel (i, j) adds x[i, j] * kernel as it is.",
        ),
        Mistake(
            "transposed kernel",
            transposed_conv(x, kernel.T, stride),
            "'transposed' names the convolution's matrix, not the kernel: stamp kernel as it is, not kernel.T.",
        ),
    ]


def _judge_transposed(got: Any, x: np.ndarray, kernel: np.ndarray, stride: int, *, call: str) -> Feedback | None:
    expected = _keras_transposed(x, kernel, stride)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        fallback = "input pixel i stamps kernel rows i·stride .. i·stride + kernel - 1; count the rows that makes."
        hint = mistake_hint(got.shape[:1], _shape_mistakes(x.shape[0], kernel.shape[0], stride), 0, fallback)
        return Feedback(False, f"{call} has shape {got.shape}; Keras' Conv2DTranspose gives {expected.shape}.", hint)
    error = float(np.max(np.abs(got - expected)))
    if error <= 1e-4:
        return None
    hint = mistake_hint(
        got, _value_mistakes(x, kernel, stride), 1e-4, "loop over the input pixels and add x[i, j] * kernel "
        "into out[i*stride : i*stride + k, j*stride : j*stride + k].",
    )  # fmt: skip
    return Feedback(False, f"{call} has the right shape but differs from Keras by up to {error:.3g}.", hint)


def _check_transposed(answer: Any) -> Feedback:
    cases = [
        (describe_call("transposed_conv", x=x, kernel=kernel, stride=stride), (x, kernel, stride))
        for x, kernel, stride in _transposed_cases()
    ]
    return run_cases(
        answer,
        "transposed_conv",
        cases,
        _judge_transposed,
        "your scatter-add equals Keras' Conv2DTranspose (padding='valid') on all {count} cases, a kernel "
        "smaller than the stride included.",
    )


register(Exercise("02.2", "the transposed convolution by hand", _check_transposed, transposed_conv))


# --- 02.3 FSRCNN in plain Keras ----------------------------------------------------------------


BUILD_CASES = ((3, 56, 12, 4), (2, 32, 5, 1), (4, 16, 4, 2))  # (scale, d, s, m): FSRCNN x3, FSRCNN-s x2, a small x4


def _layer_hint(model: keras.Model, m: int) -> str | None:
    """The specific mistake the learner's layers show, before the generic comparison's hint."""
    layers = model.layers
    prelus = [layer for layer in layers if isinstance(layer, keras.layers.PReLU)]
    if not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers):
        return "FSRCNN ends with keras.layers.Conv2DTranspose(1, 9, strides=scale, padding='same')."
    convolutions = [layer for layer in layers if type(layer) is keras.layers.Conv2D]
    if len(convolutions) != m + 3:
        return (
            f"FSRCNN has m + 3 = {m + 3} convolutions before the deconvolution: feature extraction 5x5 (d "
            f"filters), shrinking 1x1 (s), {m} mapping 3x3 (s), expanding 1x1 (d); yours has {len(convolutions)}."
        )
    if any(isinstance(layer, keras.layers.ReLU) for layer in layers):
        return "FSRCNN uses PReLU, not ReLU: a learned slope for negative inputs, PReLU(shared_axes=[1, 2])."
    if any(layer.get_config().get("activation", "linear") != "linear" for layer in convolutions):
        return "the convolutions are linear: FSRCNN's non-linearity is the PReLU layer after each of them."
    if len(prelus) != m + 3:
        return (
            f"one PReLU after each of the m + 3 = {m + 3} convolutions before the deconvolution (feature "
            f"extraction, shrinking, {m} mapping, expanding), none after the deconvolution; yours has {len(prelus)}."
        )
    if any(sorted(layer.get_config().get("shared_axes") or []) != [1, 2] for layer in prelus):
        return "share each PReLU's slopes over the image: PReLU(shared_axes=[1, 2]), one slope per channel."
    return None


def _crashed_build(exc: Exception, *args, call: str, **kwargs) -> Feedback | None:
    if "alpha" in str(exc) and "None" in str(exc):
        return Feedback(
            False,
            f"{call} raised {type(exc).__name__}: a PReLU layer cannot make one slope per pixel of an image of "
            "unknown size.",
            "give every PReLU shared_axes=[1, 2]: one slope per channel, shared over height and width.",
        )
    return None


def _judge_build(got: Any, scale: int, d: int, s: int, m: int, *, call: str) -> Feedback | None:
    if not isinstance(got, keras.Model):
        return compare_networks(got, FSRCNN(scale, d=d, s=s, m=m), np.zeros((1, 4, 4, 1), np.float32))
    inputs = np.random.default_rng(scale).random((1, 20, 23, 1)).astype(np.float32)
    expected = (1, 20 * scale, 23 * scale, 1)
    shape = tuple(got(inputs).shape)
    specific = _layer_hint(got, m)
    if shape != expected:
        hint = specific or (
            "your output is smaller: 'valid' convolutions shrink the image; use padding=\"same\"."
            if shape[1] < expected[1]
            else f"the deconvolution must give exactly {scale}x the input: strides=scale and padding='same'."
        )
        return Feedback(False, f"{call} turns a 20x23 input into {shape}; FSRCNN gives {expected}.", hint)
    feedback = compare_networks(got, FSRCNN(scale, d=d, s=s, m=m), inputs)
    if not feedback.correct:
        return Feedback(False, f"{call}: {feedback.message}", specific or feedback.hint)
    if "deconvolution" not in [layer.name for layer in got.layers]:
        return Feedback(
            False,
            f"{call} computes FSRCNN, but no layer is named 'deconvolution'.",
            "name it: Conv2DTranspose(..., name='deconvolution'); training gives that layer its 0.1 learning "
            "rate, and exercise 02.4 freezes everything else, by that name.",
        )
    return None


def _check_build(answer: Any) -> Feedback:
    cases = [
        (describe_call("build_fsrcnn", scale=scale, d=d, s=s, m=m), dict(scale=scale, d=d, s=s, m=m))
        for scale, d, s, m in BUILD_CASES
    ]
    return run_cases(
        answer,
        "build_fsrcnn",
        cases,
        _judge_build,
        "with srlib's weights your network gives srlib's FSRCNN output in all {count} cases (FSRCNN x3, FSRCNN-s "
        "x2, a small x4): the same network, layer by layer.",
        crashed=_crashed_build,
    )


register(Exercise("02.3", "FSRCNN(d, s, m) in plain Keras", _check_build, build_fsrcnn))


# --- 02.4 freeze for transfer ---------------------------------------------------------------------


def _check_freeze(answer: Any) -> Feedback:
    problem = not_a_function(answer, "freeze_for_transfer")
    if problem:
        return problem
    model = FSRCNN(2, d=16, s=4, m=2)  # small: builds in a blink, same layer names as the paper's model
    returned = answer(model)
    if returned is not None and returned is not model:
        model = returned  # a function returning a (new) model is fine too
    # What the optimizer will update: the trainable weights, not the flags (a frozen model hides its layers').
    training = {id(w) for w in model.trainable_weights}
    trainable = {layer.name for layer in model.layers if any(id(w) in training for w in layer.weights)}
    flagged = {layer.name for layer in model.layers if layer.weights and layer.trainable}
    call = "freeze_for_transfer(FSRCNN(2, d=16, s=4, m=2))"
    if trainable == {"deconvolution"}:
        n_trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        return Feedback(
            True,
            f"only the deconvolution trains ({n_trainable} of {model.count_params()} parameters "
            "of this small FSRCNN); the shared feature extraction, shrinking, mapping and expanding stay fixed.",
        )
    if not trainable and "deconvolution" in flagged:
        return Feedback(
            False,
            f"after {call} the deconvolution's flag says trainable, but model.trainable_weights is empty: "
            "nothing would train.",
            "model.trainable = False freezes the model as a whole, and a layer inside a frozen model stays "
            "frozen whatever its own flag says. Leave model.trainable alone and set the flag of every layer.",
        )
    return _freeze_mistake(trainable, {layer.name for layer in model.layers if layer.weights}, call)


def _freeze_mistake(trainable: set[str], weighted: set[str], call: str) -> Feedback:
    if trainable == weighted:
        return Feedback(
            False,
            f"after {call} every layer is still trainable.",
            "set layer.trainable = False on every layer except the one named 'deconvolution'.",
        )
    if not trainable:
        return Feedback(
            False,
            f"after {call} nothing is trainable.",
            "the deconvolution is the scale-specific part: keep it trainable (its stride is the scale).",
        )
    if "deconvolution" not in trainable:
        return Feedback(
            False,
            f"after {call} these layers train: {', '.join(sorted(trainable))}.",
            "it is the other way round: the last layer, 'deconvolution', depends on the scale and is "
            "retrained; everything before it is shared between scales and stays frozen.",
        )
    extra = sorted(trainable - {"deconvolution"})
    if all(name.endswith("_prelu") for name in extra):
        return Feedback(
            False,
            f"after {call} the PReLU layers still train: {', '.join(extra)}.",
            "the PReLU slopes are learned parameters of the shared part too: freeze them with the convolutions.",
        )
    return Feedback(
        False,
        f"after {call} these layers still train besides the deconvolution: {', '.join(extra)}.",
        "loop over model.layers and freeze every layer whose name is not 'deconvolution'.",
    )


register(Exercise("02.4", "which layers to train for another scale", _check_freeze, freeze_for_transfer))
