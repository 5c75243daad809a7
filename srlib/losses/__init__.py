"""Training losses: pixel losses (MSE, per-patch PSNR, border-cropped) and SRGAN's content and adversarial losses."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["pixel", "psnr", "srgan"],
    submod_attrs={
        "pixel": ["pixel_loss"],
        "psnr": ["patch_psnr_loss"],
        "srgan": ["content_loss", "discriminator_loss", "generator_adversarial_loss", "vgg_features", "VGGContentLoss"],
    },
)
