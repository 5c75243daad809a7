"""Layer 5 — training and inference: the fit engine, checkpoints, evaluation protocol, benchmark.

``from srlib.train.engine import train`` (Keras/TensorFlow are imported by the submodules
that need them, not by this package).
"""
