"""Benchmarks behind ``srlib bench``: training-step speed of the engine vs plain Keras, and whole-image upscaling."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["train_step", "upscale"],
    submod_attrs={"train_step": ["run_bench"]},
)
