"""Per-layer learning rates for Adam, saved and resumed with the optimizer.

FSRCNN (sec. 3.3) trains its deconvolution layer with a learning rate 10x smaller
than the convolutions. Scaling the *gradient* would not do that with Adam (Adam
divides by the gradient's running RMS, so a constant factor cancels); the step
size itself must be scaled. :class:`LayerRateAdam` multiplies the learning rate
for the variables of the named layers and keeps the multipliers in its config.
"""

from __future__ import annotations

import keras

__all__ = ["LayerRateAdam"]


@keras.saving.register_keras_serializable(package="srlib")
class LayerRateAdam(keras.optimizers.Adam):
    """Adam whose step for the variables of layer ``name`` is ``lr * lr_multipliers[name]``."""

    def __init__(self, lr_multipliers: dict[str, float] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lr_multipliers = {str(k): float(v) for k, v in (lr_multipliers or {}).items()}
        self._multipliers: list[float] = []

    def multiplier_for(self, variable_path: str) -> float:
        """The multiplier of a variable from its path (``"fsrcnn/deconvolution/kernel"``)."""
        layers = variable_path.split("/")[:-1]
        for name, multiplier in self.lr_multipliers.items():
            if name in layers:
                return multiplier
        return 1.0

    def build(self, variables) -> None:
        super().build(variables)
        # Decided once per variable, in Python, so the compiled step has plain constants.
        self._multipliers = [self.multiplier_for(v.path) for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        multiplier = self._multipliers[self._get_variable_index(variable)] if self._multipliers else 1.0
        if multiplier != 1.0:
            learning_rate = learning_rate * multiplier
        return super().update_step(gradient, variable, learning_rate)

    def get_config(self) -> dict:
        config = super().get_config()
        config["lr_multipliers"] = dict(self.lr_multipliers)
        return config
