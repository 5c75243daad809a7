"""The training engine: resume after SIGKILL, per-layer rates, divergence, foreign checkpoints, errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tensorflow as tf

from srlib.errors import SRLibError  # noqa: E402
from srlib.models import FSRCNN, load_model  # noqa: E402
from srlib.train.callbacks import PlainProgress  # noqa: E402
from srlib.train.checkpoint import load_state  # noqa: E402
from srlib.train.engine import train  # noqa: E402
from srlib.train.optimizers import LayerRateAdam  # noqa: E402
from tests.support.kill_resume import CHILD_PRELUDE, kill_and_resume  # noqa: E402
from tests.support.synthetic import SOURCE, generated_images  # noqa: E402


def tiny_data(scale=2, patch_size=8, batch_size=4, nan_from=None):
    from srlib.data.pipeline import training_dataset

    images = generated_images()

    def data(start_step=0):
        dataset = training_dataset(
            images, scale=scale, patch_size=patch_size, batch_size=batch_size, seed=1, start_step=start_step
        )
        if nan_from is None:
            return dataset
        steps = tf.data.Dataset.counter(start=start_step)
        poison = lambda k, xy: (xy[0], tf.where(k >= nan_from, np.float32("nan"), xy[1]))  # noqa: E731
        return tf.data.Dataset.zip(steps, dataset).map(poison)

    return data


def tiny_fsrcnn(scale=2):
    return FSRCNN(scale, d=8, s=4, m=1)


def quiet():
    return PlainProgress(stream=io.StringIO())


CHILD = (
    CHILD_PRELUDE
    + """
from srlib.data.pipeline import training_dataset
from srlib.models import FSRCNN
from srlib.train.engine import seed_everything, train
    """
    + SOURCE
    + """
images = generated_images()

def data(start_step=0):
    return training_dataset(images, scale=2, patch_size=8, batch_size=4, seed=1, start_step=start_step)

class Pace(keras.callbacks.Callback):
    # Gives the parent time to kill us between checkpoints; does not touch the training.
    def on_epoch_begin(self, epoch, logs=None):
        time.sleep(pause)

seed_everything(7)
model = FSRCNN(2, d=8, s=4, m=1)
schedule = keras.optimizers.schedules.CosineDecay(3e-3, 30)
train(model, data, steps=30, scale=2, run_dir=run_dir, val_images=images[:1], learning_rate=schedule,
      lr_multipliers={"deconvolution": 0.1}, steps_per_epoch=5, steps_per_execution=5, seed=7,
      tensorboard=False, callbacks=[Pace()])
    """
)


@pytest.mark.slow
def test_sigkilled_run_resumes_to_the_same_weights_as_an_uninterrupted_run(tmp_path):
    reference_dir, killed_dir, _ = kill_and_resume(
        tmp_path, CHILD, pause=0.3, steps=30, checkpoint_every=5, timeout=120
    )
    state_a, meta_a = load_state(reference_dir / "checkpoint.npz")
    state_b, meta_b = load_state(killed_dir / "checkpoint.npz")
    assert meta_b["step"] == 30 and meta_b["history"]["step"] == [5, 10, 15, 20, 25, 30]
    assert meta_b["history"]["loss"] == meta_a["history"]["loss"]  # same batches, same updates, in order
    assert sorted(state_b) == ["optimizer", "weight"] and all(state_b.values())
    for group in ("weight", "optimizer"):
        for a, b in zip(state_a[group], state_b[group], strict=True):
            np.testing.assert_array_equal(a, b)


def test_layer_rate_adam_scales_the_step_of_the_named_layer_only():
    model = tiny_fsrcnn()
    optimizer = LayerRateAdam(learning_rate=1e-3, lr_multipliers={"deconvolution": 0.1})
    before = {v.path: v.numpy() for v in model.trainable_variables}
    grads = [tf.ones_like(v) for v in model.trainable_variables]
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    for variable in model.trainable_variables:
        step = np.abs(variable.numpy() - before[variable.path])
        expected = 1e-4 if variable.path.startswith("deconvolution/") else 1e-3  # Adam's first step is lr * sign(g)
        np.testing.assert_allclose(step, expected, rtol=1e-3)
    restored = LayerRateAdam.from_config(optimizer.get_config())
    assert restored.lr_multipliers == {"deconvolution": 0.1}


@pytest.mark.slow
def test_train_validates_checkpoints_and_keeps_the_best_model(tmp_path):
    images = generated_images()
    stream = io.StringIO()
    model = tiny_fsrcnn()
    summary = train(
        model,
        tiny_data(),
        steps=20,
        scale=2,
        run_dir=tmp_path,
        val_images=[("g", images[0])],
        steps_per_epoch=5,
        learning_rate=3e-3,
        progress=PlainProgress(lines=2, stream=stream),
    )
    history = summary["history"]
    assert summary["step"] == 20 and history["step"] == [5, 10, 15, 20]
    assert len(history["val_psnr"]) == 4 and all(np.isfinite(history["val_ssim"]))
    assert len(history["time_s"]) == 4 and history["time_s"] == sorted(history["time_s"]) and history["time_s"][0] > 0
    assert summary["best_psnr"] == max(history["val_psnr"])
    assert 10 < summary["bicubic_psnr"] < 60 and "bicubic on validation" in stream.getvalue()
    best = load_model(summary["best_model"])
    assert best.get_config() == model.get_config()
    assert (tmp_path / "logs").is_dir()  # TensorBoard
    assert len(stream.getvalue().splitlines()) <= 5  # headless: a few lines, not one per step

    # Calling again with the same arguments finds the run finished and changes nothing.
    again = train(
        tiny_fsrcnn(),
        tiny_data(),
        steps=20,
        scale=2,
        run_dir=tmp_path,
        val_images=[images[0]],
        steps_per_epoch=5,
        learning_rate=3e-3,
        progress=quiet(),
    )
    assert again["resumed_from"] == 20 and again["history"] == history


@pytest.mark.slow
def test_checkpoint_of_another_model_or_scale_is_refused_untouched(tmp_path):
    train(
        tiny_fsrcnn(2),
        tiny_data(),
        steps=5,
        scale=2,
        run_dir=tmp_path,
        steps_per_epoch=5,
        progress=quiet(),
        tensorboard=False,
    )
    checkpoint = tmp_path / "checkpoint.npz"
    saved = checkpoint.read_bytes()
    for other, scale in ((FSRCNN(2, d=12, s=4, m=1), 2), (tiny_fsrcnn(3), 3)):
        with pytest.raises(SRLibError, match="holds a checkpoint of FSRCNN") as error:
            train(
                other,
                tiny_data(scale=scale, patch_size=6 * scale // 2 * 2 if scale == 2 else 9),
                steps=10,
                scale=scale,
                run_dir=tmp_path,
                steps_per_epoch=5,
                progress=quiet(),
            )
        assert "\n" not in str(error.value)
    assert checkpoint.read_bytes() == saved


@pytest.mark.slow
def test_nan_loss_stops_with_a_message_and_keeps_the_last_good_checkpoint(tmp_path):
    with pytest.raises(SRLibError, match=r"diverged.*step 5\)"):
        train(
            tiny_fsrcnn(),
            tiny_data(nan_from=7),
            steps=20,
            scale=2,
            run_dir=tmp_path,
            steps_per_epoch=5,
            steps_per_execution=1,
            progress=quiet(),
            tensorboard=False,
        )
    state, meta = load_state(tmp_path / "checkpoint.npz")
    assert meta["step"] == 5
    assert all(np.isfinite(w).all() for w in state["weight"])


def test_pipeline_errors_reach_the_user(tmp_path):
    with pytest.raises(SRLibError, match="patch_size"):
        train(
            tiny_fsrcnn(),
            tiny_data(patch_size=64),
            steps=5,
            scale=2,
            run_dir=tmp_path,
            steps_per_epoch=5,
            progress=quiet(),
            tensorboard=False,
        )
    with pytest.raises(SRLibError, match="built for x2"):
        train(tiny_fsrcnn(2), tiny_data(), steps=5, scale=3, run_dir=tmp_path, steps_per_epoch=5, progress=quiet())


@pytest.mark.slow
def test_live_progress_draws_curves_and_sample(tmp_path):
    from srlib.viz.progress import LiveProgress, learning_curve_figure

    images = generated_images()
    headless = LiveProgress(live=False)
    assert not headless.live  # outside a kernel it prints plain lines instead
    progress = LiveProgress(live=True, min_interval=0.0)
    train(
        tiny_fsrcnn(),
        tiny_data(),
        steps=10,
        scale=2,
        run_dir=tmp_path,
        val_images=[images[0]],
        steps_per_epoch=5,
        progress=progress,
        tensorboard=False,
    )
    assert progress.history["step"] == [5, 10] and len(progress.history["val_psnr"]) == 2
    assert (
        set(progress.sample) == {"hr", "bicubic", "sr"} and progress.sample["sr"].shape == progress.sample["hr"].shape
    )
    assert progress.baseline_psnr is not None  # the engine's bicubic measurement
    figure = learning_curve_figure(progress.history, progress.sample, progress.baseline_psnr, progress.running)
    loss_ax, psnr_ax, sample_ax = figure.axes
    assert len(psnr_ax.lines) == 2  # the model's curve and the bicubic line
    assert sample_ax.images[0].get_array().shape[1] == 3 * progress.sample["hr"].shape[1]


@pytest.mark.slow
def test_loss_argument_sets_the_training_loss(tmp_path):
    images = generated_images()
    runs = {}
    for loss in ("mean_squared_error", "mean_absolute_error"):
        model = tiny_fsrcnn()
        model.set_weights([np.full_like(w, 0.01) for w in model.get_weights()])  # the same start for both
        summary = train(model, tiny_data(), steps=5, scale=2, run_dir=tmp_path / loss, val_images=[images[0]],
                        steps_per_epoch=5, learning_rate=0.0, progress=quiet(), loss=loss)  # fmt: skip
        runs[loss] = summary["history"]["loss"][0]
        assert model.loss == loss
    # Rate 0: the weights stay put, so each history holds its loss at the start: L1 > L2 for errors below 1.
    assert runs["mean_absolute_error"] > runs["mean_squared_error"] > 0


@pytest.mark.slow
def test_a_bf16_model_is_validated_as_the_float32_model_that_ships(tmp_path):
    from srlib.infer.upscaler import upscaler_for
    from srlib.train.callbacks import evaluate_y
    from srlib.train.precision import dtype_policy, float32_copy

    images = generated_images()
    val = [("g", images[0])]
    with dtype_policy("bf16"):
        model = tiny_fsrcnn()
    summary = train(model, tiny_data(), steps=20, scale=2, run_dir=tmp_path, val_images=val, steps_per_epoch=20,
                    learning_rate=3e-3, progress=quiet(), tensorboard=False)  # fmt: skip
    shipped = evaluate_y(upscaler_for(float32_copy(model), 2), val, 2)["psnr"]  # one epoch: its model is the best
    in_bf16 = evaluate_y(upscaler_for(model, 2), val, 2)["psnr"]
    assert summary["best_step"] == 20
    assert summary["history"]["val_psnr"] == [pytest.approx(shipped, abs=1e-9)]
    assert abs(in_bf16 - shipped) > 1e-4  # the two really differ, so the test tells them apart
