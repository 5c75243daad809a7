"""Training: the fit engine, SRGAN's model and callbacks, checkpoints, optimisers, precision, run folders,
and the shipped weights' recipes (read, run stage by stage, export).

Names load on first use (``lazy_loader``), so importing the package does not import TensorFlow.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=[
        "callbacks",
        "checkpoint",
        "engine",
        "gan_callbacks",
        "optimizers",
        "precision",
        "recipe",
        "runs",
        "srgan",
        "stages",
        "export",
    ],
    submod_attrs={
        "engine": ["train", "seed_everything"],
        "runs": ["run_folder"],
        "srgan": ["SRGAN", "train_srgan"],
        "gan_callbacks": ["Rollback"],
        "recipe": ["Recipe", "load_recipe"],
        "stages": ["train_recipe"],
        "export": ["export_recipe"],
    },
)
