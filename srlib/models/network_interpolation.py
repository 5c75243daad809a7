"""Network interpolation: one knob between a distortion-oriented and a perception-oriented model.

Wang et al., *ESRGAN* (ECCVW 2018), sec. 3.4, and Wang et al., *Deep Network
Interpolation for Continuous Imagery Effect Transition* (CVPR 2019): two networks of
the same architecture, one trained for low distortion (SRResNet, MSE loss) and one
fine-tuned from it for perceptual quality (SRGAN), are blended parameter by parameter,

    theta = (1 - alpha) * theta_a + alpha * theta_b,   0 <= alpha <= 1,

which gives a model for every alpha without training. It works because the GAN
model starts from the MSE model's weights, so the two stay in one basin of the loss
landscape and their blend is still a working network (two independently trained
networks generally do not blend this way).

Keras is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import keras
import numpy as np

from srlib.errors import SRLibError

__all__ = ["blend_weights", "check_alpha", "interpolate_weights"]


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in [0, 1], or a one-line SRLibError."""
    if isinstance(alpha, bool) or not isinstance(alpha, (Real, np.floating, np.integer)):
        raise SRLibError(f"alpha={alpha!r} is not a number — use a value from 0 (model_a) to 1 (model_b)")
    value = float(alpha)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise SRLibError(
            f"alpha={alpha!r} is outside [0, 1] — use 0 for model_a, 1 for model_b, values between to blend "
            "(extrapolating past either model is not supported)"
        )
    return value


def blend_weights(weights_a: Sequence[np.ndarray], weights_b: Sequence[np.ndarray], alpha: float) -> list[np.ndarray]:
    """``(1 - alpha) * a + alpha * b`` for each pair of arrays (ESRGAN sec. 3.4), in each array's dtype.

    Floating arrays are blended in float64, then cast back, so ``alpha = 0`` returns
    ``weights_a`` and ``alpha = 1`` returns ``weights_b`` exactly. Non-floating arrays
    (integer state such as random-seed counters) are not parameters: they are copied
    from ``weights_a``.
    """
    alpha = check_alpha(alpha)
    if len(weights_a) != len(weights_b):
        raise SRLibError(
            f"blend_weights: {len(weights_a)} arrays against {len(weights_b)} — give the weights of two "
            "models of the same architecture"
        )
    blended = []
    for index, (a, b) in enumerate(zip(weights_a, weights_b)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            raise SRLibError(
                f"blend_weights: array {index} has shape {a.shape} in a and {b.shape} in b — give the "
                "weights of two models of the same architecture"
            )
        if not np.issubdtype(a.dtype, np.floating):
            blended.append(a.copy())
            continue
        mix = (1.0 - alpha) * a.astype(np.float64) + alpha * b.astype(np.float64)
        blended.append(mix.astype(a.dtype))
    return blended


def _describe(variable) -> str:
    return f"{getattr(variable, 'path', variable.name)} {tuple(variable.shape)}"


def _check_same_architecture(model_a, model_b) -> None:
    """One-line SRLibError naming the first difference between the two models' classes or variables."""
    if type(model_a) is not type(model_b):
        raise SRLibError(
            f"interpolate_weights: model_a is a {type(model_a).__name__}, model_b a {type(model_b).__name__} — "
            "interpolation needs two models of the same architecture"
        )
    variables_a, variables_b = model_a.weights, model_b.weights
    if len(variables_a) != len(variables_b):
        raise SRLibError(
            f"interpolate_weights: {model_a.name} has {len(variables_a)} variables, {model_b.name} "
            f"{len(variables_b)} — interpolation needs two models of the same architecture"
        )
    for index, (a, b) in enumerate(zip(variables_a, variables_b)):
        if tuple(a.shape) != tuple(b.shape) or a.name != b.name:
            raise SRLibError(
                f"interpolate_weights: variable {index} is {_describe(a)} in {model_a.name} but {_describe(b)} in "
                f"{model_b.name} — interpolation needs two models of the same architecture (same blocks, filters, "
                "batch norm)"
            )


def _fresh_copy(model, name: str):
    """A new, unshared model of ``model``'s architecture (its Keras config, as saving and loading would build it)."""
    serialized = keras.saving.serialize_keras_object(model)
    if isinstance(serialized.get("config"), dict) and "name" in serialized["config"]:
        serialized["config"]["name"] = name
    return keras.saving.deserialize_keras_object(serialized)


def interpolate_weights(model_a, model_b, alpha: float):
    """A new model whose every parameter is ``(1 - alpha) * model_a's + alpha * model_b's`` (ESRGAN sec. 3.4).

    ``model_a`` and ``model_b`` must have the same architecture (same class, same
    variables and shapes, e.g. SRResNet and the SRGAN generator fine-tuned from it);
    otherwise an :class:`SRLibError` names the first difference. ``alpha`` must lie in
    ``[0, 1]``: 0 reproduces ``model_a``, 1 ``model_b``. Batch-norm statistics, when
    the models have them, are blended like the other weights. Neither input changes.
    """
    alpha = check_alpha(alpha)
    _check_same_architecture(model_a, model_b)
    model = _fresh_copy(model_a, f"{model_a.name}_to_{model_b.name}_alpha_{alpha:g}")
    # A subclassed model without get_config/from_config is not rebuilt by its config.
    if len(model.weights) != len(model_a.weights):
        raise SRLibError(
            f"interpolate_weights: {type(model_a).__name__} {model_a.name!r} cannot be rebuilt from its config — "
            "give it get_config/from_config, or use a functional or Sequential model"
        )
    model.set_weights(blend_weights(model_a.get_weights(), model_b.get_weights(), alpha))
    return model
