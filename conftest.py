"""Repository-wide pytest set-up: notebooks collected by nbval run in the smoke profile."""

import os

# Kernels started by nbval inherit this environment; the notebooks' parameters cell reads it.
os.environ["SRLIB_PROFILE"] = "smoke"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The course's ../shared (datasets, reference files) beside the checkout, for every test and kernel.
_SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "shared")
if os.path.isdir(_SHARED):
    os.environ.setdefault("SRLIB_SHARED", os.path.normpath(_SHARED))
