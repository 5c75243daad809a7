"""srlib — the shared library of the single-image super-resolution course.

Layers, lowest first; a layer never imports a higher one (``tests/test_architecture.py``):

``image`` → ``metrics`` → ``data`` → ``models`` → ``losses`` → ``eval`` → ``infer`` → ``train``
→ ``bench`` → ``viz`` → ``course`` → ``cli``; ``errors``, ``files``, ``profiles`` and ``seeding`` sit below all of them.
``docs/architecture.md`` says where each concept lives.

What a chapter needs most is here: ``imresize``, ``psnr_y``, ``ssim_y``, ``pretrained``, ``upscale``,
``compare`` and ``check``. Everything else a chapter uses is one package away: ``srlib.course``,
``srlib.data``, ``srlib.models``, ``srlib.train``, ``srlib.eval``, ``srlib.infer``, ``srlib.viz``,
``srlib.image``, ``srlib.metrics``, ``srlib.losses`` (``tests/test_learner_namespace.py`` keeps the
chapters to these). Names that need TensorFlow or the widgets load on first use (``lazy_loader``),
so ``import srlib`` is quick.
"""

import lazy_loader

from srlib.errors import SRLibError
from srlib.image import imresize, modcrop, read_image, rgb2ycbcr, shave, write_image, ycbcr2rgb
from srlib.metrics import psnr_y, ssim_y
from srlib.profiles import default_profile

__version__ = "0.1.0"

__getattr__, _lazy_dir, _lazy_names = lazy_loader.attach(
    __name__,
    submodules=[
        "bench",
        "cli",
        "course",
        "data",
        "eval",
        "image",
        "infer",
        "losses",
        "metrics",
        "models",
        "train",
        "viz",
    ],
    submod_attrs={
        "models.zoo": ["pretrained"],
        "infer.upscaler": ["upscale"],
        "viz.compare": ["compare"],
        "course.exercises": ["check"],
    },
)

__all__ = [
    "SRLibError",
    "imresize",
    "rgb2ycbcr",
    "ycbcr2rgb",
    "modcrop",
    "shave",
    "read_image",
    "write_image",
    "psnr_y",
    "ssim_y",
    "default_profile",
    "pretrained",
    "upscale",
    "compare",
    "check",
    "__version__",
]


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(_lazy_names))
