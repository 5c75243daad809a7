"""recipes/*.toml: every shipped weight's recipe parses, agrees with its JSON record, and really trains.

The quick tests read the recipes and the shipped JSON records. The slow ones train each
shipped recipe for 2 steps a stage on small generated images, resume a run, and export one.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from srlib.errors import SRLibError
from srlib.models.zoo import WEIGHTS_DIR, load_model
from srlib.train.callbacks import PlainProgress
from srlib.train.checkpoint import BEST_MODEL_NAME
from srlib.train.export import data_checksums, export_recipe, start_record
from srlib.train.precision import is_mixed
from srlib.train.recipe import load_recipe, parse_recipe
from srlib.train.stages import file_sha256, runnable_stages, train_recipe
from tests.support.synthetic import generated_images

REPO = Path(__file__).resolve().parents[2]
RECIPES = sorted((REPO / "recipes").glob("*.toml"))
MACHINE_PATH = re.compile(r"(/work/|/home/|/tmp/|/Users/|[A-Z]:\\\\)")


def _in_training(recipe) -> bool:
    """A recipe whose weights are not shipped yet: its last stage says it is still training, or not run yet."""
    note = recipe.stages[-1].note
    return not (WEIGHTS_DIR / recipe.weights).is_file() and ("In progress" in note or note.startswith("Not run yet"))


def test_every_shipped_weight_has_one_recipe():
    shipped = sorted(path.name for path in WEIGHTS_DIR.glob("*.keras"))
    recipes = [load_recipe(path) for path in RECIPES]
    assert sorted(r.weights for r in recipes if not _in_training(r)) == shipped
    assert all(load_recipe(path).weights == f"{path.stem}.keras" for path in RECIPES)


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_shipped_json_records_its_recipe_and_nothing_of_the_machine(path):
    recipe = load_recipe(path)
    if _in_training(recipe):
        pytest.skip(f"{recipe.weights} is not shipped yet (its last stage says in progress or not run yet)")
    record_path = WEIGHTS_DIR / recipe.weights.replace(".keras", ".json")
    text = record_path.read_text()
    record = json.loads(text)
    last = recipe.stage(record["recipe"]["stage"])  # the shipped stage: the last one, or one before a stage in progress
    shipped = parse_recipe(record["recipe"]["content"], path.name)
    assert record["recipe"]["file"] == path.name and shipped.stages == recipe.stages_until(last.name)
    for later in recipe.stages[len(shipped.stages) :]:  # stages added since, still training, say so
        assert "In progress" in later.note, later.name
    assert record["settings"] == last.settings()
    assert record["start"] == start_record(last.start)
    assert record["sha256"] == file_sha256(WEIGHTS_DIR / recipe.weights)
    assert record["data"] == data_checksums((*last.data.train_sets, last.data.validation_set, "Set5", "Set14"))
    assert record["seed"] == last.seed and record["steps_done"] >= record["val_psnr_curve"][-1][0]
    assert MACHINE_PATH.search(text) is None and "issue_" not in text


def test_data_checksums_digest_the_registry_s_pixel_checksums_and_name_no_folder(tmp_path):
    record = data_checksums(["Set5", str(tmp_path / "my_images"), "set5"])
    assert list(record) == ["Set5", "my_images"]  # aliases of one dataset count once; a folder by its name only
    assert record["Set5"]["images"] == 5 and re.fullmatch(r"[0-9a-f]{64}", record["Set5"]["pixels_sha256"])
    assert record["my_images"] == {"images": None, "pixels_sha256": None, "registered": False}


def test_a_stage_that_starts_from_a_shipped_file_begins_the_run():
    srresnet = load_recipe(REPO / "recipes" / "srresnet_x4.toml")
    assert [s.name for s in runnable_stages(srresnet, None)] == ["4-more-data"]  # 1-3 are the shipped file's history
    assert [s.name for s in runnable_stages(srresnet, "3-restart")] == ["1-scratch", "2-bf16", "3-restart"]
    fsrcnn = load_recipe(REPO / "recipes" / "fsrcnn_x3.toml")
    assert runnable_stages(fsrcnn, None) == fsrcnn.stages  # no shipped start: the whole chain


def test_the_real_world_recipe_degrades_training_and_validation():
    stage = load_recipe(REPO / "recipes" / "srresnet-real_x4.toml").stages[-1]
    assert (stage.data.degradation, stage.loss.name, stage.data.validation_set) == ("real", "l1", "BSD200-val")
    assert stage.settings()["data"]["degradation"] == "real"
    bicubic = load_recipe(REPO / "recipes" / "srresnet_x4.toml").stages[-1]
    assert "degradation" not in bicubic.settings()["data"]  # the default, as the shipped records hold it


def test_new_stages_choose_on_the_validation_split_and_train_without_it():
    last = load_recipe(REPO / "recipes" / "srresnet_x4.toml").stages[-1]
    assert last.data.validation_set == "BSD200-val" and "BSD200" in last.data.train_sets
    record = data_checksums(["BSD200", "BSD200-val"])
    assert record["BSD200"]["images"] == 180 and record["BSD200"]["held_out"] == 20  # what training sees
    assert record["BSD200-val"]["images"] == 20 and "held_out" not in record["BSD200-val"]


def test_a_shipped_start_file_is_named_by_its_current_checksum():
    for path in RECIPES:
        for stage in load_recipe(path).stages:
            if stage.start.weights is not None:
                assert file_sha256(WEIGHTS_DIR / stage.start.weights) == stage.start.sha256, (path.name, stage.name)


def test_every_start_names_a_stage_that_exists():
    for path in RECIPES:
        for stage in load_recipe(path).stages:
            if stage.start.recipe is not None and stage.start.stage is not None:
                other = load_recipe(path.with_name(f"{stage.start.recipe}.toml"))
                assert other.stage(stage.start.stage).model.name == stage.model.name


def test_the_chains_keep_the_recorded_schedules():
    fsrcnn = load_recipe(REPO / "recipes" / "fsrcnn_x3.toml")
    assert [s.name for s in fsrcnn.stages][-1] == "7-psnr-loss" and len(fsrcnn.stages) == 7
    first, second, last = fsrcnn.stage("1-scratch"), fsrcnn.stage("2-restart"), fsrcnn.stages[-1]
    assert (first.schedule.steps, first.schedule.learning_rate, first.model.options) == (
        120000,
        1e-3,
        {"padding": "replicate"},
    )
    assert second.schedule.lr_multipliers == {"deconvolution": 1.0}  # the full-rate deconvolution restart
    assert (last.loss.name, last.schedule.steps, last.model.options["padding"]) == ("psnr", 160000, "zeros")
    assert last.schedule.lr_multipliers == {"deconvolution": 0.1} and last.data.rescale == (0.9, 0.8, 0.7, 0.6)
    x4 = load_recipe(REPO / "recipes" / "fsrcnn_x4.toml").stages[0].start
    assert (x4.recipe, x4.stage, x4.step) == ("fsrcnn_x3", "1-scratch", 80000)
    srresnet = load_recipe(REPO / "recipes" / "srresnet_x4.toml").stages[0]
    assert (srresnet.schedule.steps, srresnet.schedule.stop_after, srresnet.precision) == (6000, 4000, "float32")
    gan = load_recipe(REPO / "recipes" / "srgan_x4.toml").stages[0]
    assert (gan.loss.content, gan.loss.adversarial_weight, gan.schedule.decay, gan.schedule.freeze) == (
        "mse",
        1e-3,
        "halfway",
        "upsampler",
    )


TINY = """\
weights = "tiny_x3.keras"
seed = 0
[data]
train_sets = ["T91"]
validation_set = "Set5"
patch_size = 24
batch_size = 2
[model]
name = "fsrcnn"
scale = 3
options = { d = 8, s = 4, m = 1 }
[loss]
name = "mse"
[schedule]
steps = 4
steps_per_epoch = 2
learning_rate = 1e-3
final_learning_rate = 1e-5
lr_multipliers = { deconvolution = 0.1 }
[[stage]]
name = "one"
start = "scratch"
[[stage]]
name = "two"
start = { stage = "one" }
schedule = { learning_rate = 5e-4, final_learning_rate = 5e-6 }
loss.name = "psnr"
"""


def test_a_stage_changes_only_what_it_names():
    one, two = parse_recipe(TINY, "tiny_x3.toml").stages
    assert (one.schedule.learning_rate, two.schedule.learning_rate) == (1e-3, 5e-4)
    assert two.schedule.steps == 4 and two.schedule.lr_multipliers == {"deconvolution": 0.1}
    assert (one.loss.name, two.loss.name) == ("mse", "psnr") and two.start.stage == "one"


BAD = [
    ('weights = "tiny_x3.keras"', "weights = 3", r"tiny_x3.toml: weights must be a string, not 3"),
    ("seed = 0", "seed = 0\nepochs = 3", r"tiny_x3.toml: epochs is not a recipe key"),
    ("batch_size = 2", "batch_size = 0", r"tiny_x3.toml: \[stage one\] data.batch_size must be positive, not 0"),
    ('name = "mse"', 'name = "huber"', r"\[stage one\] loss.name = 'huber' is not one of mse, l1, psnr, srgan"),
    (
        "seed = 0",
        'seed = 0\nprecision = "half"',
        r"\[stage one\] precision = 'half' is not one of float32, bf16, fp16, auto",
    ),
    ('start = { stage = "one" }', 'start = { stage = "three" }', r"start.stage = 'three' is not an earlier stage"),
    ('start = { stage = "one" }', 'start = { stage = "one", sha256 = "abc" }', r"start.sha256 must be 64"),
    ('start = "scratch"', 'start = { weights = "x.keras" }', r"\[stage one\] start.sha256 is missing"),
    ("final_learning_rate = 1e-5", "final_learning_rate = 1e-2", r"final_learning_rate 0.01 is above learning_rate"),
    ("steps = 4\n", "steps = 4\nstop_after = 9\n", r"schedule.stop_after 9 is past steps \(4\)"),
    ('name = "fsrcnn"', 'name = "srgan"', r"loss.name must be 'srgan' for model 'srgan', and only for it"),
    ('name = "two"', 'name = "one"', r"\[stage one\] name is used twice"),
    ("[model]", "[model", r"tiny_x3.toml: not valid TOML \("),
]


@pytest.mark.parametrize("old, new, message", BAD, ids=[m[:40] for _, _, m in BAD])
def test_a_bad_recipe_is_a_one_line_error_naming_the_file_and_key(old, new, message):
    assert old in TINY
    with pytest.raises(SRLibError, match=message) as error:
        parse_recipe(TINY.replace(old, new, 1), "tiny_x3.toml")
    assert "\n" not in str(error.value) and str(error.value).startswith("tiny_x3.toml: ")


def test_a_missing_recipe_file_says_what_to_give(tmp_path):
    with pytest.raises(SRLibError, match=r"recipe .*nothing.toml does not exist — give a .toml file"):
        load_recipe(tmp_path / "nothing.toml")


def _images(size: int, val_size: int) -> dict:
    train = generated_images(count=2, size=size)
    val = [("val", generated_images(count=1, size=val_size)[0])]
    return {"T91": train, "General-100": train[:1], "BSD200": train[1:], "Set5": val, "BSD200-val": val}


# srgan_x4 trains in the export test below; srgan-vgg54_x4 needs the ImageNet VGG19 weights (its own test).
SUPERVISED = [path for path in RECIPES if not path.stem.startswith("srgan")]


@pytest.mark.slow
@pytest.mark.parametrize("path", SUPERVISED, ids=[p.stem for p in SUPERVISED])
def test_every_shipped_recipe_trains_two_steps_a_stage(path, tmp_path):
    recipe = load_recipe(path)
    run_dir = tmp_path / "runs" / recipe.name
    summaries = train_recipe(
        recipe, run_dir, steps=2, images=_images(160, 64), progress=PlainProgress(stream=io.StringIO())
    )
    stages = runnable_stages(recipe, None)
    assert [s["step"] for s in summaries] == [2] * len(stages)
    for stage, summary in zip(stages, summaries):
        assert np.isfinite(summary["history"]["val_psnr"]).all()
        assert summary["dtype_policy"] == ("mixed_bfloat16" if stage.precision == "bf16" else "float32")
        if not stage.adversarial:
            assert (run_dir / stage.name / BEST_MODEL_NAME).is_file()
    starts = {s.start.recipe for s in stages if s.start.stage is not None} - {None}
    for other in starts:  # the stages of another recipe this one starts from ran in the sibling folder
        assert (run_dir.parent / other).is_dir()
    if recipe.name == "fsrcnn_x4":  # it starts from fsrcnn_x3's first stage after 80k of its steps
        assert (run_dir.parent / "fsrcnn_x3" / "1-scratch-to-80000" / BEST_MODEL_NAME).is_file()


@pytest.mark.slow
def test_rerun_resumes_and_export_writes_one_layout(tmp_path):
    path = tmp_path / "tiny_x3.toml"
    path.write_text(TINY)
    recipe = load_recipe(path)
    images, progress = _images(40, 36), PlainProgress(stream=io.StringIO())
    first = train_recipe(recipe, tmp_path / "run", steps=2, images=images, progress=progress)
    assert [s["step"] for s in first] == [2, 2]
    again = train_recipe(recipe, tmp_path / "run", images=images, progress=progress)  # the full recipe: 4 steps
    assert [(s["resumed_from"], s["step"]) for s in again] == [(2, 4), (2, 4)]

    record = export_recipe(recipe, tmp_path / "run", weights_dir=tmp_path / "w", eval_sets={"Set5": images["Set5"]})
    text = (tmp_path / "w" / "tiny_x3.json").read_text()
    assert json.loads(text) == record and str(tmp_path) not in text
    assert record["recipe"] == {"file": "tiny_x3.toml", "stage": "two", "content": TINY}
    assert record["start"] == {"stage": "one", "sha256": None,
                               "kept": "no: an intermediate model that was never shipped; no copy exists"}  # fmt: skip
    assert record["sha256"] == file_sha256(tmp_path / "w" / "tiny_x3.keras")
    assert record["data"]["T91"]["images"] == 91 and len(record["data"]["T91"]["pixels_sha256"]) == 64
    assert (record["steps_done"], record["seed"], record["settings"]["loss"]["name"]) == (4, 0, "psnr")
    assert [point[0] for point in record["val_psnr_curve"]] == [2, 4] and record["cpu"]
    assert set(record["measured"]["Set5"]) == {"psnr", "ssim", "seconds"}
    shipped = load_model(tmp_path / "w" / "tiny_x3.keras")
    assert not is_mixed(shipped) and shipped.scale == 3


@pytest.mark.slow
def test_the_srgan_recipe_exports_its_latest_generator_beside_the_model_it_started_from(tmp_path):
    recipe = load_recipe(REPO / "recipes" / "srgan_x4.toml")
    images, progress = _images(120, 64), PlainProgress(stream=io.StringIO())
    (summary,) = train_recipe(recipe, tmp_path / "run", steps=2, images=images, progress=progress)
    eval_sets = {"Set5": [("a", generated_images(count=1, size=208)[0])]}  # NIQE needs two 96x96 blocks
    record = export_recipe(recipe, tmp_path / "run", weights_dir=tmp_path / "w", eval_sets=eval_sets)
    assert record["best_step"] is None and record["steps_done"] == 2  # a GAN ships its latest generator
    for who in (record["measured"], record["bicubic"], record["start_model"]):
        assert set(who["Set5"]) == {"psnr", "ssim", "niqe", "seconds"} and np.isfinite(who["Set5"]["niqe"])
    assert record["start_model"]["weights"] == "srresnet_x4.keras" and [p[0] for p in record["d_curve"]] == [2]
    assert record["start"]["sha256"] == file_sha256(WEIGHTS_DIR / "srresnet_x4.keras")
    shipped = load_model(tmp_path / "w" / "srgan_x4.keras")
    assert shipped.scale == 4 and not is_mixed(shipped)
    trained = load_model(tmp_path / "run" / "1-gan" / "generator.keras")
    for a, b in zip(shipped.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_paper_srgan_recipe_is_the_papers_setting():
    """recipes/srgan-vgg54_x4.toml: VGG54 + 1e-3 adversarial, whole generator, 1e5 + 1e5 steps, 16 x 96x96 crops."""
    recipe = load_recipe(REPO / "recipes" / "srgan-vgg54_x4.toml")
    (stage,) = recipe.stages
    assert (stage.loss.name, stage.loss.content, stage.loss.adversarial_weight) == ("srgan", "vgg54", 1e-3)
    assert stage.schedule.freeze is None and stage.schedule.decay == "halfway"
    assert (stage.schedule.steps, stage.schedule.learning_rate, stage.schedule.final_learning_rate) == (
        200_000,
        1e-4,
        1e-5,
    )
    assert (stage.data.batch_size, stage.data.patch_size, stage.data.validation_set) == (16, 96, "BSD200-val")
    assert stage.start.weights == "srresnet_x4.keras" and stage.start.sha256 == file_sha256(
        WEIGHTS_DIR / "srresnet_x4.keras"
    )


def test_the_gpu_srresnet_recipe_is_the_papers_scale():
    """recipes/srresnet-paper_x4.toml (issue 24 item 4): 16 x 96x96 crops, Adam 1e-4, 10^6 updates, MSE, BSD200-val."""
    (stage,) = load_recipe(REPO / "recipes" / "srresnet-paper_x4.toml").stages
    assert (stage.data.batch_size, stage.data.patch_size, stage.schedule.steps) == (16, 96, 1_000_000)
    assert (stage.loss.name, stage.schedule.learning_rate, stage.precision) == ("mse", 1e-4, "auto")
    assert stage.data.validation_set == "BSD200-val" and "BSD200" in stage.data.train_sets
