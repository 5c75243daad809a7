"""``srlib train RECIPE``: its help, its one-line errors, and a real two-step run that resumes."""

from __future__ import annotations

from pathlib import Path

import pytest

from srlib.cli.main import main
from srlib.image.io import write_image
from tests.support.synthetic import generated_images

RECIPE = """\
weights = "tiny_x3.keras"
[data]
train_sets = ["{train}"]
validation_set = "{val}"
patch_size = 24
batch_size = 2
[model]
name = "fsrcnn"
scale = 3
options = {{ d = 8, s = 4, m = 1 }}
[loss]
name = "mse"
[schedule]
steps = 4
steps_per_epoch = 2
learning_rate = 1e-3
final_learning_rate = 1e-5
[[stage]]
name = "only"
start = "scratch"
"""


def _folder(path: Path, images) -> Path:
    path.mkdir(parents=True)
    for k, image in enumerate(images):
        write_image(path / f"image{k}.png", image)
    return path


def _recipe(tmp_path: Path) -> Path:
    train = _folder(tmp_path / "train", generated_images(count=2, size=40))
    val = _folder(tmp_path / "val", generated_images(count=1, size=36))
    path = tmp_path / "tiny_x3.toml"
    path.write_text(RECIPE.format(train=train.as_posix(), val=val.as_posix()))
    return path


def test_help_says_how_to_resume_and_export(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("RECIPE", "--run-dir", "--steps", "--export", "resumes", "best.keras", "srlib/models/weights"):
        assert words in text


def test_a_bad_recipe_is_one_line_and_exit_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(_recipe(tmp_path).read_text().replace("batch_size = 2", "batch_size = -2"))
    assert main(["train", str(bad), "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "srlib: error: bad.toml: [stage only] data.batch_size must be positive, not -2 — fix it in the recipe"
    ]
    assert main(["train", str(tmp_path / "none.toml")]) == 2
    assert "does not exist — give a .toml file" in capsys.readouterr().err


def test_export_before_training_says_to_train_first(tmp_path, capsys):
    recipe = _recipe(tmp_path)
    code = main(
        ["train", str(recipe), "--run-dir", str(tmp_path / "run"), "--export", "--weights-dir", str(tmp_path / "w")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "holds no checkpoint — train first: srlib train tiny_x3.toml" in err[0]
    assert not (tmp_path / "w").exists()


@pytest.mark.slow
def test_a_two_step_run_then_the_rerun_resumes_to_the_recipe_s_end(tmp_path, capsys):
    recipe, run_dir = _recipe(tmp_path), tmp_path / "run"
    assert main(["train", str(recipe), "--run-dir", str(run_dir), "--steps", "2"]) == 0
    assert "tiny_x3 only: step 2" in capsys.readouterr().out
    assert (run_dir / "only" / "best.keras").is_file() and (run_dir / "only" / "checkpoint.npz").is_file()
    assert main(["train", str(recipe), "--run-dir", str(run_dir)]) == 0
    assert "tiny_x3 only: step 4" in capsys.readouterr().out
