"""Inference: a trained model applied to whole images — Y/CbCr or RGB, tiled for large images, self-ensembled.

``upscaler_for(model, scale)`` (and the one-off ``upscale(image, model, scale)``) is the one way the
course turns an LR image into an SR image: model resolution (``resolve``), the receptive-field walk
(``receptive_field``), tiling (``tiling``), the plane-wise Y/CbCr/RGB upscaler (``planes``), the
self-ensemble and file I/O (``files``) each have their module.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["files", "planes", "receptive_field", "resolve", "self_ensemble", "tiling", "upscaler"],
    submod_attrs={
        "upscaler": ["Upscaler", "upscale", "upscaler_for"],
        "files": ["upscale_file"],
        "resolve": ["resolve_model"],
        "receptive_field": ["receptive_radius", "widest_activation"],
        "tiling": ["tile_boxes", "tile_side"],
        "self_ensemble": ["self_ensemble"],
    },
)
