"""The learner's network against srlib's twin: same weights in, same output out.

A chapter has the learner write a network in plain Keras layers (SRCNN, FSRCNN, the
residual block...) and then checks it against srlib's "concise" implementation, as d2l
pairs its from-scratch and concise models. :func:`compare_networks` copies the reference's
weights into the learner's model, array by array in creation order, runs both on the same
input and says, in one message and one hint, what differs: the weight arrays (which one,
which shape), the output's shape (usually the padding), or the values (usually an
activation). :func:`train_side_by_side` trains both from the same weights on the same
batches and compares the losses, so an optimizer or loss difference shows too. For a checker's
hint, :func:`seeded_weights` gives a reference weights under which every activation, slope and
batch-norm statistic shows in the output, and :func:`closest_variant` finds which of the typical
wrong networks, built with the same weights, computes what the learner's does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import keras
import numpy as np

from srlib.course.exercises.core import Feedback

__all__ = [
    "weight_shapes",
    "copy_weights",
    "compare_networks",
    "train_side_by_side",
    "seeded_weights",
    "closest_variant",
]


def weight_shapes(model: keras.Model) -> list[tuple[int, ...]]:
    """The shapes of the model's weight arrays (kernels, biases, PReLU slopes...) in creation order."""
    return [tuple(int(n) for n in w.shape) for w in model.weights]


def _name_of(model: keras.Model, index: int) -> str:
    weight = model.weights[index]
    return getattr(weight, "path", None) or weight.name


def copy_weights(reference: keras.Model, learner: keras.Model) -> Feedback | None:
    """Copy ``reference``'s weights into ``learner`` in creation order; Feedback when they do not fit, else None."""
    mine, theirs = weight_shapes(learner), weight_shapes(reference)
    if len(mine) != len(theirs):
        return Feedback(
            False,
            f"your model has {len(mine)} weight arrays, srlib's has {len(theirs)} "
            f"({sum(map(np.prod, mine)):.0f} against {sum(map(np.prod, theirs)):.0f} numbers).",
            "count the layers: every convolution has a kernel and a bias (use_bias=True), a PReLU one array of slopes.",
        )
    for index, (a, b) in enumerate(zip(mine, theirs)):
        if a != b:
            return Feedback(
                False,
                f"weight array {index + 1} ({_name_of(learner, index)}) has shape {a}; srlib's "
                f"({_name_of(reference, index)}) has {b}.",
                "a kernel is (height, width, channels in, filters): check the kernel sizes and filter counts "
                "of your layers, in order.",
            )
    learner.set_weights(reference.get_weights())
    return None


def compare_networks(
    learner: object,
    reference: keras.Model,
    inputs: np.ndarray,
    *,
    tolerance: float = 1e-5,
    value_hint: str = "same weights but another output: check each layer's activation and padding.",
) -> Feedback:
    """Copy ``reference``'s weights into ``learner`` and compare their outputs on ``inputs`` (a batch)."""
    if not isinstance(learner, keras.Model):
        return Feedback(
            False,
            f"expected a keras.Model, got {type(learner).__name__}.",
            "return the model: keras.Model(inputs, outputs) or keras.Sequential([...]).",
        )
    problem = copy_weights(reference, learner)
    if problem:
        return problem
    expected = np.asarray(reference(inputs, training=False))
    got = np.asarray(learner(inputs, training=False))
    if got.shape != expected.shape:
        smaller = got.ndim == 4 and got.shape[1] < expected.shape[1]
        return Feedback(
            False,
            f"on an input of shape {inputs.shape} your model gives {got.shape}; srlib's gives {expected.shape}.",
            "your output is smaller: 'valid' convolutions shrink the image; use padding=\"same\"."
            if smaller
            else "check the number of output channels and any upscaling layer.",
        )
    difference = float(np.max(np.abs(got - expected)))
    if difference > tolerance:
        return Feedback(False, f"with srlib's weights your output differs by up to {difference:.3g}.", value_hint)
    return Feedback(
        True,
        f"with srlib's weights your network gives srlib's output (to {difference:.1g}) on a "
        f"{'x'.join(map(str, inputs.shape[1:]))} input: the same network, {learner.count_params():,} parameters.",
    )


def train_side_by_side(
    learner: keras.Model,
    reference: keras.Model,
    batches: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    optimizer: Callable[[], keras.optimizers.Optimizer] = lambda: keras.optimizers.Adam(1e-3),
    loss: str = "mse",
) -> tuple[list[float], list[float]]:
    """Train both from the reference's weights on the same ``batches``; their per-step losses.

    Equal lists (to float tolerance) say the two models learn alike, not only compute alike.
    """
    copy_weights(reference, learner)
    losses = ([], [])
    for model, record in zip((learner, reference), losses):
        model.compile(optimizer=optimizer(), loss=loss)
        for lr, hr in batches:
            record.append(float(model.train_on_batch(lr, hr)))
    return losses


def seeded_weights(model: keras.Model, seed: int = 0) -> keras.Model:
    """``model`` with seeded random weights under which every activation, PReLU slope and BN statistic matters."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape, name = tuple(weight.shape), getattr(weight, "path", weight.name)
        if len(shape) == 4:  # a kernel: He's spread, so activations see both signs at every depth
            value = rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-1])), shape)
        elif name.endswith(("gamma", "moving_variance")):
            value = rng.uniform(0.5, 1.5, shape)
        elif name.endswith("alpha"):
            value = rng.uniform(0.05, 0.5, shape)  # PReLU slopes
        else:
            value = rng.normal(0.0, 0.1, shape)  # biases, beta, moving_mean
        weight.assign(value.astype(np.float32))
    return model


def closest_variant(
    learner: keras.Model,
    reference: keras.Model,
    inputs: np.ndarray,
    variants: Mapping[str, Callable[[], keras.Model]],
    tolerance: float = 1e-5,
) -> str | None:
    """The key (a hint) of the first wrong network in ``variants`` (``{hint: builder}``) that ``learner`` matches.

    When the learner's weight arrays fit the reference's, a variant matches if, given the reference's
    weights, it gives the learner's output; when they do not fit, a variant with the learner's array
    shapes matches. A variant that cannot even be built (as the learner's would not) is skipped.
    """
    mine = weight_shapes(learner)
    output = np.asarray(learner(inputs, training=False)) if mine == weight_shapes(reference) else None
    for hint, build in variants.items():
        try:
            twin = build()
        except ValueError:
            continue
        if weight_shapes(twin) != mine:
            continue
        if output is None:
            return hint
        twin.set_weights(reference.get_weights())
        answer = np.asarray(twin(inputs, training=False))
        if answer.shape == output.shape and float(np.max(np.abs(answer - output))) <= tolerance:
            return hint
    return None
