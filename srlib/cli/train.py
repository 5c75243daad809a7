"""``srlib train RECIPE``: make a shipped weight again from its recipe, and ``--export`` to ship it.

The recipes (``recipes/*.toml``, read by :mod:`srlib.train.recipe`) hold every stage of
the shipped weights' training. Training is :func:`srlib.train.stages.train_recipe`, export
:func:`srlib.train.export.export_recipe`; this module parses, sets TensorFlow's threads
and prints what was done.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import tensorflow as tf

from srlib.models.zoo import WEIGHTS_DIR
from srlib.train.distribute import STRATEGIES, is_chief, make_strategy, replicas, split_cpu
from srlib.train.export import export_recipe
from srlib.train.precision import bfloat16_warning
from srlib.train.recipe import load_recipe
from srlib.train.runs import runs_root
from srlib.train.stages import runnable_stages, train_recipe

__all__ = ["register", "run"]

HELP = """\
Run a recipe's stages in order, each in DIR/<stage> (checkpoint, best.keras, TensorBoard logs).
Run the same command again after an interruption and it resumes; finished stages are skipped.
A stage that starts from a shipped file (start.weights with its sha256) begins the run; the stages
before it are that file's history and run only when --stage names one of them.
A stage that starts from another recipe's stage trains that one first, in the sibling folder of DIR
named after the other recipe. --export evaluates the last stage's best model on Set5 and Set14 and
writes it with its JSON record into srlib/models/weights (or --weights-dir); it trains nothing.
--strategy trains data-parallel with tf.distribute: mirrored over this machine's GPUs (or over
--cpu-devices K logical CPUs), multiworker over the machines TF_CONFIG lists (run the same command
on each; worker 0 writes DIR, which every worker must see). The recipe's batch_size is one
device's batch; the global batch is batch_size x replicas (docs/training-at-scale.md)."""


def _set_threads(threads: int) -> None:
    """TensorFlow's intra- and inter-op threads (0: all cores); only possible before TensorFlow's first op."""
    if not threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already ran something in this process: keep its setting
        print(
            f"note: TensorFlow is already initialised; the recipe's threads = {threads} is not applied", file=sys.stderr
        )


def run(args: argparse.Namespace) -> int:
    """Train (or, with ``--export``, ship) the recipe ``args.recipe``."""
    recipe = load_recipe(args.recipe)
    run_dir = Path(args.run_dir) if args.run_dir else runs_root() / recipe.name
    if args.export:
        record = export_recipe(recipe, run_dir, weights_dir=args.weights_dir)
        last = recipe.stages[-1]
        if (record["steps_done"] or 0) < last.schedule.last_step:  # allowed: a long run may be shipped part way
            print(f"note: {last.name} is at step {record['steps_done']} of {last.schedule.last_step}", file=sys.stderr)
        print(json.dumps({key: record[key] for key in ("weights", "best_step", "steps_done", "measured")}))
        return 0
    stages = runnable_stages(recipe, args.stage)
    _set_threads(stages[-1].threads)
    if args.cpu_devices:
        split_cpu(args.cpu_devices)  # before the strategy lists the devices
    strategy = make_strategy(args.strategy)
    warning = bfloat16_warning(stages[-1].precision)
    if warning:
        print(warning, file=sys.stderr)
    if replicas(strategy) > 1 or args.strategy == "multiworker":
        batch = stages[-1].data.batch_size
        print(f"{type(strategy).__name__}: {replicas(strategy)} replicas, global batch {batch} x {replicas(strategy)}")
    summaries = train_recipe(recipe, run_dir, steps=args.steps, until=args.stage, strategy=strategy)
    for stage, summary in zip(stages, summaries):
        best = summary.get("best_psnr")
        print(f"{recipe.name} {stage.name}: step {summary['step']}" + (f", best {best:.3f} dB" if best else ""))
    print(f"run folder: {run_dir}" + ("" if is_chief(strategy) else " (written by the chief, worker 0)"))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train RECIPE [--run-dir DIR] [--steps N] [--stage NAME] [--export [--weights-dir DIR]]``."""
    parser = subparsers.add_parser(
        "train", help="train a shipped weight from its recipe (recipes/*.toml), resumable; --export ships it",
        description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("recipe", metavar="RECIPE", help="recipe file, e.g. recipes/fsrcnn_x3.toml")
    parser.add_argument(
        "--run-dir", metavar="DIR", default=None, help="where the stages train (default: $SRLIB_RUNS/<recipe name>)"
    )
    parser.add_argument(
        "--steps",
        type=int,
        metavar="N",
        default=None,
        help="stop every stage after N steps; below steps_per_epoch its epochs shorten to N steps, and "
        "such a run folder continues only with the same --steps",
    )
    parser.add_argument(
        "--stage", metavar="NAME", default=None, help="train the stages up to this one only (default: all)"
    )
    parser.add_argument(
        "--strategy", choices=STRATEGIES, default="auto",
        help="tf.distribute strategy: auto (mirrored on 2+ GPUs, else one device), one, mirrored, "
        "multiworker (TF_CONFIG); default auto",
    )  # fmt: skip
    parser.add_argument(
        "--cpu-devices", type=int, metavar="K", default=0,
        help="split the CPU into K logical devices (mirrored training without GPUs, for tests)",
    )  # fmt: skip
    parser.add_argument("--export", action="store_true", help="ship the last stage's best model instead of training")
    parser.add_argument(
        "--weights-dir",
        metavar="DIR",
        default=WEIGHTS_DIR,
        type=Path,
        help="--export: where to write (default: srlib/models/weights)",
    )
    parser.set_defaults(run=run)
