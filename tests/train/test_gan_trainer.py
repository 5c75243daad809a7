"""SRGAN on the engine: real (tiny) training, resume after SIGKILL, divergence rollback, refusals."""

from __future__ import annotations

import io
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from srlib.errors import SRLibError
from srlib.train.callbacks import PlainProgress
from srlib.train.checkpoint import load_state, save_model
from srlib.train.gan_callbacks import Rollback
from srlib.train.srgan import SRGAN, train_srgan
from tests.support.kill_resume import CHILD_PRELUDE, kill_and_resume
from tests.support.synthetic import SOURCE, generated_images

SETUP_CODE = (
    SOURCE
    + """

def clean_data(start_step=0):
    from srlib.data.pipeline import training_dataset

    return training_dataset(generated_images(size=40), scale=2, patch_size=16, batch_size=4, channels="rgb", seed=1,
                            start_step=start_step)


def tiny_networks(seed=7):
    from srlib.models.discriminator import SRGANDiscriminator
    from srlib.models.srresnet import SRResNet

    keras.utils.set_random_seed(seed)
    return SRResNet(scale=2, num_blocks=1, filters=8), SRGANDiscriminator(filters=8, dense_units=16)
"""
)
exec(SETUP_CODE)  # defines clean_data and tiny_networks here and in the child script


def quiet():
    return PlainProgress(stream=io.StringIO())


GAN_OPTIONS = ("content", "relativistic", "vgg_weights")


def run(run_dir, data=None, *, steps=12, networks=None, **options):
    generator, discriminator = networks or tiny_networks()  # noqa: F821 (defined by exec above)
    gan_options = {"content": "mse", **{k: options.pop(k) for k in GAN_OPTIONS if k in options}}
    options = {"checkpoint_every": 4, "log_every": 2, "progress": quiet(), **options}
    gan = SRGAN(generator, discriminator, **gan_options)
    summary = train_srgan(gan, data or clean_data, steps=steps, run_dir=run_dir, **options)  # noqa: F821
    return summary, generator, discriminator, options["progress"]


def untimed(history: dict) -> dict:
    """A run's history without its wall-clock seconds, which differ between two runs of the same steps."""
    return {key: value for key, value in history.items() if key != "time_s"}


def assert_same_state(dir_a: Path, dir_b: Path) -> None:
    """Equal to float32 round-off: two processes may differ in the last bits (oneDNN picks kernels by buffer
    alignment; a CI run saw one logged loss 2 ULP apart), while a wrong resume differs in the first digits."""
    state_a, meta_a = load_state(dir_a / "checkpoint.npz")
    state_b, meta_b = load_state(dir_b / "checkpoint.npz")
    assert meta_a["step"] == meta_b["step"]
    history_a, history_b = untimed(meta_a["history"]), untimed(meta_b["history"])
    assert sorted(history_a) == sorted(history_b)
    for key in history_a:
        np.testing.assert_allclose(history_a[key], history_b[key], rtol=1e-6, atol=1e-7, err_msg=key)
    assert sorted(state_a) == sorted(state_b) == [
        "discriminator", "discriminator_optimizer", "generator", "generator_optimizer", "lr_factor"
    ]  # fmt: skip
    for group in state_a:
        assert len(state_a[group]) == len(state_b[group]) > 0
        for a, b in zip(state_a[group], state_b[group]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


CHILD = (
    CHILD_PRELUDE
    + """
from srlib.train.srgan import SRGAN, train_srgan
    """
    + SETUP_CODE
    + """
class Pace(keras.callbacks.Callback):
    # Gives the parent time to kill us between checkpoints; does not touch the training.
    def on_epoch_end(self, epoch, logs=None):
        time.sleep(pause)

generator, discriminator = tiny_networks()
gan = SRGAN(generator, discriminator, content="dfeat", relativistic=True)
train_srgan(gan, clean_data, steps=30, run_dir=run_dir, learning_rate=keras.optimizers.schedules.CosineDecay(2e-4, 30),
            checkpoint_every=5, log_every=5, seed=7, callbacks=[Pace()])
    """
)


@pytest.mark.slow
def test_sigkilled_gan_run_resumes_to_the_same_state_as_an_uninterrupted_run(tmp_path):
    reference_dir, killed_dir, _ = kill_and_resume(tmp_path, CHILD, pause=0.5, steps=30, checkpoint_every=5)
    # Both networks (BN statistics too), both Adam states, the step and every logged value agree exactly.
    assert_same_state(reference_dir, killed_dir)
    _, final = load_state(killed_dir / "checkpoint.npz")
    assert final["step"] == 30 and final["history"]["step"] == [5, 10, 15, 20, 25, 30]
    assert (killed_dir / "generator.keras").is_file()


def poisoned_once(at_step: int):
    """Data whose batch ``at_step`` holds NaN the first time it is read (a transient fault), clean afterwards."""
    calls = []

    def data(start_step=0):
        dataset = clean_data(start_step)  # noqa: F821
        calls.append(start_step)
        if len(calls) > 1:
            return dataset
        steps = tf.data.Dataset.counter(start=start_step)

        def poison(k, pair):
            return tf.where(k == at_step, np.float32("nan"), pair[0]), pair[1]

        return tf.data.Dataset.zip(steps, dataset).map(poison)

    data.calls = calls
    return data


@pytest.mark.slow
def test_nan_rolls_back_to_the_last_checkpoint_and_replays_exactly(tmp_path):
    clean, _, _, _ = run(tmp_path / "clean")
    data = poisoned_once(at_step=6)  # batch 6 is step 7: after the checkpoint at step 4
    summary, _, _, progress = run(tmp_path / "faulty", data, rollback=Rollback(lr_factor=1.0))
    lines = [line for line in progress.stream.getvalue().splitlines() if "divergence" in line]
    assert lines == ["divergence at step 7 (loss became nan): rolled back to step 4, learning rate x1"]
    assert data.calls == [0, 4]  # the data restarted at the checkpoint's position
    assert summary["rollbacks"] == [{"step": 7, "reason": "loss became nan"}]
    # With the rate kept, the replay is the uninterrupted run: restored weights, optimizers and data are exact.
    assert_same_state(tmp_path / "clean", tmp_path / "faulty")
    assert untimed(summary["history"]) == untimed(clean["history"]) and summary["log"] == clean["log"]


@pytest.mark.slow
def test_rollback_halves_the_rate_and_a_resumed_run_keeps_it(tmp_path):
    summary, _, _, progress = run(tmp_path / "run", poisoned_once(at_step=6))
    assert "rolled back to step 4, learning rate x0.5" in progress.stream.getvalue()
    assert summary["lr_factor"] == 0.5 and summary["step"] == 12
    assert load_state(tmp_path / "run" / "checkpoint.npz")[0]["lr_factor"] == [0.5]
    again, _, _, _ = run(tmp_path / "run", steps=16)
    assert again["resumed_from"] == 12 and again["lr_factor"] == 0.5 and again["step"] == 16


@pytest.mark.slow
def test_persistent_divergence_stops_with_the_last_good_weights(tmp_path):
    def always_nan(start_step=0):
        return clean_data(start_step).map(lambda lr, hr: (lr * np.float32("nan"), hr))  # noqa: F821

    generator, discriminator = tiny_networks()  # noqa: F821
    with pytest.raises(SRLibError, match=r"diverged at step 1 .*after 0 rollback\(s\).*step 0"):
        run(tmp_path / "run", always_nan, networks=(generator, discriminator), rollback=Rollback(max_rollbacks=0))
    # The networks in memory hold the last good (here: the initial) weights again, not NaN.
    initial_g, initial_d = tiny_networks()  # noqa: F821
    state, meta = load_state(tmp_path / "run" / "checkpoint.npz")
    assert meta["step"] == 0
    restored = generator.get_weights() + discriminator.get_weights()
    saved_weights = state["generator"] + state["discriminator"]
    assert len(saved_weights) == len(restored)
    for saved, now, initial in zip(saved_weights, restored, initial_g.get_weights() + initial_d.get_weights()):
        np.testing.assert_array_equal(now, saved)
        np.testing.assert_array_equal(now, initial)


@pytest.mark.slow
def test_discriminator_collapse_triggers_rollback_then_stops(tmp_path):
    # Thresholds every real log meets, so the guard fires after `collapse_patience` logs.
    with pytest.raises(SRLibError, match="discriminator certain"):
        run(tmp_path / "run", rollback=Rollback(collapse=(0.0, 1.0), patience=2, max_rollbacks=1))
    state, meta = load_state(tmp_path / "run" / "checkpoint.npz")
    assert [r["step"] for r in meta["rollbacks"]] == [4] and state["lr_factor"] == [0.5]
    assert meta["rollbacks"][0]["reason"].startswith("discriminator certain: D(hr)")


@pytest.mark.parametrize("content, relativistic", [("dfeat", False), ("mse", True)])
@pytest.mark.slow
def test_gan_training_logs_d_real_d_fake_and_losses(tmp_path, content, relativistic):
    summary, generator, _, progress = run(
        tmp_path / "run", content=content, relativistic=relativistic, steps=8, val_images=generated_images(size=40)[:1]
    )
    log, history = summary["log"], summary["history"]
    assert log["step"] == [2, 4, 6, 8] and history["step"] == [4, 8]
    for key in ("loss", "content", "adversarial", "d_loss", "d_real", "d_fake"):
        assert len(log[key]) == 4 and np.all(np.isfinite(log[key]))
        # A checkpoint record is the mean of its logs (equal-sized windows).
        np.testing.assert_allclose(history[key], [np.mean(log[key][:2]), np.mean(log[key][2:])], rtol=1e-6)
    assert all(0 < v < 1 for v in log["d_real"] + log["d_fake"])
    total = np.array(log["content"]) + 1e-3 * np.array(log["adversarial"])
    np.testing.assert_allclose(log["loss"], total, rtol=1e-4)
    assert len(history["val_psnr"]) == len(history["val_ssim"]) == 2
    text = progress.stream.getvalue().splitlines()
    assert text[0].startswith(f"SRGAN ({content}) x2 starting") and text[-1].startswith("done: step 8, best val PSNR")
    assert len(text) <= 12 and "d_real" in text[1] and "val_psnr" in text[1]
    reloaded = keras.models.load_model(tmp_path / "run" / "generator.keras")
    np.testing.assert_array_equal(reloaded.get_weights()[0], generator.get_weights()[0])


@pytest.mark.slow
def test_vgg_content_trains_with_untrained_features_and_says_so(tmp_path, capsys):
    summary, _, _, _ = run(tmp_path / "run", content="vgg22", vgg_weights=None, steps=4)
    assert np.all(np.isfinite(summary["log"]["content"])) and min(summary["log"]["content"]) > 0
    assert "WARNING: VGG19 features (vgg22) are UNTRAINED" in capsys.readouterr().out


@pytest.mark.slow
def test_live_progress_draws_the_gan_run(tmp_path):
    from srlib.viz.progress import LiveProgress, learning_curve_figure

    progress = LiveProgress(live=True, min_interval=0.0)
    summary, _, _, _ = run(tmp_path / "run", steps=8, progress=progress, val_images=generated_images(size=40)[:1])
    assert progress.history["step"] == [4, 8] and len(progress.history["val_psnr"]) == 2
    assert [step for step, _ in progress.running] == [2, 4, 6, 8]
    assert progress.baseline_psnr == summary["bicubic_psnr"] is not None
    figure = learning_curve_figure(progress.history, progress.sample, progress.baseline_psnr, progress.running)
    loss_ax, psnr_ax, sample_ax = figure.axes
    assert len(loss_ax.lines) == 2 and len(psnr_ax.lines) == 2  # running + checkpoint loss; SR + bicubic PSNR
    assert sample_ax.images[0].get_array().shape[1] == 3 * progress.sample["hr"].shape[1]


@pytest.mark.slow
def test_generator_starts_from_given_weights(tmp_path):
    pretrained, _ = tiny_networks(seed=99)  # noqa: F821
    path = save_model(pretrained, tmp_path / "srresnet.keras")
    # No steps trained yet at step 0: the checkpoint holds exactly the given generator.
    run(tmp_path / "run", generator_weights=path, steps=1, checkpoint_every=1, log_every=1, learning_rate=0.0)
    state, _ = load_state(tmp_path / "run" / "checkpoint.npz")
    trainable = {id(v) for v in pretrained.trainable_variables}
    for value, variable in zip(state["generator"], pretrained.weights):
        if id(variable) in trainable:  # BN moving statistics do move in one training step
            np.testing.assert_array_equal(value, variable.numpy())


@pytest.mark.slow
def test_a_bf16_generator_is_validated_as_its_float32_copy(tmp_path):
    from srlib.infer.upscaler import upscaler_for
    from srlib.train.callbacks import evaluate_y
    from srlib.train.precision import dtype_policy, float32_copy

    val = [("g", generated_images(size=40)[0])]  # noqa: F821
    with dtype_policy("bf16"):
        generator, discriminator = tiny_networks()  # noqa: F821
    summary = train_srgan(SRGAN(generator, discriminator, content="mse"), clean_data, steps=4, run_dir=tmp_path,  # noqa: F821
                          checkpoint_every=4, log_every=2, progress=quiet(), val_images=val)  # fmt: skip
    shipped = evaluate_y(upscaler_for(float32_copy(generator), 2), val, 2)["psnr"]
    in_bf16 = evaluate_y(upscaler_for(generator, 2), val, 2)["psnr"]
    assert summary["dtype_policy"] == "mixed_bfloat16"
    assert summary["history"]["val_psnr"] == [pytest.approx(shipped, abs=1e-9)]
    assert abs(in_bf16 - shipped) > 1e-4  # the two really differ, so the test tells them apart


@pytest.mark.slow
def test_checkpoint_of_another_gan_is_refused_untouched(tmp_path):
    run(tmp_path / "run", steps=4)
    before = (tmp_path / "run" / "checkpoint.npz").read_bytes()
    with pytest.raises(SRLibError, match="holds a checkpoint of SRGAN.*content=mse.*not SRGAN.*content=dfeat"):
        run(tmp_path / "run", steps=8, content="dfeat")
    assert (tmp_path / "run" / "checkpoint.npz").read_bytes() == before


def test_bad_options_are_one_line(tmp_path):
    with pytest.raises(SRLibError, match="checkpoint_every a multiple of log_every"):
        run(tmp_path / "a", checkpoint_every=5, log_every=2)

    def gray(start_step=0):
        return clean_data(start_step).map(lambda lr, hr: (lr, hr[..., :1]))  # noqa: F821

    with pytest.raises(SRLibError, match="channels='rgb'"):
        run(tmp_path / "b", gray)


@pytest.mark.slow
def test_the_engine_trains_srgan_like_any_model(tmp_path):
    from srlib.models import load_model
    from srlib.train.engine import train

    generator, discriminator = tiny_networks()  # noqa: F821
    gan = SRGAN(generator, discriminator, content="mse")
    summary = train(gan, clean_data, steps=4, scale=2, run_dir=tmp_path, steps_per_epoch=2, steps_per_execution=2,  # noqa: F821
                    learning_rate=1e-4, progress=quiet(), tensorboard=False)  # fmt: skip
    assert summary["step"] == 4 and summary["history"]["step"] == [2, 4]
    assert list(summary["history"])[1:7] == ["loss", "content", "adversarial", "d_loss", "d_real", "d_fake"]
    best = load_model(summary["best_model"])  # what ships is the generator
    assert best.get_config() == generator.get_config()
    with pytest.raises(SRLibError, match="brings its own losses and optimizers"):
        train(SRGAN(*tiny_networks(), content="mse"), clean_data, steps=2, scale=2, run_dir=tmp_path / "b",  # noqa: F821
              steps_per_epoch=2, lr_multipliers={"upsample": 0.1}, progress=quiet())  # fmt: skip
