"""scripts/train_pretrained.py: every model's recipe, and a tiny real SRGAN fine-tune, export and resume."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("train_pretrained", REPO / "scripts" / "train_pretrained.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recipe(script, *argv):
    return script._recipe(script.parse_args(["--run-dir", "unused", *argv]))


def test_supervised_recipes_keep_their_numbers(script):
    fsrcnn = recipe(script, "--model", "fsrcnn")
    assert (fsrcnn["scale"], fsrcnn["patch_size"], fsrcnn["batch_size"], fsrcnn["steps"]) == (3, 72, 32, 200_000)
    assert fsrcnn["lr_multipliers"] == {"deconvolution": 0.1} and fsrcnn["learning_rate"] == 1e-3
    srcnn = recipe(script, "--model", "srcnn")
    assert (srcnn["model"], srcnn["patch_size"], srcnn["input_mode"]) == ("srcnn-9-5-5", 33, "bicubic")
    assert srcnn["steps"] == 20_000
    srresnet = recipe(script, "--model", "srresnet", "--scale", "4")
    assert (srresnet["patch_size"], srresnet["batch_size"]) == (96, 16)
    assert (srresnet["steps"], srresnet["steps_per_epoch"]) == (8_000, 500)
    assert srresnet["model_options"] == {"batch_norm": False} and srresnet["channels"] == "rgb"
    assert (srresnet["learning_rate"], srresnet["final_learning_rate"], srresnet["jit_compile"]) == (4e-4, 4e-6, False)
    assert "content" not in srresnet and "discriminator" not in srresnet


def test_espcn_recipe(script):
    espcn = recipe(script, "--model", "espcn")
    assert (espcn["model"], espcn["scale"], espcn.get("channels", "y")) == ("espcn", 3, "y")
    assert (espcn["patch_size"], espcn["batch_size"], espcn["steps"]) == (72, 32, 40_000)
    assert (espcn["learning_rate"], espcn["final_learning_rate"], espcn["threads"]) == (1e-3, 1e-5, 1)
    assert espcn["jit_compile"] is False


def test_srgan_recipe_and_its_options(script):
    srgan = recipe(script, "--model", "srgan")
    assert (srgan["scale"], srgan["patch_size"], srgan["batch_size"], srgan["channels"]) == (4, 96, 16, "rgb")
    assert (srgan["content"], srgan["adv_weight"], srgan["relativistic"]) == ("mse", 1e-3, False)
    assert (srgan["learning_rate"], srgan["final_learning_rate"], srgan["jit_compile"]) == (1e-4, 1e-5, False)
    assert srgan["init_from"] == "srlib/models/weights/srresnet_x4.keras"
    assert srgan["discriminator"] == {"class": "SRGANDiscriminator", "patch_size": 96}
    assert srgan["steps_per_epoch"] % srgan["log_every"] == 0
    assert "1e-05 from step 10000" in srgan["optimizer"]
    changed = recipe(script, "--model", "srgan", "--content", "dfeat", "--adv-weight", "5e-3", "--relativistic",
                     "--steps-per-epoch", "20", "--lr-patch", "16")  # fmt: skip
    assert (changed["content"], changed["adv_weight"], changed["relativistic"]) == ("dfeat", 5e-3, True)
    assert changed["log_every"] == 10 and changed["patch_size"] == 64
    flags = " --content dfeat --adv-weight 0.005 --steps-per-epoch 20 --lr-patch 16 --relativistic"
    assert script._srgan_flags(changed) == flags  # the JSON's resume line gives the same recipe again
    from srlib.errors import SRLibError

    with pytest.raises(SRLibError, match="--init-from"):
        recipe(script, "--model", "srgan", "--transfer-from", "x.keras")


def test_tiny_srgan_fine_tune_exports_and_resumes(script, tmp_path):
    pytest.importorskip("tensorflow")
    import keras

    from srlib.models.discriminator import SRGANDiscriminator
    from srlib.models.srresnet import SRResNet
    from srlib.train.callbacks import PlainProgress
    from tests.support.synthetic import generated_images

    keras.utils.set_random_seed(2)
    start = SRResNet(4, num_blocks=1, filters=8, batch_norm=False)
    init = tmp_path / "srresnet_x4.keras"
    start.save(init)
    run_dir = tmp_path / "run"
    argv = ["--model", "srgan", "--run-dir", str(run_dir), "--init-from", str(init), "--steps", "2",
            "--steps-per-epoch", "2", "--lr-patch", "8", "--batch-size", "2"]  # fmt: skip
    images = generated_images(count=2, size=48)
    val = [("val", generated_images(count=1, size=40)[0])]

    def train(args):
        keras.utils.set_random_seed(2)
        return script.srgan_run(
            args, hr_images=images, val_images=val, progress=PlainProgress(stream=io.StringIO()),
            discriminator=SRGANDiscriminator(patch_size=32, filters=8, dense_units=16),
        )  # fmt: skip

    summary = train(script.parse_args(argv))
    assert summary["step"] == 2 and summary["resumed_from"] == 0 and not summary["jit_compile"]
    assert np.all(np.isfinite(summary["log"]["d_real"]))

    # NIQE needs two 96x96 blocks after the 4-pixel shave: 208-pixel evaluation images.
    eval_sets = {"Set5": [("a", generated_images(count=1, size=208)[0])]}
    export_args = script.parse_args([*argv, "--export"])
    record = script.export_srgan(export_args, eval_sets=eval_sets, weights_dir=tmp_path / "w")
    saved = json.loads((tmp_path / "w" / "srgan_x4.json").read_text())
    assert saved == json.loads(json.dumps(record))
    assert saved["weights"] == "srgan_x4.keras" and saved["steps_done"] == 2 and saved["recipe"]["content"] == "mse"
    for who in (saved["measured"], saved["bicubic"], saved["srresnet_start"]):
        assert set(who["Set5"]) == {"psnr", "ssim", "niqe", "seconds"} and np.isfinite(who["Set5"]["niqe"])
    assert [point[0] for point in saved["d_curve"]] == [2] and "--init-from" in saved["resume"]
    from srlib.models import load_model

    exported = load_model(tmp_path / "w" / "srgan_x4.keras")
    assert isinstance(exported, SRResNet) and exported.scale == 4
    generator = keras.models.load_model(run_dir / "generator.keras")
    for a, b in zip(exported.get_weights(), generator.get_weights()):
        np.testing.assert_array_equal(a, b)

    # The same command with more steps continues the run; recipe.json keeps one line per session.
    argv[argv.index("--steps") + 1] = "4"
    resumed = train(script.parse_args(argv))
    assert resumed["resumed_from"] == 2 and resumed["step"] == 4
    sessions = json.loads((run_dir / "recipe.json").read_text())["sessions"]
    assert [(s["from_step"], s["to_step"]) for s in sessions] == [(0, 2), (2, 4)]


def test_precision_and_rescale_options_are_recorded(script):
    plain = recipe(script, "--model", "espcn")
    assert plain["precision"] == "float32" and "hr_rescale" not in plain
    changed = recipe(script, "--model", "espcn", "--precision", "bf16", "--rescale", "0.9", "0.6")
    assert changed["precision"] == "bf16" and changed["hr_rescale"] == [0.9, 0.6]
    assert "downscaled by [0.9, 0.6]" in changed["augment"]
    srgan = recipe(script, "--model", "srgan", "--precision", "bf16", "--rescale", "0.8")
    assert script._srgan_flags(srgan) == " --precision bf16 --rescale 0.8"


def test_tiny_bf16_run_with_rescaled_data_exports_float32_and_resumes(script, tmp_path):
    pytest.importorskip("tensorflow")
    import keras

    from srlib.models import load_model
    from srlib.train.callbacks import PlainProgress
    from srlib.train.precision import is_mixed
    from tests.support.synthetic import generated_images

    run_dir = tmp_path / "run"
    init = tmp_path / "start.keras"
    from srlib.models import build_model

    keras.utils.set_random_seed(4)
    build_model("espcn", 3).save(init)
    argv = ["--model", "espcn", "--run-dir", str(run_dir), "--steps", "2", "--steps-per-epoch", "2",
            "--lr-patch", "8", "--batch-size", "2", "--precision", "bf16", "--rescale", "0.8",
            "--init-from", str(init)]  # fmt: skip
    images = generated_images(count=2, size=40)
    val = [("val", generated_images(count=1, size=36)[0])]
    stream = io.StringIO()
    summary = script.train_run(script.parse_args(argv), hr_images=images, val_images=val,
                               progress=PlainProgress(stream=stream))  # fmt: skip
    assert summary["step"] == 2 and np.isfinite(summary["history"]["loss"]).all()
    assert summary["dtype_policy"] == "mixed_bfloat16"  # the run itself trains in bfloat16

    record = script.export(script.parse_args([*argv, "--export"]), eval_sets={"Set5": val}, weights_dir=tmp_path / "w")
    shipped = load_model(tmp_path / "w" / "espcn_x3.keras")
    assert not is_mixed(shipped) and all(w.dtype == "float32" for w in shipped.weights)
    assert record["recipe"]["precision"] == "bf16" and record["recipe"]["hr_rescale"] == [0.8]
    assert "--precision bf16" in record["resume"] and "--rescale 0.8" in record["resume"]
    assert "--init-from" in record["resume"] and np.isfinite(record["measured"]["Set5"]["psnr"])

    argv[argv.index("--steps") + 1] = "4"
    resumed = script.train_run(script.parse_args(argv), hr_images=images, val_images=val,
                               progress=PlainProgress(stream=stream))  # fmt: skip
    assert resumed["resumed_from"] == 2 and resumed["step"] == 4


def test_tiny_bf16_srgan_fine_tune_runs_in_mixed_precision_with_a_fixed_upsampler(script, tmp_path):
    pytest.importorskip("tensorflow")
    import keras

    from srlib.models.discriminator import SRGANDiscriminator
    from srlib.models.srresnet import SRResNet
    from srlib.train.callbacks import PlainProgress
    from srlib.train.precision import dtype_policy
    from tests.support.synthetic import generated_images

    keras.utils.set_random_seed(3)
    init = tmp_path / "srresnet_x4.keras"
    start = SRResNet(4, num_blocks=1, filters=8, batch_norm=False)
    start.save(init)
    argv = ["--model", "srgan", "--run-dir", str(tmp_path / "run"), "--init-from", str(init), "--steps", "2",
            "--steps-per-epoch", "2", "--lr-patch", "8", "--batch-size", "2", "--precision", "bf16",
            "--freeze-upsampler"]  # fmt: skip
    with dtype_policy("bf16"):
        discriminator = SRGANDiscriminator(patch_size=32, filters=8, dense_units=16)
    summary = script.srgan_run(
        script.parse_args(argv), hr_images=generated_images(count=2, size=48),
        val_images=[("val", generated_images(count=1, size=40)[0])],
        progress=PlainProgress(stream=io.StringIO()), discriminator=discriminator,
    )  # fmt: skip
    assert summary["dtype_policy"] == "mixed_bfloat16" and summary["step"] == 2
    trained = keras.models.load_model(tmp_path / "run" / "generator.keras")
    for layer in start.layers:
        if not layer.weights:
            continue
        same = all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), trained.get_layer(layer.name).get_weights()))
        assert same == (layer.name.startswith("upsample_") or layer.name == "tail_conv"), layer.name
    recorded = script._recipe(script.parse_args(argv))
    assert "--freeze-upsampler" in script._srgan_flags(recorded) and "--precision bf16" in script._srgan_flags(recorded)
    assert np.all(np.isfinite(summary["log"]["d_real"])) and np.all(np.isfinite(summary["history"]["val_psnr"]))


def test_padding_option_reaches_the_model_and_the_resume_line(script):
    espcn = recipe(script, "--model", "espcn", "--padding", "replicate")
    assert espcn["model_options"] == {"padding": "replicate"}
    assert "model_options" not in recipe(script, "--model", "espcn")
    assert recipe(script, "--model", "srcnn", "--padding", "replicate")["model_options"] == {"padding": "replicate"}
    args = script.parse_args(["--run-dir", "unused", "--model", "fsrcnn", "--padding", "replicate"])
    assert " --padding replicate" in script._recipe_flags(args)
    from srlib.errors import SRLibError

    with pytest.raises(SRLibError, match="--padding is for srcnn-9-5-5, fsrcnn, espcn — srresnet always zero-pads"):
        recipe(script, "--model", "srresnet", "--scale", "4", "--padding", "replicate")


def test_tiny_replicate_padded_run_starts_from_zero_padded_weights(script, tmp_path):
    pytest.importorskip("tensorflow")
    import keras

    from srlib.models import build_model, load_model
    from srlib.train.callbacks import PlainProgress
    from tests.support.synthetic import generated_images

    keras.utils.set_random_seed(5)
    init = tmp_path / "zeros.keras"
    build_model("espcn", 3).save(init)  # weights trained with zero padding fit the replicate model too
    argv = ["--model", "espcn", "--run-dir", str(tmp_path / "run"), "--steps", "2", "--steps-per-epoch", "2",
            "--lr-patch", "8", "--batch-size", "2", "--padding", "replicate", "--init-from", str(init)]  # fmt: skip
    val = [("val", generated_images(count=1, size=36)[0])]
    summary = script.train_run(script.parse_args(argv), hr_images=generated_images(count=2, size=40), val_images=val,
                               progress=PlainProgress(stream=io.StringIO()))  # fmt: skip
    assert summary["step"] == 2
    record = script.export(script.parse_args([*argv, "--export"]), eval_sets={"Set5": val}, weights_dir=tmp_path / "w")
    assert load_model(tmp_path / "w" / "espcn_x3.keras").padding == "replicate"
    assert record["recipe"]["model_options"] == {"padding": "replicate"} and "--padding replicate" in record["resume"]


def test_loss_option_is_recorded_and_kept_out_of_srgan(script):
    assert recipe(script, "--model", "espcn")["loss"] == "mse"
    l1 = recipe(script, "--model", "espcn", "--loss", "l1")
    assert l1["loss"] == "l1" and "L1 loss" in l1["optimizer"] and script.LOSSES["l1"] == "mean_absolute_error"
    args = script.parse_args(["--run-dir", "unused", "--model", "espcn", "--loss", "l1"])
    assert " --loss l1" in script._recipe_flags(args)
    psnr = recipe(script, "--model", "fsrcnn", "--loss", "psnr")
    assert psnr["loss"] == "psnr" and "PSNR loss" in psnr["optimizer"]
    from srlib.errors import SRLibError

    with pytest.raises(SRLibError, match="--loss is for the supervised models — not for srgan"):
        recipe(script, "--model", "srgan", "--loss", "l1")
    assert "loss" not in recipe(script, "--model", "srgan")


def test_ema_option_is_recorded(script):
    assert "ema_momentum" not in recipe(script, "--model", "espcn")
    assert recipe(script, "--model", "espcn", "--ema", "0.999")["ema_momentum"] == 0.999
    args = script.parse_args(["--run-dir", "unused", "--model", "espcn", "--ema", "0.999"])
    assert " --ema 0.999" in script._recipe_flags(args)
    from srlib.errors import SRLibError

    with pytest.raises(SRLibError, match="--ema is for the supervised models"):
        recipe(script, "--model", "srgan", "--ema", "0.99")


def test_last_layer_rate_option_is_recorded(script):
    assert recipe(script, "--model", "fsrcnn")["lr_multipliers"] == {"deconvolution": 0.1}
    assert recipe(script, "--model", "fsrcnn", "--last-layer-rate", "1")["lr_multipliers"] == {"deconvolution": 1.0}
    assert recipe(script, "--model", "srcnn", "--last-layer-rate", "0.5")["lr_multipliers"] == {"reconstruction": 0.5}
    args = script.parse_args(["--run-dir", "unused", "--model", "fsrcnn", "--last-layer-rate", "1"])
    assert " --last-layer-rate 1" in script._recipe_flags(args)
    from srlib.errors import SRLibError

    with pytest.raises(SRLibError, match="--last-layer-rate is for fsrcnn and srcnn — espcn has one learning rate"):
        recipe(script, "--model", "espcn", "--last-layer-rate", "1")
    with pytest.raises(SRLibError, match=r"--last-layer-rate 0 is outside \(0, 10\]"):
        recipe(script, "--model", "fsrcnn", "--last-layer-rate", "0")


def test_loss_border_option_is_checked_recorded_and_kept_out_of_srgan(script):
    bordered = recipe(script, "--model", "fsrcnn", "--lr-patch", "32", "--loss-border", "18")
    assert bordered["loss_border"] == 18 and "without its 18-pixel border" in bordered["optimizer"]
    assert "loss_border" not in recipe(script, "--model", "fsrcnn")
    args = script.parse_args(["--run-dir", "unused", "--model", "fsrcnn", "--loss-border", "6"])
    assert " --loss-border 6" in script._recipe_flags(args)
    from srlib.errors import SRLibError

    with pytest.raises(SRLibError, match="loss border 36 leaves no pixels of a 72-pixel output patch — use less than 36"):
        recipe(script, "--model", "fsrcnn", "--loss-border", "36")
    with pytest.raises(SRLibError, match="--loss-border is for the supervised models — not for srgan"):
        recipe(script, "--model", "srgan", "--loss-border", "4")


def _tiny_fsrcnn_run(script, tmp_path, *flags: str, steps: int = 2):
    """Train a tiny FSRCNN with ``flags`` on generated images for ``steps`` steps (resuming if run before)."""
    from srlib.train.callbacks import PlainProgress
    from tests.support.synthetic import generated_images

    argv = ["--model", "fsrcnn", "--run-dir", str(tmp_path / "run"), "--steps", str(steps), "--steps-per-epoch", "1",
            "--lr-patch", "8", "--batch-size", "2", *flags]  # fmt: skip
    images, val = generated_images(count=2, size=40), [("val", generated_images(count=1, size=36)[0])]
    summary = script.train_run(script.parse_args(argv), hr_images=images, val_images=val,
                               progress=PlainProgress(stream=io.StringIO()))  # fmt: skip
    return argv, val, summary


def test_tiny_run_with_the_psnr_loss_trains_and_records_it(script, tmp_path):
    pytest.importorskip("tensorflow")
    argv, val, summary = _tiny_fsrcnn_run(script, tmp_path, "--loss", "psnr")
    loss = summary["history"]["loss"][-1]
    assert summary["step"] == 2 and np.isfinite(loss) and -40 < loss < 0  # decibels: 10 log10(MSE + 1e-4)
    record = script.export(script.parse_args([*argv, "--export"]), eval_sets={"Set5": val}, weights_dir=tmp_path / "w")
    assert record["recipe"]["loss"] == "psnr" and "--loss psnr" in record["resume"]


def test_tiny_run_with_a_loss_border_trains_saves_and_resumes(script, tmp_path):
    pytest.importorskip("tensorflow")
    from srlib.models import load_model

    argv, val, summary = _tiny_fsrcnn_run(script, tmp_path, "--loss-border", "6")
    assert summary["step"] == 2 and np.isfinite(summary["history"]["loss"][-1])
    assert load_model(tmp_path / "run" / "best.keras").scale == 3  # saved with the custom loss compiled in
    _, _, resumed = _tiny_fsrcnn_run(script, tmp_path, "--loss-border", "6", steps=3)
    assert resumed["resumed_from"] == 2 and resumed["step"] == 3
    argv[argv.index("--steps") + 1] = "3"
    record = script.export(script.parse_args([*argv, "--export"]), eval_sets={"Set5": val}, weights_dir=tmp_path / "w")
    assert record["recipe"]["loss_border"] == 6 and "--loss-border 6" in record["resume"]
