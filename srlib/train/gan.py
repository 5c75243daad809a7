"""The SRGAN trainer: generator and discriminator updated in one compiled step, resumable, guarded.

Ledig et al., CVPR 2017, sec. 3.2: SRGAN starts its generator from a trained
SRResNet (to avoid poor local optima) and alternates one discriminator update and
one generator update per mini-batch, with Adam (beta_1 = 0.9) at a learning rate of
1e-4. Here both updates happen inside ONE ``tf.function`` per batch:

1. ``sr = G(lr)``; the discriminator sees ``[hr; sr]`` as one batch (so its BatchNorm
   statistics mix real and fake, and cannot themselves give the answer away) and
   takes a step on the BCE (or relativistic) loss, with ``sr`` held fixed;
2. the *updated* discriminator judges ``[hr; sr]`` again and the generator takes a
   step on ``content + adv_weight * adversarial`` (eq. 3).

Resumable like :func:`srlib.train.engine.train`: ``run_dir/checkpoint.npz`` (written
atomically by :mod:`srlib.train.checkpoint`) holds both networks (BN statistics
included), both optimizers' moments and counters, the step (= data position),
the learning-rate factor and the log history. Calling again with the same arguments
continues exactly where a killed run stopped.

Divergence guard. After every step the losses must be finite; at every log the
discriminator must not have collapsed to certainty (mean ``D(hr) > 0.99`` and
``D(sr) < 0.01`` for ``collapse_patience`` logs in a row — then the generator gets no
useful gradient). Either event restores the last checkpoint (both networks, both
optimizers, step and data position), multiplies both learning rates by
``rollback_lr_factor`` (0.5: a smaller step usually passes the spot that blew up),
prints one line, and trains on; after ``max_rollbacks`` it stops with an
:class:`SRLibError`, keeping the last good checkpoint.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from srlib.errors import SRLibError

__all__ = ["GENERATOR_MODEL_NAME", "GANTrainer", "gan_loss_label", "prefers_xla", "train_gan"]

GENERATOR_MODEL_NAME = "generator.keras"
_METRICS = ("loss", "content", "adversarial", "d_loss", "d_real", "d_fake")
_CONTENT_LABELS = {"mse": "MSE", "vgg22": "VGG22", "vgg54": "VGG54", "dfeat": "D-feature matching"}


def gan_loss_label(content: str, adv_weight: float, relativistic: bool = False) -> str:
    """The generator's loss in words, eq. 3: e.g. ``"VGG54 + 0.001 x adversarial"``."""
    adversarial = "relativistic adversarial" if relativistic else "adversarial"
    return f"{_CONTENT_LABELS.get(content, content)} + {adv_weight:g} x {adversarial}"


def _accepts(method: Callable, keyword: str) -> bool:
    """Whether a progress method takes ``keyword`` (LiveProgress does; PlainProgress's minimal methods do not)."""
    import inspect

    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return keyword in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


class _Pair:
    """Two networks (or two optimizers) seen as one by :func:`srlib.train.checkpoint.save_state`."""

    def __init__(self, first, second) -> None:
        self.first, self.second = first, second

    def get_weights(self) -> list:
        return self.first.get_weights() + self.second.get_weights()

    @property
    def variables(self) -> list:
        return list(self.first.variables) + list(self.second.variables)


def _scaled_rate(base: Any, factor):
    """A Keras schedule ``base(step) * factor`` (``factor`` a variable, so a rollback needs no retrace)."""
    import keras

    class ScaledRate(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            rate = base(step) if isinstance(base, keras.optimizers.schedules.LearningRateSchedule) else base
            return keras.ops.cast(rate, "float32") * factor

        def get_config(self) -> dict:
            return {}

    return ScaledRate()


def prefers_xla() -> bool:
    """``jit_compile="auto"``: XLA on a GPU only.

    Measured on a 2-core CPU (SRResNet x4 + discriminator, one D and one G update,
    steady-state step): B=4 f=32 batch 8 patch 48, MSE content: 162 ms plain vs 464 ms
    XLA; VGG54 content: 634 vs 650 ms; B=16 f=64 batch 4 patch 96: 1.7 s vs 3.7 s —
    and XLA's first step compiles for 20-30 s instead of 5-10 s. On a GPU XLA usually
    wins (fused BN/LeakyReLU); not measured here.
    """
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


class GANTrainer:
    """SRGAN training state: the two networks, their Adam optimizers, the losses and the compiled step.

    ``content``: ``"vgg54"``, ``"vgg22"``, ``"mse"`` or ``"dfeat"`` (see :mod:`srlib.losses.srgan`);
    ``allow_untrained_vgg=True`` lets a smoke run use random VGG19 features offline, and
    ``vgg_weights=None`` always does (tests); both say so in a WARNING line.
    ``learning_rate`` is a float or Keras schedule for the generator; ``discriminator_learning_rate`` defaults to the same. ``jit_compile="auto"`` uses XLA
    on a GPU only (see :func:`prefers_xla`).
    """

    def __init__(
        self,
        generator,
        discriminator,
        *,
        content: str = "vgg54",
        adv_weight: float = 1e-3,
        relativistic: bool = False,
        learning_rate: Any = 1e-4,
        discriminator_learning_rate: Any = None,
        jit_compile: bool | str = "auto",
        vgg_weights: str | None = "imagenet",
        allow_untrained_vgg: bool = False,
        seed: int = 0,
    ) -> None:
        import keras
        import tensorflow as tf

        from srlib.losses.srgan import content_loss

        self.generator, self.discriminator = generator, discriminator
        self.content, self.adv_weight, self.relativistic = str(content), float(adv_weight), bool(relativistic)
        self.content_fn = content_loss(
            self.content, vgg_weights=vgg_weights, allow_untrained=allow_untrained_vgg, seed=seed
        )
        if self.content == "dfeat" and not hasattr(discriminator, "feature_model"):
            raise SRLibError("content='dfeat' needs a discriminator with feature_model() (SRGANDiscriminator)")
        # One pass gives the logit and, for "dfeat", the intermediate features (shared weights).
        self.judge = discriminator.feature_model() if hasattr(discriminator, "feature_model") else discriminator
        self.lr_factor = tf.Variable(1.0, trainable=False, dtype=tf.float32, name="lr_factor")
        d_rate = learning_rate if discriminator_learning_rate is None else discriminator_learning_rate
        self.g_optimizer = keras.optimizers.Adam(_scaled_rate(learning_rate, self.lr_factor), beta_1=0.9)
        self.d_optimizer = keras.optimizers.Adam(_scaled_rate(d_rate, self.lr_factor), beta_1=0.9)
        self.g_optimizer.build(generator.trainable_variables)
        self.d_optimizer.build(discriminator.trainable_variables)
        self.jit_compile = prefers_xla() if jit_compile == "auto" else bool(jit_compile)
        self.train_step = tf.function(self._step, jit_compile=self.jit_compile, reduce_retracing=True)

    def _judge(self, images):
        import keras

        outputs = self.judge(images, training=True)
        logits, features = (outputs[0], list(outputs[1:])) if isinstance(outputs, (list, tuple)) else (outputs, [])
        # Losses in float32 even when the networks compute in bfloat16 (srlib.train.precision).
        return keras.ops.cast(logits, "float32"), [keras.ops.cast(f, "float32") for f in features]

    def _step(self, lr, hr):
        """One discriminator update, then one generator update against the updated discriminator."""
        import keras
        import tensorflow as tf

        from srlib.losses.srgan import (
            discriminator_loss,
            feature_matching_loss,
            generator_adversarial_loss,
        )

        ops = keras.ops
        n = tf.shape(hr)[0]
        g_vars, d_vars = self.generator.trainable_variables, self.discriminator.trainable_variables
        with tf.GradientTape() as g_tape:
            sr = ops.cast(self.generator(lr, training=True), "float32")
            with g_tape.stop_recording():  # the discriminator's step is no part of the generator's gradient
                with tf.GradientTape() as d_tape:
                    logits, _ = self._judge(ops.concatenate([hr, ops.stop_gradient(sr)], axis=0))
                    real_logits, fake_logits = logits[:n], logits[n:]
                    d_loss = discriminator_loss(real_logits, fake_logits, self.relativistic)
                self.d_optimizer.apply(d_tape.gradient(d_loss, d_vars), d_vars)
            logits, features = self._judge(ops.concatenate([hr, sr], axis=0))
            adversarial = generator_adversarial_loss(logits[n:], logits[:n], self.relativistic)
            if self.content_fn is None:  # "dfeat": match the discriminator's view of SR to its view of HR
                content = feature_matching_loss([f[n:] for f in features], [f[:n] for f in features])
            else:
                content = self.content_fn(sr, hr)
            loss = content + self.adv_weight * adversarial
        self.g_optimizer.apply(g_tape.gradient(loss, g_vars), g_vars)
        return {
            "loss": loss,
            "content": content,
            "adversarial": adversarial,
            "d_loss": d_loss,
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
        }

    # --- state, as save_state/load_state see it -------------------------------------------------------
    @property
    def networks(self) -> _Pair:
        return _Pair(self.generator, self.discriminator)

    @property
    def optimizers(self) -> _Pair:
        return _Pair(self.g_optimizer, self.d_optimizer)

    def restore(self, weights: list, slots: list, lr_factor: float) -> None:
        """Put a checkpoint's arrays back into both networks and both optimizers."""
        g_count = len(self.generator.get_weights())
        optimizer_variables = self.optimizers.variables
        if len(weights) != g_count + len(self.discriminator.get_weights()) or len(slots) != len(optimizer_variables):
            raise SRLibError("the GAN checkpoint does not fit these networks/optimizers — use another run_dir")
        self.generator.set_weights(weights[:g_count])
        self.discriminator.set_weights(weights[g_count:])
        for variable, value in zip(optimizer_variables, slots):
            variable.assign(value)
        self.lr_factor.assign(float(lr_factor))


def _means(values: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([v[k] for v in values])) for k in _METRICS}


def _append(history: dict[str, list], record: dict[str, float]) -> None:
    for key, value in record.items():
        history.setdefault(key, []).append(value)


def _identity(trainer: GANTrainer, scale: int) -> dict:
    from srlib.train.checkpoint import model_identity

    config = {
        "generator": model_identity(trainer.generator, scale),
        "discriminator": model_identity(trainer.discriminator, scale),
        "content": trainer.content,
        "adv_weight": trainer.adv_weight,
        "relativistic": trainer.relativistic,
    }
    return {"model": "SRGAN", "config": config, "scale": int(scale)}


def _load_generator_weights(generator, path: str | Path) -> None:
    path = Path(path)
    if not path.is_file():
        raise SRLibError(f"generator_weights {path} does not exist — give a .keras or .weights.h5 file")
    if path.name.endswith(".keras"):
        from srlib.models.zoo import load_model

        generator.set_weights(load_model(path).get_weights())
    else:
        generator.load_weights(str(path))


def train_gan(
    generator,
    discriminator,
    data: Any,
    *,
    steps: int,
    run_dir: str | Path,
    content: str = "vgg54",
    adv_weight: float = 1e-3,
    relativistic: bool = False,
    learning_rate: Any = 1e-4,
    discriminator_learning_rate: Any = None,
    seed: int = 0,
    scale: int | None = None,
    generator_weights: str | Path | None = None,
    jit_compile: bool | str = "auto",
    checkpoint_every: int = 100,
    log_every: int = 25,
    val_images: Sequence | None = None,
    progress: Any = None,
    vgg_weights: str | None = "imagenet",
    allow_untrained_vgg: bool = False,
    max_rollbacks: int = 3,
    rollback_lr_factor: float = 0.5,
    collapse: tuple[float, float] = (0.99, 0.01),
    collapse_patience: int = 3,
    callbacks: Sequence[Callable[[int, dict[str, float]], None]] = (),
) -> dict[str, Any]:
    """Train SRGAN (sec. 3.2) for ``steps`` steps in ``run_dir``, resuming from its checkpoint if there is one.

    ``generator`` starts from its current weights, or from ``generator_weights`` (a
    ``.keras`` or ``.weights.h5`` file, e.g. a trained SRResNet) on a fresh run.
    ``data``: a function ``start_step -> tf.data.Dataset`` of ``(lr, hr)`` RGB batches
    on ``[0, 1]`` (``functools.partial(training_dataset, hr_images, scale=4,
    patch_size=96, batch_size=16, channels="rgb")``) or a dataset (replayed with
    ``skip`` on resume). Every ``log_every`` steps the means of ``loss`` (content +
    adv_weight * adversarial), ``content``, ``adversarial``, ``d_loss``, ``d_real`` =
    mean D(hr) and ``d_fake`` = mean D(sr) are added to ``log`` and the running curve
    of ``progress``. Every ``checkpoint_every`` steps (a multiple of ``log_every``) the
    checkpoint is written, and the means since the previous one, with PSNR/SSIM on
    ``val_images`` if given, are added to ``history`` and reported to ``progress``
    (default: a few plain lines; ``srlib.viz.progress.LiveProgress()`` in a notebook)
    and to each ``callbacks`` function as ``(step, record)``. A progress object whose
    ``start`` takes ``loss_label`` gets the loss in words (:func:`gan_loss_label`), and
    one whose ``update`` takes ``logs`` gets every log record (LiveProgress draws
    D(real) and D(fake) from them). Divergence handling: see
    the module docstring. ``run_dir/generator.keras`` holds the final generator.
    ``allow_untrained_vgg`` / ``vgg_weights``: see :class:`GANTrainer` (smoke runs only).

    Returns ``step``, ``history`` (per checkpoint), ``log`` (per log), ``bicubic_psnr``, ``checkpoint``, ``generator`` (path), ``rollbacks``,
    ``lr_factor``, ``wall_time_s``, ``resumed_from``, ``jit_compile``.
    """
    from srlib.train.callbacks import PlainProgress, evaluate_y, validate
    from srlib.train.checkpoint import (
        CHECKPOINT_NAME,
        check_identity,
        load_state,
        save_model,
        save_state,
    )
    from srlib.train.engine import _dataset_at, _named_images, seed_everything

    steps, checkpoint_every, log_every = int(steps), int(checkpoint_every), int(log_every)
    if steps < 1 or log_every < 1 or checkpoint_every < 1 or checkpoint_every % log_every:
        raise SRLibError(
            f"steps={steps}, checkpoint_every={checkpoint_every}, log_every={log_every}: use positive numbers, "
            f"checkpoint_every a multiple of log_every"
        )
    scale = int(scale if scale is not None else getattr(generator, "scale", 0))
    if scale < 1:
        raise SRLibError("train_gan: the generator has no .scale — pass scale=")
    real_above, fake_below = (float(v) for v in collapse)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_path = run_dir / CHECKPOINT_NAME

    seed_everything(seed)
    trainer = GANTrainer(
        generator,
        discriminator,
        content=content,
        adv_weight=adv_weight,
        relativistic=relativistic,
        learning_rate=learning_rate,
        discriminator_learning_rate=discriminator_learning_rate,
        jit_compile=jit_compile,
        vgg_weights=vgg_weights,
        allow_untrained_vgg=allow_untrained_vgg,
        seed=seed,
    )
    identity = _identity(trainer, scale)
    if checkpoint_path.exists():
        weights, slots, meta = load_state(checkpoint_path)
        check_identity(checkpoint_path, meta, identity)
        trainer.restore(weights, slots, meta["lr_factor"])
    else:
        if generator_weights is not None:
            _load_generator_weights(generator, generator_weights)
        meta = {
            "identity": identity, "step": 0, "history": {}, "log": {}, "wall_time_s": 0.0, "seed": int(seed),
            "lr_factor": 1.0, "rollbacks": [], "collapsed_logs": 0,
        }  # fmt: skip
        save_state(checkpoint_path, trainer.networks, trainer.optimizers, meta)  # step 0: always a place to roll back to
    resumed_from = int(meta["step"])
    progress = progress if progress is not None else PlainProgress()
    stream = getattr(progress, "stream", sys.stdout)
    val_pairs = _named_images(val_images)
    if val_pairs and "bicubic_psnr" not in meta:
        from srlib.image.resize import imresize

        # The baseline the curve is read against, measured once per run as the engine does.
        meta["bicubic_psnr"] = evaluate_y(lambda lr: imresize(lr, scale), val_pairs, scale)["psnr"]
    start_details = {"baseline_psnr": meta.get("bicubic_psnr")}
    if _accepts(progress.start, "loss_label"):  # the live figure names the loss on its axis
        start_details["loss_label"] = gan_loss_label(trainer.content, trainer.adv_weight, trainer.relativistic)
    progress.start(steps, resumed_from, meta["history"], title=f"SRGAN ({trainer.content}) x{scale}", **start_details)
    log_details = _accepts(progress.update, "logs")  # the live figure draws D(real)/D(fake) at every log

    def roll_back(step: int, reason: str) -> tuple[int, Any]:
        """Restore the last checkpoint with a smaller learning rate; returns its step and a data iterator there."""
        nonlocal meta
        rollbacks = list(meta["rollbacks"]) + [{"step": step, "reason": reason}]
        weights, slots, saved = load_state(checkpoint_path)
        if len(rollbacks) > max_rollbacks:
            trainer.restore(weights, slots, saved["lr_factor"])
            raise SRLibError(
                f"GAN training diverged at step {step} ({reason}) after {len(rollbacks) - 1} rollback(s); the last good "
                f"checkpoint (step {saved['step']}) is kept in {checkpoint_path} — lower learning_rate or adv_weight"
            )
        lr_factor = float(meta["lr_factor"]) * float(rollback_lr_factor)
        trainer.restore(weights, slots, lr_factor)
        meta = {**saved, "lr_factor": lr_factor, "rollbacks": rollbacks, "collapsed_logs": 0}
        save_state(checkpoint_path, trainer.networks, trainer.optimizers, meta)  # a resumed run keeps the smaller rate
        print(
            f"divergence at step {step} ({reason}): rolled back to step {saved['step']}, learning rate x{lr_factor:g}",
            file=stream,
            flush=True,
        )
        return int(saved["step"]), iter(_dataset_at(data, int(saved["step"])))

    step = resumed_from
    batches = iter(_dataset_at(data, step)) if step < steps else None
    window: list[dict[str, float]] = []  # steps since the last log
    interval: list[dict[str, float]] = []  # steps since the last checkpoint
    started = time.perf_counter()
    while step < steps:
        lr, hr = next(batches)
        if step == resumed_from and hr.shape[-1] != generator.output.shape[-1]:
            raise SRLibError(
                f"data gives {hr.shape[-1]}-channel patches, the generator makes {generator.output.shape[-1]} — "
                f"use channels='rgb'"
            )
        values = {k: float(v) for k, v in trainer.train_step(lr, hr).items()}
        step += 1
        bad = [k for k in ("loss", "d_loss") if not math.isfinite(values[k])]
        if bad:
            step, batches = roll_back(step, f"{bad[0]} became {values[bad[0]]}")
            window, interval = [], []
            continue
        window.append(values)
        interval.append(values)
        if step % log_every == 0 or step == steps:
            logs = _means(window)
            window = []
            collapsed = logs["d_real"] > real_above and logs["d_fake"] < fake_below
            meta["collapsed_logs"] = meta["collapsed_logs"] + 1 if collapsed else 0
            if meta["collapsed_logs"] >= collapse_patience:
                reason = f"discriminator certain: D(hr) {logs['d_real']:.3f}, D(sr) {logs['d_fake']:.3f}"
                step, batches = roll_back(step, f"{reason} for {collapse_patience} logs")
                interval = []
                continue
            _append(meta["log"], {"step": step, **logs})
            if log_details:
                progress.update(step, logs["loss"], logs=logs)
            else:
                progress.update(step, logs["loss"])
        if step % checkpoint_every == 0 or step == steps:
            record, sample = _means(interval), None
            interval = []
            if val_pairs:
                from srlib.models.zoo import upscaler_for

                metrics, sample = validate(generator, lambda g: upscaler_for(g, scale), val_pairs, scale)
                record.update(metrics)
            _append(meta["history"], {"step": step, **record})
            meta["step"] = step
            meta["wall_time_s"] = float(meta.get("wall_time_s", 0.0)) + time.perf_counter() - started
            started = time.perf_counter()
            save_state(checkpoint_path, trainer.networks, trainer.optimizers, meta)
            progress.validation(step, record, sample)
            for callback in callbacks:
                callback(step, record)
    generator_path = save_model(generator, run_dir / GENERATOR_MODEL_NAME)
    summary = {
        "step": int(meta["step"]),
        "history": meta["history"],
        "log": meta["log"],
        "checkpoint": str(checkpoint_path),
        "generator": str(generator_path),
        "bicubic_psnr": meta.get("bicubic_psnr"),
        "rollbacks": list(meta["rollbacks"]),
        "lr_factor": float(meta["lr_factor"]),
        "wall_time_s": float(meta.get("wall_time_s", 0.0)),
        "resumed_from": resumed_from,
        "jit_compile": trainer.jit_compile,
        "dtype_policy": generator.dtype_policy.name,
    }
    progress.finish(summary)
    return summary
