"""SRGAN as a Keras model: one ``train_step`` updates the discriminator, then the generator.

Ledig et al., CVPR 2017, sec. 3.2: SRGAN starts its generator from a trained SRResNet
(to avoid poor local optima) and alternates one discriminator update and one generator
update per mini-batch, with Adam (beta_1 = 0.9) at a learning rate of 1e-4. In
:meth:`SRGAN.train_step`:

1. ``sr = G(lr)``; the discriminator sees ``[hr; sr]`` as one batch (so its BatchNorm
   statistics mix real and fake, and cannot themselves give the answer away) and takes a
   step on the BCE (or relativistic) loss, with ``sr`` held fixed;
2. the *updated* discriminator judges ``[hr; sr]`` again and the generator takes a step
   on ``l_SR = l_X + adv_weight * l_Gen`` (sec. 2.2, eq. 3; ``adv_weight`` = 1e-3, with the
   pixel MSE on ``[-1, 1]`` images as in sec. 3.2, :func:`srlib.losses.content.pixel_mse`).

``step=`` replaces that step by another function with the same contract (chapter 04 trains
the learner's own step this way, after checking it against this one).

:func:`srlib.train.engine.train` trains it like any model (fit, checkpoints of both
networks and both optimizers, resume, bf16, the progress view);
:mod:`srlib.train.gan_callbacks` adds the per-log records with D(real)/D(fake) and the
rollback after a divergence. :func:`train_srgan` puts the three together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.losses.adversarial import ADVERSARIAL_WEIGHT, discriminator_loss, generator_adversarial_loss
from srlib.losses.content import content_loss, feature_matching_loss
from srlib.models.zoo import load_model
from srlib.train.checkpoint import CHECKPOINT_NAME, model_identity, save_model
from srlib.train.distribute import is_chief
from srlib.train.engine import train
from srlib.train.gan_callbacks import GANLog, Rollback
from srlib.train.precision import loss_scaled

__all__ = ["GENERATOR_MODEL_NAME", "METRICS", "SRGAN", "ScaledRate", "gan_loss_label", "prefers_xla", "train_srgan"]

GENERATOR_MODEL_NAME = "generator.keras"
# What train_step reports, each as its mean over the epoch so far (Keras Mean trackers).
METRICS = ("loss", "content", "adversarial", "d_loss", "d_real", "d_fake")
_CONTENT_LABELS = {"mse": "MSE", "vgg22": "VGG22", "vgg54": "VGG54", "dfeat": "D-feature matching"}


def gan_loss_label(content: str, adv_weight: float, relativistic: bool = False) -> str:
    """The generator's loss in words, eq. 3: e.g. ``"VGG54 + 0.001 x adversarial"``."""
    adversarial = "relativistic adversarial" if relativistic else "adversarial"
    return f"{_CONTENT_LABELS.get(content, content)} + {adv_weight:g} x {adversarial}"


def prefers_xla() -> bool:
    """``jit_compile="auto"``: XLA on a GPU only.

    Measured on a 2-core CPU (SRResNet x4 + discriminator, one D and one G update,
    steady-state step): B=4 f=32 batch 8 patch 48, MSE content: 162 ms plain vs 464 ms
    XLA; VGG54 content: 634 vs 650 ms; B=16 f=64 batch 4 patch 96: 1.7 s vs 3.7 s —
    and XLA's first step compiles for 20-30 s instead of 5-10 s. On a GPU XLA usually
    wins (fused BN/LeakyReLU); not measured here.
    """
    return bool(tf.config.list_physical_devices("GPU"))


class ScaledRate(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate ``base(step) * factor``; ``factor`` is a variable, so a rollback changes it without a retrace."""

    def __init__(self, base: Any, factor: keras.Variable) -> None:
        self.base, self.factor = base, factor

    def __call__(self, step):
        rate = self.base(step) if isinstance(self.base, keras.optimizers.schedules.LearningRateSchedule) else self.base
        return keras.ops.cast(rate, "float32") * self.factor

    def get_config(self) -> dict:
        return {}


class SRGAN(keras.Model):
    """Generator and discriminator trained together (sec. 3.2); the engine trains it like any model.

    ``content``: ``"vgg54"``, ``"vgg22"``, ``"mse"`` or ``"dfeat"`` (:mod:`srlib.losses.content`);
    ``allow_untrained_vgg=True`` lets a smoke run use random VGG19 features offline, and
    ``vgg_weights=None`` always does (tests); both say so in a WARNING line.
    ``relativistic=True``: ESRGAN's relativistic average losses. ``step``: a function
    ``(generator, discriminator, g_optimizer, d_optimizer, lr, hr, adv_weight=..., content_loss=...)
    -> {name: value for name in METRICS}`` run instead of :meth:`paper_step` (``content_loss`` is
    None for ``"mse"``, which the function computes itself, else the VGG loss). The generator's learning
    rate is the engine's ``learning_rate``; ``discriminator_learning_rate`` defaults to it.
    Both are multiplied by :attr:`lr_factor`, which a rollback lowers.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        content: str = "vgg54",
        adv_weight: float = ADVERSARIAL_WEIGHT,
        relativistic: bool = False,
        discriminator_learning_rate: Any = None,
        vgg_weights: str | None = "imagenet",
        allow_untrained_vgg: bool = False,
        seed: int = 0,
        step: Callable[..., dict] | None = None,
    ) -> None:
        super().__init__(name="srgan")
        if getattr(generator, "scale", None) is None:
            raise SRLibError(
                f"SRGAN: the generator {generator.name} has no .scale — use an srlib model such as SRResNet"
            )
        self.generator, self.discriminator = generator, discriminator
        self.content, self.adv_weight, self.relativistic = str(content), float(adv_weight), bool(relativistic)
        self.discriminator_learning_rate = discriminator_learning_rate
        self.content_fn = content_loss(
            self.content, vgg_weights=vgg_weights, allow_untrained=allow_untrained_vgg, seed=seed
        )
        if step is not None and self.content == "dfeat":
            raise SRLibError("SRGAN(step=...) takes content 'mse', 'vgg22' or 'vgg54', not 'dfeat'")
        self.step_fn = step
        if self.content == "dfeat" and not hasattr(discriminator, "feature_model"):
            raise SRLibError("content='dfeat' needs a discriminator with feature_model() (SRGANDiscriminator)")
        # One pass gives the logit and, for "dfeat", the intermediate features (shared weights).
        self.judge = discriminator.feature_model() if hasattr(discriminator, "feature_model") else discriminator
        self.lr_factor = keras.Variable(1.0, dtype="float32", trainable=False, name="lr_factor")
        self.trackers = [keras.metrics.Mean(name=name) for name in METRICS]
        self.built = True  # both networks are built

    # --- what the engine asks of a model that trains itself (srlib.train.engine.TrainsItself) ---------

    @property
    def scale(self) -> int:
        return int(self.generator.scale)

    @property
    def title(self) -> str:
        return f"SRGAN ({self.content})"

    @property
    def loss_label(self) -> str:
        return gan_loss_label(self.content, self.adv_weight, self.relativistic)

    @property
    def shipped_model(self) -> keras.Model:
        return self.generator

    @property
    def prefers_xla(self) -> bool:
        return prefers_xla()

    @property
    def metrics(self) -> list:
        return list(self.trackers)

    def compile_for_training(self, *, learning_rate: Any, jit_compile: bool, steps_per_execution: int) -> None:
        """Two Adam optimizers (beta_1 = 0.9, sec. 3.2) at ``learning_rate * lr_factor``, built on their networks."""
        d_rate = learning_rate if self.discriminator_learning_rate is None else self.discriminator_learning_rate
        g_adam = keras.optimizers.Adam(ScaledRate(learning_rate, self.lr_factor), beta_1=0.9)
        d_adam = keras.optimizers.Adam(ScaledRate(d_rate, self.lr_factor), beta_1=0.9)
        # float16 networks get dynamic loss scaling (srlib.train.precision); others keep plain Adam.
        self.g_optimizer, self.d_optimizer = (
            loss_scaled(self.generator, g_adam),
            loss_scaled(self.discriminator, d_adam),
        )
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.compile(optimizer=self.g_optimizer, jit_compile=jit_compile, steps_per_execution=steps_per_execution)

    def training_state(self) -> dict[str, list]:
        """Both networks (BN statistics included), both optimizers' variables and the learning-rate factor."""
        return {
            "generator": self.generator.get_weights(),
            "discriminator": self.discriminator.get_weights(),
            "generator_optimizer": [v.numpy() for v in self.g_optimizer.variables],
            "discriminator_optimizer": [v.numpy() for v in self.d_optimizer.variables],
            "lr_factor": [self.lr_factor.numpy()],
        }

    def restore_training_state(self, state: dict[str, list]) -> None:
        expected = {name: len(values) for name, values in self.training_state().items()}
        if {name: len(state.get(name, [])) for name in expected} != expected:
            raise SRLibError("the GAN checkpoint does not fit these networks/optimizers — use another run_dir")
        self.generator.set_weights(state["generator"])
        self.discriminator.set_weights(state["discriminator"])
        for optimizer, name in (
            (self.g_optimizer, "generator_optimizer"),
            (self.d_optimizer, "discriminator_optimizer"),
        ):
            for variable, value in zip(optimizer.variables, state[name]):
                variable.assign(value)
        self.lr_factor.assign(float(np.asarray(state["lr_factor"][0])))

    def get_config(self) -> dict:
        """What a checkpoint must match to be resumed: both networks and the loss."""
        return {
            "generator": model_identity(self.generator, self.scale),
            "discriminator": model_identity(self.discriminator, self.scale),
            "content": self.content,
            "adv_weight": self.adv_weight,
            "relativistic": self.relativistic,
        }

    # --- the step -------------------------------------------------------------------------------------

    def call(self, inputs, training: bool = False):
        return self.generator(inputs, training=training)

    def _judged(self, images):
        outputs = self.judge(images, training=True)
        logits, features = (outputs[0], list(outputs[1:])) if isinstance(outputs, (list, tuple)) else (outputs, [])
        # Losses in float32 even when the networks compute in bfloat16 (srlib.train.precision).
        return keras.ops.cast(logits, "float32"), [keras.ops.cast(f, "float32") for f in features]

    def _content(self, sr, hr, features, n):
        if self.content_fn is None:  # "dfeat": match the discriminator's view of SR to its view of HR
            return feature_matching_loss([f[n:] for f in features], [f[:n] for f in features])
        return self.content_fn(sr, hr)

    @staticmethod
    def _for_gradient(optimizer, loss):
        """The loss a replica differentiates: its batch's mean over the replicas in sync (the optimizer sums
        their gradients, so the update is the global batch's mean), times the loss scale in float16."""
        return optimizer.scale_loss(loss / tf.distribute.get_strategy().num_replicas_in_sync)

    def train_step(self, data):
        """One discriminator update, then one generator update (:meth:`paper_step`, or ``step``); the metrics."""
        lr, hr = data
        if hr.shape[-1] != self.generator.output.shape[-1]:
            raise SRLibError(
                f"data gives {hr.shape[-1]}-channel patches, the generator makes {self.generator.output.shape[-1]} — "
                f"use channels='rgb'"
            )
        if self.step_fn is None:
            values = self.paper_step(lr, hr)
        else:
            content = None if self.content == "mse" else self.content_fn
            g_opt, d_opt = self.g_optimizer, self.d_optimizer
            values = self.step_fn(self.generator, self.discriminator, g_opt, d_opt, lr, hr,
                                  adv_weight=self.adv_weight, content_loss=content)  # fmt: skip
        for tracker in self.trackers:
            tracker.update_state(values[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def paper_step(self, lr, hr) -> dict:
        """One discriminator update, then one generator update against the updated discriminator (sec. 3.2)."""
        ops = keras.ops
        n = tf.shape(hr)[0]
        g_vars, d_vars = self.generator.trainable_variables, self.discriminator.trainable_variables
        with tf.GradientTape() as g_tape:
            sr = ops.cast(self.generator(lr, training=True), "float32")
            with g_tape.stop_recording():  # the discriminator's step is no part of the generator's gradient
                with tf.GradientTape() as d_tape:
                    logits, _ = self._judged(ops.concatenate([hr, ops.stop_gradient(sr)], axis=0))
                    real_logits, fake_logits = logits[:n], logits[n:]
                    d_loss = discriminator_loss(real_logits, fake_logits, self.relativistic)
                    d_objective = self._for_gradient(self.d_optimizer, d_loss)
                self.d_optimizer.apply(d_tape.gradient(d_objective, d_vars), d_vars)
            logits, features = self._judged(ops.concatenate([hr, sr], axis=0))
            adversarial = generator_adversarial_loss(logits[n:], logits[:n], self.relativistic)
            content = self._content(sr, hr, features, n)
            loss = content + self.adv_weight * adversarial
            g_objective = self._for_gradient(self.g_optimizer, loss)
        self.g_optimizer.apply(g_tape.gradient(g_objective, g_vars), g_vars)
        return {
            "loss": loss,
            "content": content,
            "adversarial": adversarial,
            "d_loss": d_loss,
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
        }


def train_srgan(
    gan: SRGAN,
    data: Any,
    *,
    steps: int,
    run_dir: str | Path,
    checkpoint_every: int = 100,
    log_every: int = 25,
    rollback: Rollback | None = None,
    generator_weights: str | Path | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    **options: Any,
) -> dict[str, Any]:
    """Train ``gan`` with :func:`srlib.train.engine.train`: checkpoints every ``checkpoint_every`` steps, logs every ``log_every``.

    ``data``: a function ``start_step -> tf.data.Dataset`` of ``(lr, hr)`` RGB batches on
    ``[0, 1]`` (``functools.partial(training_dataset, hr_images, scale=4, patch_size=96,
    batch_size=16, channels="rgb")``). ``rollback`` (default :class:`Rollback()`) restores
    the last checkpoint after a divergence. ``generator_weights`` (a ``.keras`` or
    ``.weights.h5`` file, e.g. a trained SRResNet) starts the generator on a fresh run.
    ``options`` go to the engine (``learning_rate``, default 1e-4; ``val_images``,
    ``progress``, ``seed``, ``jit_compile``, ``tensorboard``, default off). Returns the
    engine's summary plus ``log``, ``rollbacks``, ``lr_factor`` and ``generator``, the
    path of the final generator (``run_dir/generator.keras``).
    """
    checkpoint_every, log_every = int(checkpoint_every), int(log_every)
    if log_every < 1 or checkpoint_every < 1 or checkpoint_every % log_every:
        raise SRLibError(
            f"checkpoint_every={checkpoint_every}, log_every={log_every}: use positive numbers, "
            f"checkpoint_every a multiple of log_every"
        )
    run_dir = Path(run_dir)
    if generator_weights is not None and not (run_dir / CHECKPOINT_NAME).exists():
        _load_generator_weights(gan.generator, generator_weights)
    options = {"learning_rate": 1e-4, "tensorboard": False, **options}
    rollback = rollback if rollback is not None else Rollback()
    rollback.log_every = log_every  # collapse is judged on the log windows
    run_callbacks = [rollback, GANLog(log_every), *callbacks]
    summary = train(
        gan, data, steps=steps, scale=gan.scale, run_dir=run_dir, steps_per_epoch=checkpoint_every,
        steps_per_execution=1, callbacks=run_callbacks, **options,
    )  # fmt: skip
    generator = run_dir / GENERATOR_MODEL_NAME
    if is_chief(gan.distribute_strategy):  # the other workers of a multi-machine run write nothing
        save_model(gan.generator, generator)
    summary["generator"] = str(generator)
    return summary


def _load_generator_weights(generator: keras.Model, path: str | Path) -> None:
    path = Path(path)
    if not path.is_file():
        raise SRLibError(f"generator_weights {path} does not exist — give a .keras or .weights.h5 file")
    if path.name.endswith(".keras"):
        generator.set_weights(load_model(path).get_weights())
    else:
        generator.load_weights(str(path))
