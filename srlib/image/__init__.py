"""Layer 1 — image operations: MATLAB-compatible resize, colour conversion, crops, I/O."""

from srlib.image.color import rgb2y, rgb2ycbcr, ycbcr2rgb
from srlib.image.crop import modcrop, shave
from srlib.image.io import list_images, read_image, read_image_with_alpha, write_image
from srlib.image.resize import imresize

__all__ = [
    "imresize",
    "rgb2ycbcr",
    "ycbcr2rgb",
    "rgb2y",
    "modcrop",
    "shave",
    "read_image",
    "read_image_with_alpha",
    "write_image",
    "list_images",
]
