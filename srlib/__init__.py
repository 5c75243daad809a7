"""srlib — the shared library of the single-image super-resolution course.

Layers, lowest first (a layer never imports a higher one):

1. ``srlib.image``    MATLAB-compatible resize, colour conversion, crops, I/O
2. ``srlib.metrics``  PSNR, SSIM, NIQE, RMSE with the papers' conventions
3. ``srlib.data``     dataset registry, downloads, tf.data pipelines
4. ``srlib.models``   one module per architecture, plain Keras
5. ``srlib.train``    training engine, evaluation protocol, inference
6. ``srlib.ui``       comparison widget, progress display, exercises, CLI

TensorFlow is imported only by the parts that need it, so ``import srlib`` is quick.
"""

from srlib.errors import SRLibError
from srlib.image import imresize, imresize_tf, modcrop, read_image, rgb2ycbcr, shave, write_image, ycbcr2rgb
from srlib.metrics import psnr_y, ssim_y
from srlib.profiles import default_profile

__version__ = "0.1.0"

__all__ = [
    "SRLibError",
    "imresize",
    "imresize_tf",
    "rgb2ycbcr",
    "ycbcr2rgb",
    "modcrop",
    "shave",
    "read_image",
    "write_image",
    "psnr_y",
    "ssim_y",
    "default_profile",
    "compare",
    "__version__",
]


def __getattr__(name: str):
    # Presentation-layer entry points, imported on first use (they pull in ipywidgets/matplotlib).
    if name == "compare":
        from srlib.ui.compare import compare

        return compare
    if name == "exercises":
        from srlib.ui import exercises

        return exercises
    if name == "upscale":
        from srlib.train.inference import upscale

        return upscale
    raise AttributeError(f"module 'srlib' has no attribute {name!r}")
