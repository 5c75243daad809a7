"""Inference: a trained model applied to whole images — Y/CbCr or RGB, tiled for large images, self-ensembled.

``upscale(image, model, scale)`` is the one way the course turns an LR image into an SR image.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["upscaler", "self_ensemble"],
    submod_attrs={
        "upscaler": ["upscale", "upscale_file", "resolve_model", "receptive_radius", "bicubic_upscale"],
        "self_ensemble": ["self_ensemble"],
    },
)
