"""The training engine every chapter uses: Keras ``fit`` made resumable, validated and fast.

``train(model, data, steps=..., scale=..., run_dir=...)`` compiles the model with MSE
and :class:`~srlib.train.optimizers.LayerRateAdam` (per-layer learning rates, e.g.
FSRCNN's 10x smaller deconvolution rate, sec. 3.3), XLA (``jit_compile``) and several
steps per call (``steps_per_execution``), then runs ``fit`` one epoch of
``steps_per_epoch`` steps at a time. After every epoch it measures PSNR/SSIM on the
whole validation images (Y channel, ``scale`` pixels shaved, as the papers do), keeps
the best model by validation PSNR in ``run_dir/best.keras`` and writes a resumable
checkpoint. Calling ``train`` again with the same arguments after an interruption
continues at the saved step: model, optimizer moments and data position (the
dataset is rebuilt with ``start_step``) are restored, so the result equals an
uninterrupted run.

A model that brings its own optimizers and step (:class:`TrainsItself`, e.g.
:class:`srlib.train.srgan.SRGAN`) is trained the same way; a callback may send the run
back to its last checkpoint (:class:`~srlib.train.callbacks.RestartFromCheckpoint`),
which is how SRGAN rolls back after a divergence.

Under a ``tf.distribute`` strategy (:mod:`srlib.train.distribute`; build the model inside
``strategy.scope()``) the same call trains data-parallel: each worker reads its own
stream (``train_data(start_step=..., replicas=..., worker=...)``), only the chief writes
the run folder, and every worker resumes from the chief's checkpoint.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import keras
import numpy as np
import tensorflow as tf

from srlib.data.steady import steady_input
from srlib.errors import SRLibError
from srlib.image.resize import imresize
from srlib.infer.upscaler import upscaler_for
from srlib.profiles import step_cap
from srlib.seeding import seed_everything
from srlib.train.autotune import tuned_jit_compile
from srlib.train.callbacks import (
    PlainProgress,
    Progress,
    RestartFromCheckpoint,
    RunCallback,
    RunMonitor,
    RunStart,
    evaluate_y,
)
from srlib.train.checkpoint import (
    BEST_MODEL_NAME,
    CHECKPOINT_NAME,
    check_identity,
    load_state,
    model_identity,
    save_state,
)
from srlib.train.distribute import agreed_step, barrier, is_chief, is_distributed, keras_fit_scope, worker_datasets
from srlib.train.optimizers import LayerRateAdam
from srlib.train.precision import is_mixed, loss_scaled

__all__ = [
    "DEFAULT_STEPS_PER_EXECUTION",
    "TrainsItself",
    "compile_for_training",
    "resolve_jit_compile",
    "seed_everything",
    "train",
]

DEFAULT_STEPS_PER_EXECUTION = 25
DEFAULT_LOSS = "mean_squared_error"


@runtime_checkable
class TrainsItself(Protocol):
    """A model with its own optimizers and ``train_step`` (SRGAN): what the engine asks of it."""

    title: str  # the progress title, e.g. "SRGAN (vgg54)"
    loss_label: str  # the training loss in words, for the progress view
    shipped_model: keras.Model  # the network validated and saved as best.keras (SRGAN: the generator)

    def compile_for_training(self, *, learning_rate: Any, jit_compile: bool, steps_per_execution: int) -> None:
        """Build the optimizers and call ``keras.Model.compile``."""

    def training_state(self) -> dict[str, list]:
        """Named groups of arrays that a checkpoint holds (weights, optimizer variables, ...)."""

    def restore_training_state(self, state: dict[str, list]) -> None:
        """Put :meth:`training_state`'s arrays back; :class:`SRLibError` if they do not fit."""


def resolve_jit_compile(model, jit_compile: bool | str = "auto") -> bool:
    """``"auto"``: XLA unless the model says it trains faster without (``model.prefers_xla = False``).

    Measured on a 2-core CPU, batch 128: FSRCNN's step is ~4x faster with XLA (the
    transposed convolution's gradient is slow in plain TF), SRCNN's ~2.4x slower
    (oneDNN's large 9x9/5x5 convolutions beat XLA's CPU code). A bfloat16 model
    (:mod:`srlib.train.precision`) runs without XLA. ``srlib bench`` measures it.
    """
    strategy = getattr(model, "distribute_strategy", None)
    if strategy is not None and strategy.num_replicas_in_sync > 1 and not tf.config.list_physical_devices("GPU"):
        return False  # XLA's CPU code cannot reach a variable on another logical CPU device (mirrored tests)
    if jit_compile == "auto":
        if tf.config.list_physical_devices("GPU"):  # on a GPU XLA fuses the small ops (the GPU check times both)
            return True
        if is_mixed(model):  # XLA's CPU code skips oneDNN's bfloat16 kernels: SRResNet 1009 vs 231 ms/step
            return False
        return bool(getattr(model, "prefers_xla", True))
    return bool(jit_compile)


def compile_for_training(
    model,
    *,
    learning_rate: Any = 1e-3,
    lr_multipliers: dict[str, float] | None = None,
    jit_compile: bool | str = "auto",
    steps_per_execution: int = 1,
    loss: Any = DEFAULT_LOSS,
):
    """Compile ``model`` with the engine's defaults (MSE, per-layer-rate Adam, XLA); returns the model.

    A float16 model (``mixed_float16``, :mod:`srlib.train.precision`) gets dynamic loss scaling."""
    optimizer = loss_scaled(model, LayerRateAdam(learning_rate=learning_rate, lr_multipliers=lr_multipliers))
    model.compile(
        optimizer=optimizer,
        loss=loss,
        jit_compile=resolve_jit_compile(model, jit_compile),
        steps_per_execution=steps_per_execution,
    )
    return model


def _largest_divisor_at_most(n: int, limit: int) -> int:
    return max(d for d in range(1, max(1, min(n, limit)) + 1) if n % d == 0)


def _dataset_at(train_data: Any, start_step: int, strategy=None):
    """The training dataset positioned at batch ``start_step`` (split over the strategy's devices)."""
    if strategy is not None and is_distributed(strategy):
        return worker_datasets(strategy, train_data, start_step)
    if callable(train_data):
        dataset = train_data(start_step=start_step)
    elif isinstance(train_data, tf.data.Dataset):
        # A plain dataset cannot be repositioned cheaply: replay it (deterministic datasets only).
        dataset = train_data.skip(start_step) if start_step else train_data
    else:
        raise SRLibError(
            f"train_data must be a tf.data.Dataset or a function start_step -> Dataset, got {type(train_data).__name__}"
        )
    return steady_input(dataset)


def _named_images(val_images: Sequence | None) -> list[tuple[str, np.ndarray]]:
    """``(name, hr)`` pairs from pairs (as ``srlib.data.load_images`` returns) or bare HR arrays;
    ``(name, hr, lr)`` triples (an LR made by a degradation) stay triples."""
    pairs = []
    for k, item in enumerate(val_images or []):
        if isinstance(item, tuple):
            pairs.append((str(item[0]), *(np.asarray(part) for part in item[1:])))
        else:
            pairs.append((f"image_{k}", np.asarray(item)))
    return pairs


# --- the model's state, whichever kind of model it is --------------------------------------------


def _shipped(model) -> keras.Model:
    return model.shipped_model if isinstance(model, TrainsItself) else model


def _capture(model) -> dict[str, list]:
    if isinstance(model, TrainsItself):
        return model.training_state()
    return {
        "weight": model.get_weights(),
        "optimizer": [v.numpy() for v in model.optimizer.variables],
    }


def _restore(model, state: dict[str, list], checkpoint: Path) -> None:
    if isinstance(model, TrainsItself):
        model.restore_training_state(state)
        return
    slots = state.get("optimizer", [])
    if len(slots) != len(model.optimizer.variables):
        raise SRLibError(f"checkpoint {checkpoint} has another optimizer's state — use another run_dir")
    model.set_weights(state.get("weight", []))
    for variable, value in zip(model.optimizer.variables, slots):
        variable.assign(value)


@dataclass
class _Settings:
    """How the model is compiled: the engine's options that reach ``compile``."""

    learning_rate: Any
    lr_multipliers: dict[str, float] | None
    jit_compile: bool | str
    steps_per_execution: int
    loss: Any


def _compile(model, settings: _Settings) -> None:
    """Compile ``model`` and build its optimizer(s), so a checkpoint can be written or restored before ``fit``."""
    if not isinstance(model, TrainsItself):
        compile_for_training(model, **vars(settings))
        model.optimizer.build(model.trainable_variables)
        return
    if settings.lr_multipliers or settings.loss != DEFAULT_LOSS:
        raise SRLibError(f"{type(model).__name__} brings its own losses and optimizers — drop lr_multipliers and loss")
    model.compile_for_training(
        learning_rate=settings.learning_rate,
        jit_compile=resolve_jit_compile(model, settings.jit_compile),
        steps_per_execution=settings.steps_per_execution,
    )


@dataclass
class _Run:
    """Where one call of :func:`train` writes, how far it goes and what it validates on."""

    run_dir: Path
    scale: int
    steps_per_epoch: int
    epochs: int
    val_images: list[tuple[str, np.ndarray]]
    progress: Progress
    strategy: Any  # the tf.distribute strategy the model was built under
    writes: bool = True  # False on a worker other than the chief: it trains, the chief writes

    @property
    def checkpoint(self) -> Path:
        return self.run_dir / CHECKPOINT_NAME

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


def _plan(model, steps: int, scale: int, run_dir, steps_per_epoch: int, val_images, progress) -> _Run:
    steps, steps_per_epoch, scale = int(steps), int(steps_per_epoch), int(scale)
    if steps < 1 or steps_per_epoch < 1:
        raise SRLibError(f"steps ({steps}) and steps_per_epoch ({steps_per_epoch}) must be positive")
    cap = step_cap()
    if cap is not None:
        steps, steps_per_epoch = min(steps, cap), min(steps_per_epoch, cap)
    model_scale = getattr(model, "scale", None)
    if model_scale is not None and int(model_scale) != scale:
        raise SRLibError(f"model {model.name} is built for x{model_scale} but scale={scale} — make them agree")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    progress = progress if progress is not None else PlainProgress()
    epochs = math.ceil(steps / steps_per_epoch)
    strategy = getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    chief = is_chief(strategy)
    # Only the chief validates and writes; the others train the same steps and read its checkpoint to resume.
    images = _named_images(val_images) if chief else []
    return _Run(run_dir, scale, steps_per_epoch, epochs, images, progress, strategy, writes=chief)


def _open_meta(model, run: _Run, saved: tuple | None, identity: dict, seed: int) -> dict[str, Any]:
    """The run's JSON record: the checkpoint's (its arrays put back into ``model``), or a fresh one."""
    if saved is not None:
        state, meta = saved
        _restore(model, state, run.checkpoint)
    else:
        meta = {"identity": identity, "epoch": 0, "step": 0, "history": {}, "wall_time_s": 0.0, "seed": int(seed)}
    # Epoch k ends at step k * steps_per_epoch: changing it would misplace the data position.
    meta.setdefault("steps_per_epoch", run.steps_per_epoch)
    if meta["steps_per_epoch"] != run.steps_per_epoch:
        raise SRLibError(
            f"run_dir {run.run_dir} was trained with steps_per_epoch={meta['steps_per_epoch']}, "
            f"not {run.steps_per_epoch} — keep it to resume, or use another run_dir"
        )
    if meta["epoch"] < run.epochs:
        # One record per call, so a run extended or restarted later shows how it was trained.
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        meta.setdefault("sessions", []).append(
            {"from_step": int(meta["step"]), "to_step": run.total_steps, "started": started}
        )
    if run.val_images and "bicubic_psnr" not in meta:
        # The baseline every curve is read against (measured once per run, kept in the checkpoint).
        meta["bicubic_psnr"] = evaluate_y(lambda lr: imresize(lr, run.scale), run.val_images, run.scale)["psnr"]
    return meta


def _callbacks(model, run: _Run, meta: dict, extra: Sequence, tensorboard: bool, spe: int) -> tuple[RunMonitor, list]:
    """The engine's monitor first, then TensorBoard, then ``extra`` (run callbacks bound to ``meta``)."""
    own_updates = not any(isinstance(c, RunCallback) and c.reports_progress for c in extra)
    monitor = RunMonitor(
        run_dir=run.run_dir,
        checkpoint=run.checkpoint,
        scale=run.scale,
        steps_per_epoch=run.steps_per_epoch,
        val_images=run.val_images,
        upscaler_factory=lambda m: upscaler_for(m, run.scale),
        shipped=_shipped(model),
        capture=lambda: _capture(model),
        meta=meta,
        progress=run.progress,
        update_every=max(spe, run.steps_per_epoch // 10) if own_updates else None,
        writes=run.writes,
    )
    for callback in extra:
        if isinstance(callback, RunCallback):
            callback.bind(meta, run.progress, model)
    board = []
    if tensorboard and run.writes:
        board = [keras.callbacks.TensorBoard(log_dir=str(run.run_dir / "logs"), write_graph=False)]
    return monitor, [monitor, *board, *extra]


def _fit(model, train_data, dataset, run: _Run, meta: dict, extra: Sequence, tensorboard: bool, spe: int) -> dict:
    """``fit`` to the last epoch; after a :class:`RestartFromCheckpoint`, again from the checkpoint. Returns the final meta."""
    while True:
        monitor, callbacks = _callbacks(model, run, meta, extra, tensorboard, spe)
        if dataset is None:
            return meta
        try:
            with keras_fit_scope(model, run.strategy):
                model.fit(
                    dataset,
                    epochs=run.epochs,
                    initial_epoch=int(meta["epoch"]),
                    steps_per_epoch=run.steps_per_epoch,
                    callbacks=callbacks,
                    shuffle=False,  # the pipeline shuffles, reproducibly by step
                    verbose=0,
                )
        except RestartFromCheckpoint as restart:
            state, meta = load_state(run.checkpoint)
            _restore(model, state, run.checkpoint)
            restart.adjust(meta, run.checkpoint)
            if run.writes:
                save_state(run.checkpoint, _capture(model), meta)  # a resumed run keeps what adjust changed
            dataset = _dataset_at(train_data, int(meta["step"]), run.strategy)
            continue
        if monitor.diverged is not None:
            d = monitor.diverged
            raise SRLibError(
                f"training diverged: the loss became {d['loss']} at step {d['step']}; the last good checkpoint "
                f"(step {meta['step']}) is kept in {run.checkpoint} — lower learning_rate and run again"
            )
        return meta


def _summary(model, run: _Run, meta: dict, resumed_from: int, extra: Sequence) -> dict[str, Any]:
    summary = {
        "step": int(meta["step"]),
        "history": meta["history"],
        "best_psnr": meta.get("best_psnr"),
        "best_step": meta.get("best_step"),
        "bicubic_psnr": meta.get("bicubic_psnr"),
        "best_model": str(run.run_dir / BEST_MODEL_NAME),
        "checkpoint": str(run.checkpoint),
        "wall_time_s": float(meta.get("wall_time_s", 0.0)),
        "resumed_from": resumed_from,
        "jit_compile": bool(model.jit_compile),
        "dtype_policy": _shipped(model).dtype_policy.name,  # "mixed_bfloat16" when built under srlib.train.precision
    }
    for callback in extra:
        if isinstance(callback, RunCallback):
            summary.update(callback.summary())
    return summary


def train(
    model,
    train_data: Any,
    *,
    steps: int,
    scale: int,
    run_dir: str | Path,
    val_images: Sequence | None = None,
    learning_rate: Any = 1e-3,
    lr_multipliers: dict[str, float] | None = None,
    steps_per_epoch: int = 500,
    seed: int = 0,
    jit_compile: bool | str = "auto",
    steps_per_execution: int = DEFAULT_STEPS_PER_EXECUTION,
    progress: Progress | None = None,
    tensorboard: bool = True,
    callbacks: Sequence[Any] = (),
    loss: Any = DEFAULT_LOSS,
) -> dict[str, Any]:
    """Train ``model`` for ``steps`` steps (resuming from ``run_dir`` if it holds a checkpoint).

    ``train_data`` is a function ``start_step -> tf.data.Dataset`` of ``(input, target)``
    batches (e.g. ``functools.partial(srlib.data.pipeline.training_dataset, hr, scale=3, ...)``),
    or a dataset (then replayed with ``skip`` on resume). ``learning_rate`` is a float
    or a Keras schedule over steps; ``lr_multipliers`` maps layer names to factors
    (FSRCNN: ``{"deconvolution": 0.1}``). ``steps`` is rounded up to whole epochs.
    ``jit_compile="auto"`` uses XLA when the model trains faster with it (see
    :func:`resolve_jit_compile`). ``loss`` is a Keras loss name: the papers' MSE by
    default; ``"mean_absolute_error"`` (L1) is EDSR's choice (Lim et al. 2017, sec. 4.2);
    a loss function such as :func:`~srlib.losses.psnr.patch_psnr_loss` also works.
    A :class:`TrainsItself` model (SRGAN) takes only ``learning_rate`` of these.
    ``progress`` is a :class:`~srlib.train.callbacks.Progress` such as
    :class:`~srlib.train.callbacks.PlainProgress` (the default) or
    ``srlib.viz.progress.LiveProgress()`` in a notebook. Extra Keras ``callbacks`` run
    after the engine's own (which validate and checkpoint).

    Returns a summary: ``step``, ``history`` (per epoch: step, loss, val_psnr, val_ssim),
    ``best_psnr``, ``best_step``, ``bicubic_psnr`` (the validation baseline), ``best_model`` (path), ``checkpoint``, ``wall_time_s``,
    ``resumed_from``, ``jit_compile``, ``dtype_policy``, and what run callbacks add. Raises :class:`SRLibError`
    if the loss becomes NaN/inf (the last good checkpoint is kept) or if ``run_dir`` holds another model's checkpoint.
    """
    run = _plan(model, steps, scale, run_dir, steps_per_epoch, val_images, progress)
    identity = model_identity(model, run.scale)
    saved = load_state(run.checkpoint) if run.checkpoint.exists() else None
    if saved is not None:
        check_identity(run.checkpoint, saved[1], identity)  # before anything is written
    seed_everything(seed)
    if isinstance(run.strategy, tf.distribute.MultiWorkerMirroredStrategy):
        # Keras' loop of several steps per call feeds its collectives a placeholder it never fills there.
        steps_per_execution = 1
    spe = _largest_divisor_at_most(run.steps_per_epoch, max(1, int(steps_per_execution)))
    jit = tuned_jit_compile(model, jit_compile, train_data, spe, run.total_steps, run.strategy, compile_for_training)
    settings = _Settings(learning_rate, lr_multipliers, jit, spe, loss)
    with run.strategy.scope():  # optimizer variables live where the model's do
        _compile(model, settings)
        meta = _open_meta(model, run, saved, identity, seed)
    resumed_from = agreed_step(run.strategy, int(meta["step"]))
    # Built before anything is printed, so a pipeline error (patch larger than the images...) comes first.
    dataset = _dataset_at(train_data, resumed_from, run.strategy) if meta["epoch"] < run.epochs else None
    if saved is None and run.writes:
        save_state(run.checkpoint, _capture(model), meta)  # step 0: always a checkpoint to go back to
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        print("note: TensorBoard is not installed (pip install tensorboard); no TensorBoard logs written")
        tensorboard = False
    loss_label = model.loss_label if isinstance(model, TrainsItself) else None
    title = model.title if isinstance(model, TrainsItself) else model.name
    run.progress.start(
        RunStart(run.total_steps, resumed_from, meta["history"], title=f"{title} x{run.scale}",
                 baseline_psnr=meta.get("bicubic_psnr"), loss_label=loss_label)
    )  # fmt: skip
    meta = _fit(model, train_data, dataset, run, meta, list(callbacks), tensorboard, spe)
    barrier(run.strategy)  # the chief has written its last checkpoint and best model when any worker goes on
    summary = _summary(model, run, meta, resumed_from, callbacks)
    run.progress.finish(summary)
    return summary
