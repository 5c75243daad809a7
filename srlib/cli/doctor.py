"""``srlib doctor``: what this machine has for the course, in one screen, offline.

It reports the versions that matter, the devices TensorFlow sees (and says so
plainly when there is no GPU), cores and memory, the data cache with the
registered datasets found there and the free disk space, whether Keras has the
VGG19 weights the SRGAN chapter needs, and each chapter's *measured* run time per
profile (from ``srlib/course/runtimes.json``; "not measured yet" where there is none).
One optional line is for maintainers only: whether Debian's Chromium is there for the
course's browser test (its absence is not a problem for learners).

Nothing here touches the network or decodes images, and nothing assumes a checkout of
the course repository: a dataset counts as verified when the stamp of an earlier full
check still matches its files.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil

from srlib.cli.report import add_json_flag, finish
from srlib.course.setup import RUNTIMES_FILE, expected_runtime, format_runtime
from srlib.data.cache import cache_dir, find_cached_folder
from srlib.data.registry import DATASETS
from srlib.data.verify import stamp_is_current
from srlib.errors import SRLibError
from srlib.models.vgg_weights import keras_home, vgg19_weights_cached, vgg19_weights_file
from srlib.profiles import PROFILES
from srlib.quiet import import_tensorflow

__all__ = ["collect_report", "format_report", "register", "run", "find_chromium", "gpu_memory_mib", "NO_GPU_NOTE"]

# (label, distribution names to try): the versions a learner is asked for when something breaks.
_PACKAGES = (
    ("srlib", ("srlib",)),
    ("TensorFlow", ("tensorflow", "tensorflow-cpu")),
    ("Keras", ("keras",)),
    ("NumPy", ("numpy",)),
    ("JupyterLab", ("jupyterlab",)),
    ("ipywidgets", ("ipywidgets",)),
    ("anywidget", ("anywidget",)),
)
NO_GPU_NOTE = (
    "TensorFlow sees no GPU: training runs on the CPU. The 'smoke' and 'workshop' profiles are sized "
    "for that; 'full' needs a GPU."
)


def _distribution_version(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def versions() -> dict[str, str | None]:
    """Installed versions (None: not installed), read from package metadata without importing the packages."""
    found: dict[str, str | None] = {"Python": platform.python_version()}
    for label, names in _PACKAGES:
        found[label] = _distribution_version(names)
    return found


def gpu_memory_mib() -> list[int]:
    """Each NVIDIA GPU's total memory in MiB, from ``nvidia-smi`` (empty when it is absent or fails)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        out = subprocess.run([smi, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=20, check=True).stdout  # fmt: skip
        return [int(float(line)) for line in out.split() if line.strip()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return []


def devices() -> dict[str, Any]:
    """The physical devices TensorFlow lists (TensorFlow is imported here, quietly)."""
    try:
        tf = import_tensorflow()
    except ImportError as exc:
        return {
            "devices": [],
            "gpu": False,
            "note": f"TensorFlow cannot be imported ({exc}) — reinstall it: pip install -e .",
        }
    listed, memory = [], gpu_memory_mib()
    for device in tf.config.list_physical_devices():
        name = device.name.replace("/physical_device:", "")
        entry: dict[str, Any] = {"type": device.device_type, "name": name}
        if device.device_type == "GPU":
            details = tf.config.experimental.get_device_details(device)
            index = int(name.rsplit(":", 1)[-1])
            described = [details.get("device_name", "")]
            if details.get("compute_capability"):
                entry["compute_capability"] = ".".join(str(n) for n in details["compute_capability"])
                described.append(f"compute {entry['compute_capability']}")
            if index < len(memory):
                entry["memory_mib"] = memory[index]
                described.append(f"{memory[index] / 1024:.0f} GiB")
            entry["name"] = f"{name} ({', '.join(d for d in described if d)})"
        listed.append(entry)
    gpu = any(d["type"] == "GPU" for d in listed)
    return {"devices": listed, "gpu": gpu, "note": "" if gpu else NO_GPU_NOTE}


def machine() -> dict[str, Any]:
    """Logical CPU cores and the memory in bytes (total and available now), as psutil reads them."""
    memory = psutil.virtual_memory()
    return {"cpu_count": os.cpu_count(), "memory_total_bytes": memory.total, "memory_available_bytes": memory.available}


def _free_bytes(path: Path) -> int | None:
    for candidate in (path, *path.parents):  # the cache may not exist yet: measure the disk it would be on
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def data_cache() -> dict[str, Any]:
    """The cache folder, where its location comes from, free space, and each registered dataset's state there."""
    configured = bool(os.environ.get("SRLIB_DATA", "").strip())
    try:
        root = cache_dir()
        problem = ""
    except SRLibError as exc:
        root, problem = Path(os.environ["SRLIB_DATA"]).expanduser(), str(exc)
    rows = []
    for entry in DATASETS.values():
        folder = None if problem else find_cached_folder(entry)
        rows.append(
            {
                "name": entry.name,
                "role": entry.role,
                "present": folder is not None,
                "verified": folder is not None and stamp_is_current(entry, folder),
                "folder": str(folder) if folder else None,
            }
        )
    return {
        "cache": str(root),
        "from": "SRLIB_DATA" if configured else "default",
        "exists": root.is_dir(),
        "problem": problem,
        "free_bytes": _free_bytes(root),
        "datasets": rows,
    }


def vgg19() -> dict[str, Any]:
    """Whether Keras' cache holds the VGG19 ImageNet weights (present and not empty; Keras checks the md5 on load)."""
    cached = vgg19_weights_cached()
    return {
        "keras_home": str(keras_home()),
        "from": "KERAS_HOME" if os.environ.get("KERAS_HOME") else "default",
        "file": str(vgg19_weights_file()),
        "cached": cached is not None,
        "size_bytes": cached.stat().st_size if cached else None,
    }


def find_chromium() -> str | None:
    """Debian's Chromium for the course's browser test (``$SRLIB_CHROMIUM`` wins), or None; learners need none."""
    explicit = os.environ.get("SRLIB_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium() -> dict[str, Any]:
    """Chromium's path and version for the browser test; both None when it is absent (not an error)."""
    path = find_chromium()
    version = None
    if path:
        try:
            done = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
            )
            version = done.stdout.strip().splitlines()[0] if done.stdout.strip() else None
        except (OSError, subprocess.TimeoutExpired):
            version = None
    return {"path": path, "version": version}


def run_times(runtimes_path: Path | None = None, notebooks: Path | None = None) -> dict[str, dict[str, float | None]]:
    """``{chapter: {profile: measured seconds or None}}`` for every chapter measured, and every chapter notebook
    in ``notebooks`` when a folder is given (the installed package knows no notebooks folder of its own)."""
    path = Path(runtimes_path) if runtimes_path is not None else RUNTIMES_FILE
    try:
        measured = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except json.JSONDecodeError as exc:
        raise SRLibError(
            f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}) — fix it or re-measure with make course"
        ) from None
    found = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb")) if notebooks is not None else []
    labels = {notebook.stem.split("_", 1)[0]: notebook.stem for notebook in found}
    for chapter in measured:
        labels.setdefault(chapter, chapter)
    return {
        labels[chapter]: {profile: expected_runtime(chapter, profile, path) for profile in PROFILES}
        for chapter in sorted(labels)
    }


def collect_report(
    *, runtimes_path: Path | None = None, notebooks: Path | None = None, list_devices: bool = True
) -> dict[str, Any]:
    """Everything ``srlib doctor`` prints, as one JSON-ready dict."""
    return {
        "versions": versions(),
        "devices": devices() if list_devices else None,
        "machine": machine(),
        "data": data_cache(),
        "vgg19": vgg19(),
        "chromium": chromium(),
        "run_times": run_times(runtimes_path, notebooks),
    }


def _gb(value: int | None) -> str:
    return "unknown" if value is None else f"{value / 1e9:.1f} GB"


def _seconds(value: float | None) -> str:
    if value is None:
        return "not measured yet"
    return format_runtime(value)


def format_report(report: dict[str, Any]) -> list[str]:
    """The report as plain lines for a terminal."""
    lines = ["srlib doctor: what this machine has for the course"]
    lines.append("versions:  " + " | ".join(f"{k} {v or 'not installed'}" for k, v in report["versions"].items()))

    found = report["devices"]
    if found is not None:
        listed = ", ".join(f"{d['type']} {d['name']}" for d in found["devices"]) or "none"
        lines.append(f"devices:   TensorFlow sees {listed}")
        if found["note"]:
            lines.append(f"           {found['note']}")

    host = report["machine"]
    available = f" ({_gb(host['memory_available_bytes'])} available)" if host["memory_available_bytes"] else ""
    lines.append(f"machine:   {host['cpu_count']} CPU cores | {_gb(host['memory_total_bytes'])} memory{available}")

    data = report["data"]
    where = "from SRLIB_DATA" if data["from"] == "SRLIB_DATA" else "default; set SRLIB_DATA to use another folder"
    lines.append(f"data:      {data['cache']} ({where}) | {_gb(data['free_bytes'])} free on that disk")
    if data["problem"]:
        lines.append(f"           problem: {data['problem']}")
    for row in data["datasets"]:
        if not row["present"]:
            state = "not here"
        elif row["verified"]:
            state = f"here, verified: {row['folder']}"
        else:
            state = f"here, not verified yet (checked on first use): {row['folder']}"
        lines.append(f"           {row['name']:<12} {row['role']:<11} {state}")

    vgg = report["vgg19"]
    if vgg["cached"]:
        lines.append(f"vgg19:     ImageNet weights cached ({vgg['size_bytes'] / 1e6:.0f} MB): {vgg['file']}")
    else:
        lines.append(
            f"vgg19:     ImageNet weights not cached (expected at {vgg['file']}); the SRGAN chapter downloads them "
            "on first use, or use a folder made by 'srlib pack' with KERAS_HOME"
        )

    browser = report["chromium"]
    if browser["path"]:
        lines.append(
            f"browser:   {browser['version'] or 'Chromium'} at {browser['path']} (only for the course's browser test)"
        )
    else:
        lines.append(
            "browser:   no Chromium (only the course's browser test uses it, and skips without it; learners need none)"
        )

    times = report["run_times"]
    lines.append("run times: measured per profile by the course maintainers (srlib/course/runtimes.json)")
    if not times:
        lines.append("           no chapters found and none measured yet")
    width = max((len(name) for name in times), default=0)
    for chapter, by_profile in times.items():
        cells = " | ".join(f"{profile} {_seconds(seconds)}" for profile, seconds in by_profile.items())
        lines.append(f"           {chapter:<{width}}  {cells}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Print the report; with ``--json``, one JSON object as the last line."""
    report = collect_report(list_devices=not args.no_devices)
    print("\n".join(format_report(report)))
    return finish(args, report)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``doctor [--json] [--no-devices]``."""
    parser = subparsers.add_parser(
        "doctor", help="versions, devices, data cache, VGG19 weights and run times on this machine"
    )
    add_json_flag(parser, "the report")
    parser.add_argument("--no-devices", action="store_true", help="skip importing TensorFlow to list devices")
    parser.set_defaults(run=run)
