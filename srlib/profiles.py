"""Run profiles shared by every chapter: ``smoke``, ``workshop`` and ``full``.

* ``smoke``: seconds; what CI executes to prove a notebook runs end to end.
* ``workshop``: at most 10 minutes on a 2-core laptop CPU, and still visibly
  better than bicubic — the default for learners and classrooms.
* ``full``: the papers' scale, meant for a GPU.

A notebook's papermill ``parameters`` cell sets ``PROFILE``; the environment
variable ``SRLIB_PROFILE`` overrides the default.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from srlib.errors import SRLibError

__all__ = ["PROFILES", "DEFAULT_PROFILE", "default_profile", "check_profile", "pick", "step_cap"]

PROFILES = ("smoke", "workshop", "full")
DEFAULT_PROFILE = "workshop"
T = TypeVar("T")


def default_profile() -> str:
    """``$SRLIB_PROFILE`` if set (checked), else ``workshop``."""
    return check_profile(os.environ.get("SRLIB_PROFILE", DEFAULT_PROFILE))


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is a known profile name, else raise a one-line error."""
    name = str(profile).strip().lower()
    if name not in PROFILES:
        raise SRLibError(f"unknown profile {profile!r} — use one of {', '.join(PROFILES)} (PROFILE or $SRLIB_PROFILE)")
    return name


def pick(profile: str, **choices: Any) -> Any:
    """Choose the value for ``profile`` from keyword choices: ``pick(P, smoke=1, workshop=20, full=200)``."""
    name = check_profile(profile)
    missing = [p for p in PROFILES if p not in choices]
    if missing:
        raise TypeError(f"pick() needs a value for every profile; missing {missing}")
    return choices[name]


def step_cap() -> int | None:
    """``$SRLIB_MAX_STEPS``: every training stops after that many steps (a first look at a long profile, e.g.
    the GPU check running the chapters' ``full`` profile); None when unset."""
    raw = os.environ.get("SRLIB_MAX_STEPS", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise SRLibError(f"SRLIB_MAX_STEPS={raw!r}: give a positive number of steps, or unset it")
    return int(raw)
