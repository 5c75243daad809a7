"""Presentation: the comparison widget, figures, the perception–distortion plane and its alpha widget, progress, feature maps.

Every widget is a thin wrapper over a function that computes its picture, so headless runs
(papermill, CI) execute the same code and leave a static PNG. Names load on first use
(``lazy_loader``), so ``import srlib.viz`` does not import matplotlib or ipywidgets.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["alpha_widget", "compare", "feature_maps", "figures", "panels", "plane", "progress"],
    submod_attrs={
        "compare": ["compare", "Comparison"],
        "figures": ["show_images", "comparison_figure", "mscn_figure"],
        "plane": ["plane_figure", "tradeoff_sketch", "pirm_region"],
        "alpha_widget": ["explore_interpolation", "InterpolationExplorer"],
        "progress": ["LiveProgress", "learning_curve_figure"],
        "feature_maps": ["first_layer_filters", "layer_outputs", "grid_figure", "tile_grid"],
    },
)
