"""Models: one small module per architecture, plain Keras layers, no training code.

* :class:`SRCNN` (TPAMI 2016) works on the bicubic-upscaled Y channel (``input_mode = "bicubic"``);
* :class:`FSRCNN` (ECCV 2016) works on the LR Y channel and upsamples itself (``input_mode = "lr"``);
* :class:`ESPCN` (CVPR 2016) and :class:`SRResNet` (CVPR 2017) upsample with :class:`PixelShuffle`;
* :func:`pretrained` loads the weights shipped in ``srlib/models/weights`` (:mod:`srlib.models.zoo`).

Names load on first use (``lazy_loader``), so ``import srlib.models`` does not import Keras.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["complexity", "layers", "network_interpolation", "vgg_weights", "zoo"],
    submod_attrs={
        "srcnn": ["SRCNN", "SRCNN_PRESETS"],
        "fsrcnn": ["FSRCNN", "FSRCNN_S"],
        "espcn": ["ESPCN"],
        "srresnet": ["SRResNet", "freeze_upsampler"],
        "pixel_shuffle": ["PixelShuffle", "icnr_initializer"],
        "discriminator": ["SRGANDiscriminator"],
        "complexity": ["layer_costs", "parameter_count"],
        "network_interpolation": ["interpolate_weights"],
        "vgg_weights": ["vgg19_weights_cached", "vgg19_weights_file"],
        "zoo": ["WEIGHTS_DIR", "build_model", "load_model", "pretrained", "pretrained_info"],
    },
)
