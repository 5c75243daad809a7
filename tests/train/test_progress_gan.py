"""LiveProgress's GAN view: D(real)/D(fake) panel, the caller's loss label, headless lines."""

from __future__ import annotations

import io

import numpy as np
import pytest

from srlib.train.callbacks import RunStart
from srlib.viz.progress import LiveProgress, learning_curve_figure

GAN_RECORD = {"loss": 0.0123, "content": 0.0116, "adversarial": 0.7, "d_loss": 1.2, "d_real": 0.62, "d_fake": 0.38}


def gan_history() -> dict[str, list]:
    return {
        "step": [100, 200],
        "loss": [0.02, 0.015],
        "d_real": [0.55, 0.62],
        "d_fake": [0.45, 0.38],
        "val_psnr": [27.1, 27.4],
    }


def sample_crops(size=12) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {k: rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for k in ("bicubic", "sr", "hr")}


def legend_texts(axes) -> list[str]:
    return [text.get_text() for text in axes.get_legend().get_texts()]


def test_gan_figure_has_a_discriminator_panel_and_the_given_loss_label():
    points = [(25, 0.5, 0.5), (50, 0.7, 0.3), (75, 0.8, 0.2)]
    figure = learning_curve_figure(
        gan_history(), sample_crops(), 26.0, [(25, 0.03), (50, 0.02)],
        loss_label="MSE + 0.001 x adversarial", discriminator=points,
    )  # fmt: skip
    loss_ax, psnr_ax, d_ax, sample_ax = figure.axes
    assert loss_ax.get_ylabel() == "training loss (MSE + 0.001 x adversarial)"
    real, fake = d_ax.lines[:2]
    np.testing.assert_array_equal(real.get_xdata(), [25, 50, 75])
    np.testing.assert_array_equal(real.get_ydata(), [0.5, 0.7, 0.8])
    np.testing.assert_array_equal(fake.get_ydata(), [0.5, 0.3, 0.2])
    assert legend_texts(d_ax) == ["D(real) = mean D(HR)", "D(fake) = mean D(SR)"]
    low, high = d_ax.get_ylim()
    assert low < 0 and high > 1  # probabilities: the whole 0..1 range is shown
    assert sample_ax.images[0].get_array().shape == (12, 36, 3)
    assert len(psnr_ax.lines) == 2


def test_supervised_figure_is_unchanged_without_discriminator_points():
    history = {"step": [5, 10], "loss": [0.01, 0.008], "val_psnr": [30.0, 31.0]}
    loss_ax, psnr_ax, sample_ax = learning_curve_figure(history, sample_crops(), 29.0, [(2, 0.02)]).axes
    assert loss_ax.get_ylabel() == "training loss (MSE)"
    assert psnr_ax.get_ylabel() == "validation PSNR (dB, Y)" and sample_ax.images
    assert len(learning_curve_figure(history).axes) == 2


def test_headless_lines_name_d_real_and_d_fake():
    stream = io.StringIO()
    progress = LiveProgress(live=False, lines=2, stream=stream)
    progress.start(
        RunStart(200, 0, {}, title="SRGAN (mse) x4", baseline_psnr=26.0, loss_label="MSE + 0.001 x adversarial")
    )
    progress.update(100, GAN_RECORD["loss"], logs=GAN_RECORD)
    progress.validation(100, {**GAN_RECORD, "val_psnr": 27.4}, None)
    progress.finish({"step": 200})
    lines = stream.getvalue().splitlines()
    assert lines[0] == "SRGAN (mse) x4 starting, 200 steps in all (bicubic on validation: 26.00 dB)"
    assert "D(real) 0.62" in lines[1] and "D(fake) 0.38" in lines[1] and "val_psnr 27.4" in lines[1]
    assert "d_real" not in lines[1] and lines[1].startswith("step 100/200  loss 0.0123")
    assert lines[-1] == "done: step 200"
    # The headless history keeps its steps, so the figure can still be drawn at the end.
    assert progress.history["step"] == [100] and progress.history["d_real"] == [0.62]
    loss_ax, _, d_ax = progress.figure().axes
    assert loss_ax.get_ylabel() == "training loss (MSE + 0.001 x adversarial)"
    np.testing.assert_array_equal(d_ax.lines[0].get_xdata(), [100])


def test_discriminator_points_fall_back_to_checkpoint_records_and_caller_label_wins():
    progress = LiveProgress(live=False, loss_label="content + 1e-3 x adversarial", stream=io.StringIO())
    progress.start(RunStart(200, 0, gan_history(), loss_label="MSE + 0.001 x adversarial"))
    assert progress.loss_label == "content + 1e-3 x adversarial"
    assert progress.discriminator_points() == [(100, 0.55, 0.45), (200, 0.62, 0.38)]  # no log records given
    progress.update(50, 0.02)  # a supervised-style update adds no D point
    assert progress.running_discriminator == []
    progress.update(60, 0.02, logs={"d_real": 0.9, "d_fake": 0.1})
    assert progress.discriminator_points() == [(60, 0.9, 0.1)]  # per-log points, finer than checkpoints


@pytest.mark.slow
def test_train_srgan_gives_live_progress_its_loss_label_and_log_records(tmp_path):
    import keras

    from srlib.data.pipeline import training_dataset
    from srlib.models.discriminator import SRGANDiscriminator
    from srlib.models.srresnet import SRResNet
    from srlib.train.srgan import SRGAN, train_srgan
    from tests.support.synthetic import generated_images

    def data(start_step=0):
        return training_dataset(generated_images(size=40), scale=2, patch_size=16, batch_size=2, channels="rgb",
                                seed=1, start_step=start_step)  # fmt: skip

    keras.utils.set_random_seed(3)
    generator, discriminator = SRResNet(2, num_blocks=1, filters=8), SRGANDiscriminator(filters=8, dense_units=16)
    stream = io.StringIO()
    progress = LiveProgress(live=False, lines=1, stream=stream)
    gan = SRGAN(generator, discriminator, content="mse", adv_weight=2e-3)
    train_srgan(gan, data, steps=4, run_dir=tmp_path, checkpoint_every=4, log_every=2, progress=progress)
    assert progress.loss_label == "MSE + 0.002 x adversarial"
    assert [point[0] for point in progress.running_discriminator] == [2, 4]
    assert all(0 < value < 1 for point in progress.running_discriminator for value in point[1:])
    assert "D(real)" in stream.getvalue() and "D(fake)" in stream.getvalue()
    assert len(progress.figure().axes) == 3  # loss, PSNR, D (no validation images: no sample)
