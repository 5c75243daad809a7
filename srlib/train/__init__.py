"""Training: the fit engine, SRGAN's adversarial step, callbacks, checkpoints, optimisers, precision, run folders.

Names load on first use (``lazy_loader``), so importing the package does not import TensorFlow.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["callbacks", "checkpoint", "engine", "gan", "optimizers", "precision", "runs"],
    submod_attrs={
        "engine": ["train", "seed_everything"],
        "gan": ["train_gan", "GANTrainer"],
    },
)
