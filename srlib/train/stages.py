"""Run a recipe's stages (srlib.train.recipe) in order, each resumable, into one folder per stage.

``train_recipe(recipe, run_dir)`` trains ``run_dir/<stage>`` for every stage: the engine
(:func:`srlib.train.engine.train`) keeps the stage's checkpoint and its best model
(``best.keras``, chosen on the validation set) there, so running it again continues
where it stopped and skips finished stages. A stage starts from the best model of the
stage it names; a stage of another recipe runs in ``run_dir``'s sibling folder named
after that recipe (``runs/fsrcnn_x3`` beside ``runs/fsrcnn_x2``), made on demand; a
shipped file is checked against the SHA-256 the recipe gives. Under a ``tf.distribute``
strategy (``strategy=``, :mod:`srlib.train.distribute`) each stage's networks are built in
its scope, and the recipe's ``batch_size`` is one device's batch.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from srlib.data import load_images
from srlib.data.pipeline import rescaled_copies, training_dataset
from srlib.data.splits import without_held_out
from srlib.errors import SRLibError
from srlib.image.degrade import degrade, image_seed
from srlib.losses.pixel import pixel_loss
from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.srresnet import freeze_upsampler
from srlib.models.zoo import WEIGHTS_DIR, build_model, load_model
from srlib.seeding import seed_everything
from srlib.train.checkpoint import BEST_MODEL_NAME, CHECKPOINT_NAME
from srlib.train.engine import train
from srlib.train.precision import dtype_policy
from srlib.train.recipe import PIXEL_LOSSES, Recipe, Stage, Start, load_recipe
from srlib.train.srgan import SRGAN, train_srgan

__all__ = ["train_recipe", "runnable_stages", "stage_folder", "file_sha256"]

Images = Mapping[str, Sequence]  # dataset name -> HR images, to train on other data than the registry's


def stage_folder(run_dir: str | Path, stage: Stage) -> Path:
    return Path(run_dir) / stage.name


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class _Loader:
    """Training and validation images by dataset name, read once per ``train_recipe`` call."""

    def __init__(self, images: Images | None) -> None:
        self.images = dict(images or {})
        self.prepared: dict[tuple, list] = {}

    def get(self, name: str) -> list:
        if name not in self.images:
            self.images[name] = load_images(name)
        return list(self.images[name])

    def training(self, sets: tuple[str, ...], rescale: tuple[float, ...]) -> list:
        """The HR images of ``sets`` in order, without the validation split's, then their ``rescale`` copies
        (FSRCNN sec. 4.1)."""
        if (sets, rescale) not in self.prepared:
            hr = [item for name in sets for item in without_held_out(name, self.get(name))]
            self.prepared[sets, rescale] = rescaled_copies(hr, rescale) if rescale else hr
        return self.prepared[sets, rescale]


def runnable_stages(recipe: Recipe, until: str | None) -> tuple[Stage, ...]:
    """The stages ``train_recipe`` runs: up to ``until``, from the last one that starts from a shipped file.

    A stage that starts from a file in srlib/models/weights (named with its SHA-256) cuts the chain:
    the stages before it are the history of that file, run only when ``until`` names one of them.
    """
    stages = recipe.stages_until(until)
    cut = max((i for i, stage in enumerate(stages) if stage.start.weights is not None), default=0)
    return stages[cut:]


def train_recipe(
    recipe: Recipe,
    run_dir: str | Path,
    *,
    steps: int | None = None,
    until: str | None = None,
    images: Images | None = None,
    progress: Any = None,
    discriminator: Any = None,
    strategy: tf.distribute.Strategy | None = None,
) -> list[dict]:
    """Train ``recipe``'s stages (up to ``until``) into ``run_dir/<stage>``; returns each stage's summary.

    ``steps`` stops every stage after that many steps (its learning-rate schedule keeps the
    recipe's length), for a quick check; epochs longer than ``steps`` shorten to it, and such a
    run folder continues only with the same ``steps``. ``images`` replaces datasets by name (tests
    train on small generated images), ``discriminator`` SRGAN's default one. ``strategy``: a
    ``tf.distribute`` strategy (:func:`srlib.train.distribute.make_strategy`) to train under.
    """
    run = _Run(_Loader(images), steps, progress, discriminator, strategy or tf.distribute.get_strategy())
    return run.stages(recipe, Path(run_dir), until)


@dataclasses.dataclass
class _Run:
    """What every stage of one ``train_recipe`` call shares, the stages of other recipes it needs included."""

    loader: _Loader
    steps: int | None
    progress: Any
    discriminator: Any
    strategy: tf.distribute.Strategy

    def stages(self, recipe: Recipe, run_dir: Path, until: str | None) -> list[dict]:
        summaries = []
        for stage in runnable_stages(recipe, until):
            folder = stage_folder(run_dir, stage)
            start = None
            if not (folder / CHECKPOINT_NAME).is_file():  # a started stage resumes from its checkpoint
                start = self.start_model(recipe, stage.start, run_dir)
            summaries.append(_run_stage(stage, folder, start, self))
        return summaries

    def start_model(self, recipe: Recipe, start: Start, run_dir: Path):
        """The model a stage starts from (None: from scratch), training (or finishing) the stage it names first."""
        if start.scratch:
            return None
        if start.weights is not None:
            return _shipped(start)
        source = recipe if start.recipe is None else load_recipe(recipe.path.with_name(f"{start.recipe}.toml"))
        folder = run_dir if start.recipe is None else run_dir.parent / start.recipe
        stage = source.stage(start.stage)
        if start.step is not None:  # the best model of that stage's first `step` steps, in a folder of its own
            schedule = dataclasses.replace(stage.schedule, stop_after=start.step)
            stage = dataclasses.replace(stage, name=f"{stage.name}-to-{start.step}", schedule=schedule)
            source = dataclasses.replace(source, stages=(*source.stages_until(start.stage)[:-1], stage))
        if source is not recipe:  # this recipe's earlier stages have just run; another's may be unfinished
            self.stages(source, folder, stage.name)  # a finished stage returns at once
        return load_model(stage_folder(folder, stage) / BEST_MODEL_NAME)


def _shipped(start: Start):
    path = WEIGHTS_DIR / start.weights
    if not path.is_file():
        raise SRLibError(
            f"the start weights {start.weights} are not in {WEIGHTS_DIR} — train recipe {start.recipe} first"
        )
    found = file_sha256(path)
    if found != start.sha256:
        raise SRLibError(
            f"{start.weights} has SHA-256 {found[:12]}…, not the recipe's {start.sha256[:12]}… — "
            f"the shipped file changed: update start.sha256 in the recipe if the new file is meant"
        )
    return load_model(path)


def _run_stage(stage: Stage, folder: Path, start, run: _Run) -> dict:
    """Build the stage's model (from ``start``'s weights) and train it with the engine or the SRGAN trainer."""
    seed_everything(stage.seed)  # before building: the initial weights depend on the seed
    with run.strategy.scope(), dtype_policy(stage.precision):  # bf16: bfloat16 arithmetic, float32 weights
        model = build_model(stage.model.name, stage.model.scale, **stage.model.options)
    if start is not None:
        _copy_weights(start, model)
    last_step = stage.schedule.last_step if run.steps is None else min(int(run.steps), stage.schedule.last_step)
    epoch = min(stage.schedule.steps_per_epoch, last_step)
    data = functools.partial(
        training_dataset,
        run.loader.training(stage.data.train_sets, stage.data.rescale),
        scale=stage.model.scale,
        patch_size=stage.data.patch_size,
        batch_size=stage.data.batch_size,
        input_mode=getattr(model, "input_mode", "lr"),
        channels="rgb" if int(model.inputs[0].shape[-1]) == 3 else "y",
        augment=stage.data.augment,
        seed=stage.seed,
        degradation=stage.data.degradation,
    )
    val_images = _validation_pairs(run.loader.get(stage.data.validation_set), stage)
    if stage.adversarial:
        with run.strategy.scope():
            gan = _srgan(stage, model, run.discriminator)
        return _train_srgan(stage, gan, data, folder, last_step, epoch, val_images, run.progress)
    return train(
        model,
        data,
        steps=last_step,
        scale=stage.model.scale,
        run_dir=folder,
        val_images=val_images,
        learning_rate=_learning_rate(stage),
        lr_multipliers=stage.schedule.lr_multipliers or None,
        steps_per_epoch=epoch,
        seed=stage.seed,
        jit_compile=stage.jit_compile,
        progress=run.progress,
        loss=pixel_loss(PIXEL_LOSSES[stage.loss.name]),
    )


def _validation_pairs(images: list, stage: Stage) -> list:
    """The validation images; with the real degradation, ``(name, hr, lr)`` with each LR made once,
    seeded by the image's name as ``srlib evaluate --degradation real`` makes it."""
    if stage.data.degradation == "bicubic":
        return images
    scale = stage.model.scale
    named = [item if isinstance(item, tuple) else (f"image_{k}", item) for k, item in enumerate(images)]
    return [(name, hr, degrade(hr, scale, stage.data.degradation, image_seed(name))) for name, hr in named]


def _copy_weights(source, model) -> None:
    """Every layer of ``model`` takes the weights of ``source``'s layer of the same name.

    The layers of FSRCNN have the same shapes at every scale (sec. 3.4), and a zero- and a
    replicate-padded model share their weights, so a stage may change scale or padding.
    """
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())


def _learning_rate(stage: Stage):
    """The stage's schedule: cosine decay to ``final_learning_rate``, or SRGAN's step at half way."""
    s = stage.schedule
    if s.decay == "halfway":  # Ledig et al. sec. 3.2: 1e-4, then 1e-5 for the second half
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [s.steps // 2], [s.learning_rate, s.final_learning_rate]
        )
    return keras.optimizers.schedules.CosineDecay(
        s.learning_rate, s.steps, alpha=s.final_learning_rate / s.learning_rate
    )


def _srgan(stage: Stage, generator, discriminator) -> SRGAN:
    """SRGAN (Ledig et al., sec. 3.2) around ``generator``, with the stage's discriminator and losses."""
    if stage.schedule.freeze == "upsampler":  # short runs: adversarial gradients draw a pixel-shuffle grid otherwise
        freeze_upsampler(generator)
    if discriminator is None:
        with dtype_policy(stage.precision):
            discriminator = SRGANDiscriminator(patch_size=stage.data.patch_size)
    return SRGAN(generator, discriminator, content=stage.loss.content, adv_weight=stage.loss.adversarial_weight,
                 relativistic=stage.loss.relativistic, seed=stage.seed)  # fmt: skip


def _train_srgan(stage: Stage, gan: SRGAN, data: Callable, folder: Path, last_step: int, epoch: int, val_images,
                 progress) -> dict:  # fmt: skip
    """SRGAN's adversarial fine-tune: all SRGAN-specific calling of the trainer is here."""
    return train_srgan(
        gan,
        data,
        steps=last_step,
        run_dir=folder,
        checkpoint_every=epoch,
        log_every=math.gcd(stage.schedule.log_every or epoch, epoch),  # checkpoints fall on log points
        learning_rate=_learning_rate(stage),
        seed=stage.seed,
        jit_compile=stage.jit_compile,
        val_images=val_images,
        progress=progress,
    )
