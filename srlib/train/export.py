"""Ship a recipe's result: its last stage's model into srlib/models/weights with a JSON provenance record.

``export_recipe(recipe, run_dir)`` takes the last stage's best model (SRGAN, which has
no "best" by PSNR: the generator of its latest checkpoint), saves it as float32, measures
it on Set5 and Set14 by the papers' protocol (:mod:`srlib.eval.protocol`; NIQE too for
the RGB models, beside bicubic's), and writes ``<weights>.json`` beside it. Every shipped
weight has that one layout: the recipe (file name and text), the stage, where it started
(with the SHA-256 of a shipped start), the data's checksums, steps, seed, wall time,
CPU model, the validation curve and the measured numbers, and no machine paths.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from srlib.data import load_images
from srlib.data.registry import lookup
from srlib.data.splits import held_out_names
from srlib.errors import SRLibError
from srlib.eval.protocol import bicubic_upscaler, evaluate_model
from srlib.files import atomic_write_json
from srlib.infer.upscaler import upscaler_for
from srlib.models.zoo import WEIGHTS_DIR, load_model
from srlib.train.checkpoint import BEST_MODEL_NAME, CHECKPOINT_NAME, load_state, save_model
from srlib.train.machine import cpu_model
from srlib.train.precision import float32_copy
from srlib.train.recipe import Recipe, Stage, Start
from srlib.train.srgan import GENERATOR_MODEL_NAME
from srlib.train.stages import file_sha256, stage_folder

__all__ = ["export_recipe", "provenance", "data_checksums", "cpu_model", "EVAL_SETS"]

EVAL_SETS = ("Set5", "Set14")
PROTOCOL = "Y of MATLAB rgb2ycbcr, scale pixels shaved, LR by MATLAB bicubic (srlib.eval.protocol)"
NIQE_PROTOCOL = "; NIQE of the SR image with scale pixels shaved, srlib's pristine model (srlib.metrics.niqe; not the published scale)"


def export_recipe(
    recipe: Recipe,
    run_dir: str | Path,
    *,
    weights_dir: str | Path = WEIGHTS_DIR,
    eval_sets: Mapping[str, Sequence] | None = None,
) -> dict[str, Any]:
    """Write ``weights_dir/<recipe.weights>`` and its ``.json`` from ``run_dir``; returns the JSON record.

    ``eval_sets`` maps names to ``(name, hr)`` pairs (default: Set5 and Set14 from the data registry).
    """
    stage = recipe.stages[-1]
    folder = stage_folder(run_dir, stage)
    if not (folder / CHECKPOINT_NAME).is_file():
        raise SRLibError(
            f"{folder} holds no checkpoint — train first: srlib train {recipe.path.name} --run-dir {run_dir}"
        )
    meta = load_state(folder / CHECKPOINT_NAME)[-1]  # (arrays..., meta)
    model = _shipped_model(stage, folder)
    sets = dict(eval_sets) if eval_sets is not None else {name: load_images(name) for name in EVAL_SETS}
    metrics = ("psnr", "ssim", "niqe") if int(model.inputs[0].shape[-1]) == 3 else ("psnr", "ssim")
    scale = stage.model.scale
    measured = {"measured": _measure(upscaler_for(model, scale), sets, scale, metrics)}
    if "niqe" in metrics:  # the perception-distortion chapters read NIQE against bicubic's
        measured["bicubic"] = _measure(bicubic_upscaler(scale), sets, scale, metrics)
    if stage.adversarial and stage.start.weights is not None:  # the trade: SRGAN against the model it started from
        start_model = upscaler_for(load_model(WEIGHTS_DIR / stage.start.weights), scale)
        measured["start_model"] = {"weights": stage.start.weights, **_measure(start_model, sets, scale, metrics)}
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    target = save_model(model, weights_dir / recipe.weights)
    record = provenance(recipe, meta, weights_sha256=file_sha256(target), measured=measured, niqe="niqe" in metrics)
    atomic_write_json(target.with_suffix(".json"), record, indent=1)
    return record


def _shipped_model(stage: Stage, folder: Path):
    """The model a stage ships, in float32: its best model, or SRGAN's latest generator."""
    path = folder / (GENERATOR_MODEL_NAME if stage.adversarial else BEST_MODEL_NAME)
    return float32_copy(load_model(path))  # a bf16 run's model computes in float32 once shipped


def _measure(upscaler, sets: Mapping[str, Sequence], scale: int, metrics: Sequence[str]) -> dict:
    """Mean metrics per set by the papers' protocol (rounded to 4 places), and the seconds each took."""
    results = {}
    for name, pairs in sets.items():
        began = time.perf_counter()
        result = evaluate_model(upscaler, list(pairs), scale, metrics=metrics)
        results[name] = {m: round(result.mean(m), 4) for m in metrics} | {
            "seconds": round(time.perf_counter() - began, 1)
        }
    return results


def provenance(recipe: Recipe, meta: Mapping[str, Any], *, weights_sha256: str, measured: dict, niqe: bool) -> dict:
    """The shipped weights' JSON record from the recipe and the last stage's checkpoint ``meta``."""
    stage = recipe.stages[-1]
    history = meta.get("history", {})
    record = {
        "weights": recipe.weights,
        "sha256": weights_sha256,
        "recipe": {"file": recipe.path.name, "stage": stage.name, "content": recipe.text},
        "start": start_record(stage.start),
        "settings": stage.settings(),
        "data": data_checksums((*stage.data.train_sets, stage.data.validation_set, *EVAL_SETS)),
        "seed": stage.seed,
        "best_step": None if stage.adversarial else meta.get("best_step"),  # SRGAN ships its latest generator
        "steps_done": meta.get("step"),
        "train_wall_time_s": round(float(meta.get("wall_time_s", 0.0))),
        "cpu": cpu_model(),
        "sessions": meta.get("sessions", []),
        **measured,
        "val_psnr_curve": [[s, round(p, 3)] for s, p in zip(history.get("step", []), history.get("val_psnr", []))],
    }
    log = meta.get("log", {})
    if "d_real" in log:  # SRGAN: mean D(real) and D(fake) per log point, and any rollbacks after a collapse
        record["d_curve"] = [
            [s, round(r, 4), round(f, 4)] for s, r, f in zip(log["step"], log["d_real"], log["d_fake"])
        ]
        record["rollbacks"] = meta.get("rollbacks", [])
        record["lr_factor"] = meta.get("lr_factor")
    record["note"] = stage.note
    record["protocol"] = PROTOCOL + (NIQE_PROTOCOL if niqe else "")
    record["exported"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return record


def start_record(start: Start) -> dict:
    """Where the shipped stage started: a stage's best model or a shipped file, with its SHA-256 if it was kept."""
    if start.scratch:
        return {"from": "scratch"}
    record = {key: value for key, value in vars(start).items() if value is not None}
    if start.sha256 is None:
        record["sha256"] = None
        record["kept"] = "no: an intermediate model that was never shipped; no copy exists"
    return record


def data_checksums(names: Sequence[str]) -> dict[str, dict]:
    """Per dataset: the image count and one SHA-256 over the registry's per-image pixel checksums.

    The data layer checks every copy it loads against those pixel checksums, so this digest
    names the exact images a run saw. A dataset the registry does not know is recorded as such.
    """
    record = {}
    for name in dict.fromkeys(names):
        entry = lookup(name)
        if entry is None or not entry.has_pixel_checksums:
            record[Path(name).name] = {"images": None, "pixels_sha256": None, "registered": False}  # no path
            continue
        held_out = held_out_names(entry.name)  # a validation split's images are never trained on
        kept = sorted((image for image in entry.images if image.name not in held_out), key=lambda i: i.name)
        listing = "".join(f"{image.name} {image.pixel_sha256}\n" for image in kept)
        record[entry.name] = {"images": len(kept), "pixels_sha256": hashlib.sha256(listing.encode()).hexdigest()}
        if held_out:
            record[entry.name]["held_out"] = len(held_out)
    return record
