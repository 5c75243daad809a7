"""The papers' evaluation protocol (PSNR/SSIM on Y with ``scale`` pixels shaved) and PIRM 2018's scores.

* :mod:`srlib.eval.protocol` — LR by MATLAB bicubic, Y-channel PSNR/SSIM/NIQE/RMSE per image and mean;
* :mod:`srlib.eval.pirm` — RMSE and NIQE on the perception–distortion plane (Blau et al., PIRM 2018).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["protocol", "pirm"],
    submod_attrs={
        "protocol": [
            "evaluate_model",
            "evaluate_pair",
            "bicubic_upscaler",
            "make_lr",
            "check_scale",
            "Evaluation",
            "METRICS",
        ],
        "pirm": ["plane_scores", "PlaneScores", "PIRM_SHAVE"],
    },
)
