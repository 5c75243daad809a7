#!/usr/bin/env python
"""Train the pretrained weights shipped in srlib/models/weights, and record how.

Recipe (one function per model below, all resumable):

* data: T91 + General-100 HR images (``../shared/datasets`` when present, else the
  dataset registry), random HR patches with flips/rotations from
  ``srlib.data.training_dataset`` (LR made by MATLAB bicubic), Y channel, seed 0;
* FSRCNN(56, 12, 4) x``scale``: LR patches 24x24 (HR 24*scale), batch 32, Adam with
  a cosine decay from 1e-3 to 1e-5 over ``--steps``, the deconvolution at 0.1x
  (sec. 3.3), He init; validation on Set5 every epoch, best model kept by PSNR.
  (The paper's tiny 7-11 pixel LR patches suit its unpadded training; with 'same'
  padding they are mostly border — a first run on 11x11 patches stalled near 32.4 dB
  at x3, and moving to 24x24 patches helped. The shipped weights' JSON tells their story);
* SRCNN 9-5-5 x3: bicubic-upscaled 33x33 patches, batch 32, Adam cosine 3e-4 -> 3e-6,
  the reconstruction layer at 0.1x (TPAMI sec. 4.1 uses 10x smaller rates there).

Run (1 intra-op thread so several jobs share a laptop's cores; resumable: rerun the
same command after an interruption and it continues where it stopped):

    nohup nice .venv/bin/python scripts/train_pretrained.py --model fsrcnn --scale 3 \\
        --run-dir /work/runs/fsrcnn_x3 > /work/runs/fsrcnn_x3.log 2>&1 &

Other scales the paper's way (sec. 3.4): start from the x3 model and train only the
deconvolution, e.g. ``--scale 2 --transfer-from srlib/models/weights/fsrcnn_x3.keras
--steps 20000 --run-dir /work/runs/fsrcnn_x2``.

Export the best checkpoint so far (the run may keep going): evaluates it on Set5 and
Set14 with the papers' protocol and writes ``<name>_x<scale>.keras`` and a ``.json``
with the recipe, the steps and wall time reached and the measured PSNR/SSIM:

    .venv/bin/python scripts/train_pretrained.py --model fsrcnn --scale 3 \\
        --run-dir /work/runs/fsrcnn_x3 --export
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = Path(os.environ.get("SRLIB_SHARED", REPO.parent / "shared")) / "datasets"
WEIGHTS_DIR = REPO / "srlib" / "models" / "weights"

RECIPES = {
    "fsrcnn": {
        "model": "fsrcnn",
        "lr_patch": 24,
        "batch_size": 32,
        "input_mode": "lr",
        "learning_rate": 1e-3,
        "final_learning_rate": 1e-5,
        "lr_multipliers": {"deconvolution": 0.1},
        "steps": 200_000,
        "steps_per_epoch": 2_000,
    },
    "srcnn-9-5-5": {
        "model": "srcnn-9-5-5",
        "hr_patch": 33,
        "batch_size": 32,
        "input_mode": "bicubic",
        "learning_rate": 3e-4,
        "final_learning_rate": 3e-6,
        "lr_multipliers": {"reconstruction": 0.1},
        "steps": 20_000,
        "steps_per_epoch": 1_000,
    },
    # SRResNet (SRGAN sec. 2.2) without batch norm (EDSR sec. 3.1), branches initialised at 0.1x;
    # RGB in and out. On a 2-core CPU plain execution measured faster than XLA for this model
    # (606 vs 1002 ms per batch of 16 24x24 LR patches), so jit is off.
    "srresnet": {
        "model": "srresnet",
        "model_options": {"batch_norm": False},
        "channels": "rgb",
        "lr_patch": 24,
        "batch_size": 16,
        "input_mode": "lr",
        "learning_rate": 4e-4,
        "final_learning_rate": 4e-6,
        "lr_multipliers": None,
        "jit_compile": False,
        "steps": 8_000,
        "steps_per_epoch": 500,
    },
}
TRAIN_SETS = ("T91", "General-100")
SEED = 0


def _images(name: str):
    from srlib.data import load_images

    folder = SHARED_DATASETS / name
    return load_images(folder if folder.is_dir() else name)


def _recipe(args) -> dict:
    recipe = dict(RECIPES["srcnn-9-5-5" if args.model in ("srcnn", "srcnn-9-5-5") else args.model])
    recipe["scale"] = args.scale
    if args.lr_patch:
        recipe.pop("hr_patch", None)
        recipe["lr_patch"] = args.lr_patch
    recipe["batch_size"] = args.batch_size or recipe["batch_size"]
    if args.learning_rate:
        recipe["final_learning_rate"] *= args.learning_rate / recipe["learning_rate"]
        recipe["learning_rate"] = args.learning_rate
    recipe["patch_size"] = recipe.pop("hr_patch", None) or recipe.pop("lr_patch") * args.scale
    recipe["steps"] = args.steps or recipe["steps"]
    recipe["steps_per_epoch"] = args.steps_per_epoch or recipe["steps_per_epoch"]
    recipe["train_sets"] = list(TRAIN_SETS)
    recipe["validation_set"] = "Set5"
    recipe["seed"] = SEED
    recipe["augment"] = "random flips and 90-degree rotations (srlib.data.training_dataset)"
    recipe["optimizer"] = "Adam (LayerRateAdam), cosine decay of the learning rate, MSE loss"
    recipe["threads"] = args.threads
    if args.transfer_from:
        recipe["transfer_from"] = str(args.transfer_from)
        recipe["trained_layers"] = ["deconvolution"]
    if args.init_from:
        recipe["init_from"] = str(args.init_from)
    return recipe


def _transfer(model, source_path: str, deconvolution_only: bool) -> None:
    """Start from a trained model's weights; FSRCNN sec. 3.4 then trains only the deconvolution.

    Every FSRCNN layer but the last is shared across scales (and the 9x9 deconvolution has
    the same shape at every stride), so a x2 or x4 model can start from the x3 one.
    """
    from srlib.models import load_model

    source = load_model(source_path)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())
        if deconvolution_only and layer.name != "deconvolution":
            layer.trainable = False


def train_run(args) -> dict:
    import keras

    from srlib.data.pipeline import training_dataset
    from srlib.models import build_model
    from srlib.train.engine import seed_everything, train

    recipe = _recipe(args)
    hr_images = [image for _, image in _images("T91") + _images("General-100")]
    data = functools.partial(
        training_dataset,
        hr_images,
        scale=recipe["scale"],
        patch_size=recipe["patch_size"],
        batch_size=recipe["batch_size"],
        input_mode=recipe["input_mode"],
        channels=recipe.get("channels", "y"),
        augment=True,
        seed=SEED,
    )
    seed_everything(SEED)
    model = build_model(recipe["model"], recipe["scale"], **recipe.get("model_options", {}))
    if args.transfer_from or args.init_from:
        _transfer(model, args.transfer_from or args.init_from, deconvolution_only=bool(args.transfer_from))
    schedule = keras.optimizers.schedules.CosineDecay(
        recipe["learning_rate"], recipe["steps"], alpha=recipe["final_learning_rate"] / recipe["learning_rate"]
    )
    summary = train(
        model,
        data,
        steps=recipe["steps"],
        scale=recipe["scale"],
        run_dir=args.run_dir,
        val_images=_images("Set5"),
        learning_rate=schedule,
        lr_multipliers=recipe["lr_multipliers"],
        steps_per_epoch=recipe["steps_per_epoch"],
        seed=SEED,
        jit_compile=recipe.get("jit_compile", "auto"),
    )
    return summary


def export(args) -> dict:
    """Evaluate run_dir/best.keras on Set5/Set14 and write the weights and their JSON record."""
    from srlib.models.pretrained import load_model, upscaler_for
    from srlib.train.callbacks import evaluate_y
    from srlib.train.checkpoint import BEST_MODEL_NAME, CHECKPOINT_NAME, load_state, save_model

    run_dir = Path(args.run_dir)
    _, _, meta = load_state(run_dir / CHECKPOINT_NAME)
    model = load_model(run_dir / BEST_MODEL_NAME)
    upscaler = upscaler_for(model, args.scale)
    results = {}
    for name in ("Set5", "Set14"):
        start = time.perf_counter()
        results[name] = evaluate_y(upscaler, _images(name), args.scale)
        results[name]["seconds"] = round(time.perf_counter() - start, 1)
    key = "srcnn-9-5-5" if args.model == "srcnn" else args.model
    WEIGHTS_DIR.mkdir(parents=True, exist_ok=True)
    target = WEIGHTS_DIR / f"{key}_x{args.scale}.keras"
    save_model(model, target)
    history = meta["history"]
    record = {
        "weights": target.name,
        "recipe": _recipe(args),
        "best_step": meta.get("best_step"),
        "steps_done": meta.get("step"),
        "train_wall_time_s": round(meta.get("wall_time_s", 0.0)),
        "sessions": meta.get("sessions", []),
        "measured": {k: {m: round(v, 4) for m, v in r.items()} for k, r in results.items()},
        "val_psnr_curve": [[s, round(p, 3)] for s, p in zip(history.get("step", []), history.get("val_psnr", []))],
        "note": args.note,
        "protocol": "Y of MATLAB rgb2ycbcr, scale pixels shaved, LR by MATLAB bicubic (srlib.train.evaluation)",
        "exported": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "resume": f"nohup nice .venv/bin/python scripts/train_pretrained.py --model {args.model} "
        f"--scale {args.scale} --run-dir {run_dir}",
    }
    target.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["fsrcnn", "srcnn", "srcnn-9-5-5", "srresnet"], default="fsrcnn")
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--run-dir", required=True, help="checkpoints and logs (keep it outside the repository)")
    parser.add_argument("--steps", type=int, default=None, help="total steps (default: the recipe's)")
    parser.add_argument("--steps-per-epoch", type=int, default=None, help="steps between validations (default: the recipe's)")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow intra-op threads (0: all cores)")
    parser.add_argument(
        "--transfer-from",
        default=None,
        help="FSRCNN .keras model of another scale: copy its layers, train only the deconvolution (sec. 3.4)",
    )
    parser.add_argument("--init-from", default=None, help=".keras model to start from (all layers trained)")
    parser.add_argument("--lr-patch", type=int, default=None, help="LR patch side (HR = scale x this)")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None, help="initial rate (the final one scales with it)")
    parser.add_argument("--note", default="", help="free text stored in the exported JSON (e.g. earlier stages)")
    parser.add_argument("--export", action="store_true", help="evaluate and ship the best checkpoint, do not train")
    args = parser.parse_args(argv)

    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from srlib.errors import SRLibError

    try:
        result = export(args) if args.export else train_run(args)
    except SRLibError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.export:
        print(json.dumps({k: result[k] for k in ("weights", "best_step", "steps_done", "train_wall_time_s", "measured")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
