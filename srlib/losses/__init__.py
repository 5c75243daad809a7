"""Training losses: pixel losses (MSE, L1, per-patch PSNR) and SRGAN's content, VGG and adversarial losses."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["adversarial", "content", "perceptual", "pixel", "psnr"],
    submod_attrs={
        "pixel": ["pixel_loss"],
        "psnr": ["patch_psnr_loss"],
        "adversarial": ["ADVERSARIAL_WEIGHT", "discriminator_loss", "generator_adversarial_loss"],
        "content": ["CONTENT_LOSSES", "content_loss", "feature_matching_loss", "pixel_mse", "to_paper_range"],
        "perceptual": ["VGGContentLoss", "paper_content", "vgg_features", "vgg_preprocess"],
    },
)
