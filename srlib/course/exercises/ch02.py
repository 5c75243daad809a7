"""Chapter 02's exercises: FSRCNN's size, the transposed convolution's output, its cost, and scale transfer.

Three checkers compare numbers with the reference formulas below (which the tests
check against Keras' own count and :mod:`srlib.models.complexity`), over several
configurations, and name the typical mistake a wrong answer matches: biases or
PReLU slopes forgotten, the convolution's size formula used for the transposed one,
the deconvolution's cost counted per HR pixel, the ``scale**2`` saving forgotten.
The fourth builds a real FSRCNN and inspects which layers the learner left trainable.
"""

from __future__ import annotations

from typing import Any

from srlib.course.exercises.core import (
    Exercise,
    Feedback,
    Mistake,
    check_numbers,
    not_a_function,
    register,
)
from srlib.models.fsrcnn import FSRCNN

__all__ = ["fsrcnn_parameters", "transposed_output_size", "fsrcnn_macs_per_hr_pixel", "freeze_for_transfer"]

CONFIGS = ((56, 12, 4), (32, 5, 1), (48, 16, 3), (64, 8, 2))  # (d, s, m): the paper's two models and two others


# --- reference solutions (solution(id) shows their source) -----------------------------------


def fsrcnn_parameters(d, s, m):
    """All parameters of FSRCNN(d, s, m) on one channel, as model.count_params() counts them."""
    feature_extraction = 5 * 5 * 1 * d + d  # 5x5 kernels on the 1-channel LR image, plus biases
    shrinking = 1 * 1 * d * s + s
    mapping = m * (3 * 3 * s * s + s)
    expanding = 1 * 1 * s * d + d
    deconvolution = 9 * 9 * d * 1 + 1
    prelu_slopes = d + s + m * s + d  # one slope per channel after each of the first four parts
    return feature_extraction + shrinking + mapping + expanding + deconvolution + prelu_slopes


def transposed_output_size(n, kernel, stride, padding):
    """Output side of a transposed convolution (Keras Conv2DTranspose) on an n-pixel side."""
    if padding == "same":
        return n * stride  # 'same' crops the result to exactly stride times the input
    return (n - 1) * stride + kernel  # 'valid': every input pixel spreads a full kernel


def fsrcnn_macs_per_hr_pixel(d, s, m, scale):
    """Multiply-adds per HR output pixel of FSRCNN(d, s, m) at x scale (FSRCNN sec. 3.3)."""
    per_lr_pixel = 25 * d + d * s + m * 9 * s * s + s * d + 81 * d  # every layer runs once per LR pixel
    return per_lr_pixel / scale**2  # and one LR pixel becomes scale**2 HR pixels


def freeze_for_transfer(model):
    """Leave only the deconvolution trainable: FSRCNN sec. 3.4's transfer to another scale."""
    for layer in model.layers:
        layer.trainable = layer.name == "deconvolution"
    return model


# --- shared checker helpers -------------------------------------------------------------------


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
        Mistake(
            "1x1 mapping",
            right - m * 8 * s * s,
            "the mapping layers are 3x3 convolutions: 9·s·s weights each, not s·s.",
        ),
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


# --- 02.2 transposed convolution output size ---------------------------------------------------


def _size_mistakes(n, kernel, stride, padding) -> list[Mistake]:
    conv_valid = (n - kernel) // stride + 1
    conv_same = -(-n // stride)
    full = (n - 1) * stride + kernel
    return [
        Mistake(
            "convolution, valid",
            conv_valid,
            "that is an ordinary (strided) convolution's output size, which shrinks. A transposed convolution "
            "goes the other way: each input pixel spreads a kernel over the output, stride pixels apart.",
        ),
        Mistake(
            "convolution, same",
            conv_same,
            "that is a strided convolution with 'same' padding (ceil(n / stride)); the transposed one enlarges.",
        ),
        Mistake(
            "same for valid",
            n * stride,
            "n·stride is the 'same' size; with 'valid' nothing is cropped: (n - 1)·stride + kernel.",
        ),
        Mistake(
            "valid for same", full, "(n - 1)·stride + kernel is the 'valid' size; 'same' crops it to exactly n·stride."
        ),
        Mistake(
            "n times stride plus kernel",
            n * stride + kernel,
            "close: the last input pixel starts its kernel at (n - 1)·stride, so 'valid' gives (n - 1)·stride + kernel.",
        ),
        Mistake(
            "no kernel",
            (n - 1) * stride + 1,
            "that counts where the kernels start; each one still covers `kernel` pixels: (n - 1)·stride + kernel.",
        ),
    ]


def _check_size(answer: Any) -> Feedback:
    cases = [
        dict(n=n, kernel=k, stride=st, padding=p)
        for n, k, st in ((2, 3, 2), (5, 9, 3), (7, 9, 2), (4, 4, 4))
        for p in ("valid", "same")
    ]
    return check_numbers(
        answer,
        "transposed_output_size",
        cases,
        transposed_output_size,
        _size_mistakes,
        0,
        "draw it in 1D: input pixel i puts a kernel at output positions i·stride .. i·stride + kernel - 1; "
        "'same' then crops to n·stride.",
        "your sizes match Keras' Conv2DTranspose on all {count} cases ('valid' and 'same').",
    )


register(Exercise("02.2", "the output size of a transposed convolution", _check_size, transposed_output_size))


# --- 02.3 multiply-adds per HR pixel ------------------------------------------------------------


def _macs_mistakes(d, s, m, scale) -> list[Mistake]:
    per_lr = fsrcnn_macs_per_hr_pixel(d, s, m, scale) * scale**2
    convs = per_lr - 81 * d
    return [
        Mistake(
            "per LR pixel",
            per_lr,
            "that is the cost per LR pixel. Each LR pixel becomes scale² HR pixels: divide by scale**2.",
        ),
        Mistake(
            "divided by scale",
            per_lr / scale,
            "one LR pixel becomes scale x scale HR pixels: divide by scale**2, not by scale.",
        ),
        Mistake(
            "deconvolution per HR pixel",
            convs / scale**2 + 81 * d,
            "the deconvolution's 81·d multiply-adds happen once per LR (input) pixel, like the other layers: "
            "each input pixel spreads its 9x9 kernel over the output. Divide the whole sum by scale**2.",
        ),
        Mistake(
            "one mapping layer",
            (per_lr - (m - 1) * 9 * s * s) / scale**2,
            "there are m mapping layers, each 9·s·s multiply-adds per pixel.",
        ),
        Mistake(
            "1x1 mapping",
            (per_lr - m * 8 * s * s) / scale**2,
            "the mapping layers are 3x3: 9·s·s multiply-adds per pixel each, not s·s.",
        ),
        Mistake(
            "no deconvolution",
            convs / scale**2,
            "you left out the deconvolution: 9·9·d·1 = 81·d per LR pixel, the most expensive layer.",
        ),
        Mistake(
            "FLOPs", 2 * per_lr / scale**2, "that is FLOPs (2 per multiply-add); the exercise asks for multiply-adds."
        ),
    ]


def _check_macs(answer: Any) -> Feedback:
    cases = [dict(d=d, s=s, m=m, scale=scale) for (d, s, m), scale in zip(CONFIGS, (3, 3, 2, 4))]
    return check_numbers(
        answer,
        "fsrcnn_macs_per_hr_pixel",
        cases,
        fsrcnn_macs_per_hr_pixel,
        _macs_mistakes,
        1e-6,
        "a k x k convolution from c_in to c_out costs k·k·c_in·c_out multiply-adds per pixel of the grid it runs on; "
        "all of FSRCNN runs on the LR grid, then divide by scale**2 to share it among the HR pixels.",
        "your cost matches srlib.models.complexity on all {count} cases.",
    )


register(Exercise("02.3", "multiply-adds per HR pixel", _check_macs, fsrcnn_macs_per_hr_pixel))


# --- 02.4 freeze for transfer ---------------------------------------------------------------------


def _check_freeze(answer: Any) -> Feedback:
    problem = not_a_function(answer, "freeze_for_transfer")
    if problem:
        return problem
    model = FSRCNN(2, d=16, s=4, m=2)  # small: builds in a blink, same layer names as the paper's model
    returned = answer(model)
    if returned is not None and returned is not model:
        model = returned  # a function returning a (new) model is fine too
    trainable = {layer.name for layer in model.layers if layer.weights and layer.trainable}
    weighted = [layer.name for layer in model.layers if layer.weights]
    if trainable == {"deconvolution"}:
        n_trainable = sum(int(v.numpy().size) for v in model.trainable_weights)
        return Feedback(
            True,
            f"only the deconvolution trains ({n_trainable} of {model.count_params()} parameters "
            "of this small FSRCNN); the shared feature extraction, shrinking, mapping and expanding stay fixed.",
        )
    call = "freeze_for_transfer(FSRCNN(2, d=16, s=4, m=2))"
    if trainable == set(weighted):
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
