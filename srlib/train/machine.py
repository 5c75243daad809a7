"""The machine a run or a timing happened on, named for records and caches: the CPU model and its cores."""

from __future__ import annotations

import os
import platform
from pathlib import Path

__all__ = ["cpu_model"]


def cpu_model() -> str:
    """The processor's model name and logical core count, e.g. ``Intel(R) Xeon(R) Processor, 2 cores``."""
    name = ""
    cpuinfo = Path("/proc/cpuinfo")  # Linux names the model there; platform.processor() is often empty
    if cpuinfo.is_file():
        name = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                     if line.startswith("model name")), "")  # fmt: skip
    name = name or platform.processor() or platform.machine() or "unknown CPU"
    return f"{name}, {os.cpu_count()} cores"
