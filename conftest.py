"""Repository-wide pytest set-up: notebooks collected by nbval run in the smoke profile."""

import os

# Kernels started by nbval inherit this environment; the notebooks' parameters cell reads it.
os.environ["SRLIB_PROFILE"] = "smoke"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
