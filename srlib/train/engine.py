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
"""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from srlib.errors import SRLibError

__all__ = ["train", "seed_everything", "compile_for_training", "resolve_jit_compile", "DEFAULT_STEPS_PER_EXECUTION"]

DEFAULT_STEPS_PER_EXECUTION = 25


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python, numpy and TensorFlow; call it before building a model so its weights depend on ``seed``.

    On CPU the kernels are already reproducible run to run, with or without XLA (the
    engine's resume test checks it). ``deterministic=True`` also asks TF for
    deterministic kernels everywhere (GPUs need it), but Keras then turns XLA off.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(int(seed))
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def _largest_divisor_at_most(n: int, limit: int) -> int:
    return max(d for d in range(1, max(1, min(n, limit)) + 1) if n % d == 0)


def resolve_jit_compile(model, jit_compile: bool | str = "auto") -> bool:
    """``"auto"``: XLA unless the model says it trains faster without (``model.prefers_xla = False``).

    Measured on a 2-core CPU, batch 128: FSRCNN's step is ~4x faster with XLA (the
    transposed convolution's gradient is slow in plain TF), SRCNN's ~2.4x slower
    (oneDNN's large 9x9/5x5 convolutions beat XLA's CPU code). A bfloat16 model
    (:mod:`srlib.train.precision`) runs without XLA. ``srlib bench`` measures it.
    """
    if jit_compile == "auto":
        from srlib.train.precision import is_mixed

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
    steps_per_epoch: int | None = None,
    loss: Any = "mean_squared_error",
    ema_momentum: float | None = None,
):
    """Compile ``model`` with the engine's defaults (MSE, per-layer-rate Adam, XLA); returns the model.

    ``ema_momentum`` (e.g. 0.999) keeps an exponential moving average of the weights (Polyak
    averaging) and copies it into the model every ``steps_per_epoch`` steps, so each validation
    and checkpoint sees the averaged weights.
    """
    from srlib.train.optimizers import LayerRateAdam

    ema = {}
    if ema_momentum is not None:
        if not 0.0 < float(ema_momentum) < 1.0:
            raise SRLibError(f"ema_momentum={ema_momentum}: give a number between 0 and 1 (e.g. 0.999), or None")
        ema = dict(use_ema=True, ema_momentum=float(ema_momentum), ema_overwrite_frequency=int(steps_per_epoch or 1))
    optimizer = LayerRateAdam(learning_rate=learning_rate, lr_multipliers=lr_multipliers, **ema)
    model.compile(
        optimizer=optimizer,
        loss=loss,
        jit_compile=resolve_jit_compile(model, jit_compile),
        steps_per_execution=steps_per_execution,
    )
    return model


def _dataset_at(train_data: Any, start_step: int):
    """The training dataset positioned at batch ``start_step``."""
    import tensorflow as tf

    if callable(train_data):
        dataset = train_data(start_step=start_step)
    elif isinstance(train_data, tf.data.Dataset):
        # A plain dataset cannot be repositioned cheaply: replay it (deterministic datasets only).
        dataset = train_data.skip(start_step) if start_step else train_data
    else:
        raise SRLibError(
            f"train_data must be a tf.data.Dataset or a function start_step -> Dataset, got {type(train_data).__name__}"
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def _named_images(val_images: Sequence | None) -> list[tuple[str, np.ndarray]]:
    """``(name, hr)`` pairs from pairs (as ``srlib.data.load_images`` returns) or bare HR arrays."""
    pairs = []
    for k, item in enumerate(val_images or []):
        pairs.append((str(item[0]), np.asarray(item[1])) if isinstance(item, tuple) else (f"image_{k}", np.asarray(item)))
    return pairs


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
    progress: Any = None,
    tensorboard: bool = True,
    deterministic: bool = False,
    callbacks: Sequence[Any] = (),
    loss: Any = "mean_squared_error",
    ema_momentum: float | None = None,
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
    a Keras loss object such as :class:`~srlib.losses.pixel.BorderCroppedLoss` also works.
    ``ema_momentum`` validates and saves an exponential moving average of the weights
    (see :func:`compile_for_training`).
    ``progress`` is an object like :class:`~srlib.train.callbacks.PlainProgress` (the
    default) or ``srlib.viz.progress.LiveProgress()`` in a notebook. Extra Keras
    ``callbacks`` run after the engine's own (which validate and checkpoint).

    Returns a summary: ``step``, ``history`` (per epoch: step, loss, val_psnr, val_ssim),
    ``best_psnr``, ``best_step``, ``bicubic_psnr`` (the validation baseline), ``best_model`` (path), ``checkpoint``, ``wall_time_s``,
    ``resumed_from``, ``dtype_policy``. Raises :class:`SRLibError` if the loss becomes NaN/inf (the last
    good checkpoint is kept) or if ``run_dir`` holds another model's checkpoint.
    """
    import keras

    from srlib.models.zoo import upscaler_for
    from srlib.image.resize import imresize
    from srlib.train.callbacks import PlainProgress, RunMonitor, evaluate_y
    from srlib.train.checkpoint import (
        BEST_MODEL_NAME,
        CHECKPOINT_NAME,
        check_identity,
        load_state,
        model_identity,
    )

    steps, steps_per_epoch, scale = int(steps), int(steps_per_epoch), int(scale)
    if steps < 1 or steps_per_epoch < 1:
        raise SRLibError(f"steps ({steps}) and steps_per_epoch ({steps_per_epoch}) must be positive")
    model_scale = getattr(model, "scale", None)
    if model_scale is not None and int(model_scale) != scale:
        raise SRLibError(f"model {model.name} is built for x{model_scale} but scale={scale} — make them agree")
    epochs = math.ceil(steps / steps_per_epoch)
    total_steps = epochs * steps_per_epoch
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_path = run_dir / CHECKPOINT_NAME
    identity = model_identity(model, scale)

    saved = None
    if checkpoint_path.exists():
        saved = load_state(checkpoint_path)
        check_identity(checkpoint_path, saved[2], identity)  # before anything is written

    seed_everything(seed, deterministic=deterministic)
    spe = _largest_divisor_at_most(steps_per_epoch, max(1, int(steps_per_execution)))
    compile_for_training(
        model,
        learning_rate=learning_rate,
        lr_multipliers=lr_multipliers,
        jit_compile=jit_compile,
        steps_per_execution=spe,
        loss=loss,
        ema_momentum=ema_momentum,
        steps_per_epoch=steps_per_epoch,
    )
    if saved is not None:
        weights, slots, meta = saved
        model.optimizer.build(model.trainable_variables)
        if len(slots) != len(model.optimizer.variables):
            raise SRLibError(f"checkpoint {checkpoint_path} has another optimizer's state — use another run_dir")
        model.set_weights(weights)
        for variable, value in zip(model.optimizer.variables, slots):
            variable.assign(value)
    else:
        meta = {"identity": identity, "epoch": 0, "step": 0, "history": {}, "wall_time_s": 0.0, "seed": int(seed)}
    # Epoch k ends at step k * steps_per_epoch: changing it would misplace the data position.
    meta["steps_per_epoch"] = meta.pop("steps_per_epoch_history", None) or meta.get("steps_per_epoch", steps_per_epoch)
    if meta["steps_per_epoch"] != steps_per_epoch:
        raise SRLibError(
            f"run_dir {run_dir} was trained with steps_per_epoch={meta['steps_per_epoch']}, "
            f"not {steps_per_epoch} — keep it to resume, or use another run_dir"
        )
    resumed_from = int(meta["step"])
    if meta["epoch"] < epochs:
        # One record per call, so a run extended or restarted later shows how it was trained.
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        meta.setdefault("sessions", []).append({"from_step": resumed_from, "to_step": total_steps, "started": started})
    # Built before anything is printed, so a pipeline error (patch larger than the images...) comes first.
    dataset = _dataset_at(train_data, resumed_from) if meta["epoch"] < epochs else None

    named_val_images = _named_images(val_images)
    if named_val_images and "bicubic_psnr" not in meta:
        # The baseline every curve is read against (measured once per run, kept in the checkpoint).
        meta["bicubic_psnr"] = evaluate_y(lambda lr: imresize(lr, scale), named_val_images, scale)["psnr"]

    progress = progress if progress is not None else PlainProgress()
    progress.start(
        total_steps, resumed_from, meta["history"], title=f"{model.name} x{scale}", baseline_psnr=meta.get("bicubic_psnr")
    )
    monitor = RunMonitor(
        run_dir=run_dir,
        scale=scale,
        steps_per_epoch=steps_per_epoch,
        val_images=named_val_images,
        upscaler_factory=lambda m: upscaler_for(m, scale),
        meta=meta,
        progress=progress,
        update_every=max(spe, steps_per_epoch // 10),
    )
    all_callbacks = [monitor]
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        print("note: TensorBoard is not installed (pip install tensorboard); no TensorBoard logs written")
    elif tensorboard:
        all_callbacks.append(keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs"), write_graph=False))
    all_callbacks.extend(callbacks)

    if dataset is not None:
        model.fit(
            dataset,
            epochs=epochs,
            initial_epoch=int(meta["epoch"]),
            steps_per_epoch=steps_per_epoch,
            callbacks=all_callbacks,
            shuffle=False,  # the pipeline shuffles, reproducibly by step
            verbose=0,
        )
    if monitor.diverged is not None:
        d = monitor.diverged
        raise SRLibError(
            f"training diverged: the loss became {d['loss']} at step {d['step']}; the last good checkpoint "
            f"(step {meta['step']}) is kept in {checkpoint_path} — lower learning_rate and run again"
        )
    summary = {
        "step": int(meta["step"]),
        "history": meta["history"],
        "best_psnr": meta.get("best_psnr"),
        "best_step": meta.get("best_step"),
        "bicubic_psnr": meta.get("bicubic_psnr"),
        "best_model": str(run_dir / BEST_MODEL_NAME),
        "checkpoint": str(checkpoint_path),
        "wall_time_s": float(meta.get("wall_time_s", 0.0)),
        "resumed_from": resumed_from,
        "dtype_policy": model.dtype_policy.name,  # "mixed_bfloat16" when built under srlib.train.precision
    }
    progress.finish(summary)
    return summary
