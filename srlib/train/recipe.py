"""Training recipes as data: one TOML file per shipped weight, read into a :class:`Recipe`.

A recipe holds the settings its stages share (``[data]``, ``[model]``, ``[loss]``,
``[schedule]``, ``seed``, ``precision``, ``threads``) and a list of ``[[stage]]``
tables, each naming where it starts (``"scratch"``, the best model of an earlier
stage, of a stage of another recipe, or a shipped weights file with its SHA-256) and
only the settings it changes. The shipped weights were made in several stages
(a long run, then warm restarts); the recipe keeps that chain, so
``srlib train recipes/fsrcnn_x3.toml`` can make the file again. Every mistake in a
recipe is a one-line :class:`~srlib.errors.SRLibError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srlib.errors import SRLibError
from srlib.image.degrade import DEGRADATIONS
from srlib.models.zoo import MODEL_NAMES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Recipe", "Stage", "Start", "Data", "ModelSpec", "Loss", "Schedule", "load_recipe", "parse_recipe",
           "PIXEL_LOSSES", "CONTENT_LOSSES"]  # fmt: skip

# Recipe loss name -> Keras loss name ("srlib>..." are srlib's registered losses, srlib.losses.psnr).
PIXEL_LOSSES = {"mse": "mean_squared_error", "l1": "mean_absolute_error", "psnr": "srlib>patch_psnr_loss"}
CONTENT_LOSSES = ("mse", "dfeat", "vgg22", "vgg54")  # SRGAN's content terms (srlib.losses.content)
PRECISIONS = ("float32", "bf16", "fp16", "auto")  # auto: per device (srlib.train.precision)
DECAYS = ("cosine", "halfway")  # halfway: SRGAN's 1e-4 then 1e-5 for the second half (Ledig et al., sec. 3.2)
FREEZE = ("upsampler",)
SHARED_KEYS = ("seed", "precision", "threads", "jit_compile", "data", "model", "loss", "schedule")
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Data:
    """Training patches: HR images of ``train_sets`` (and their ``rescale`` copies), validation on one set."""

    train_sets: tuple[str, ...]
    validation_set: str
    patch_size: int  # HR patch side in pixels (the LR side is patch_size / scale, except for SRCNN)
    batch_size: int
    rescale: tuple[float, ...] = ()  # FSRCNN sec. 4.1: every HR image also downscaled by these factors
    augment: bool = True  # random flips and 90-degree rotations
    degradation: str = (
        "bicubic"  # how LR is made, for training and validation: "bicubic" or "real" (srlib.image.degrade)
    )


@dataclass(frozen=True)
class ModelSpec:
    name: str
    scale: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Loss:
    """A pixel loss (``mse``, ``l1``, ``psnr``) or ``srgan``: content + ``adversarial_weight`` x adversarial."""

    name: str
    content: str | None = None
    adversarial_weight: float | None = None
    relativistic: bool = False


@dataclass(frozen=True)
class Schedule:
    steps: int  # the learning-rate schedule's length
    steps_per_epoch: int  # validation and checkpoint every epoch
    learning_rate: float
    final_learning_rate: float
    decay: str = "cosine"
    stop_after: int | None = None  # stop there, part way along the schedule
    lr_multipliers: dict[str, float] = field(default_factory=dict)
    log_every: int | None = None  # SRGAN: steps between D(real)/D(fake) points
    freeze: str | None = None  # SRGAN: "upsampler" keeps SRResNet's upsampler fixed

    @property
    def last_step(self) -> int:
        return self.stop_after or self.steps


@dataclass(frozen=True)
class Start:
    """Where a stage's weights come from: nothing (``scratch``), a stage's best model, or a shipped file."""

    recipe: str | None = None  # another recipe (file stem); None: this one
    stage: str | None = None
    step: int | None = None  # the best model of that stage's first ``step`` steps
    weights: str | None = None  # a file in srlib/models/weights
    sha256: str | None = None  # of the start weights, where they were shipped (``shipped`` says when)
    shipped: str | None = None

    @property
    def scratch(self) -> bool:
        return self.stage is None and self.weights is None


@dataclass(frozen=True)
class Stage:
    name: str
    start: Start
    data: Data
    model: ModelSpec
    loss: Loss
    schedule: Schedule
    seed: int = 0
    precision: str = "float32"
    threads: int = 1
    jit_compile: bool | str = "auto"
    note: str = ""

    @property
    def adversarial(self) -> bool:
        return self.loss.name == "srgan"

    def settings(self) -> dict[str, Any]:
        """The stage's resolved settings as plain JSON-ready data (the exported record keeps them)."""
        record = dataclasses.asdict(self)
        record.pop("name"), record.pop("start"), record.pop("note")
        if record["data"]["degradation"] == "bicubic":  # the default, left out as the records before it were
            del record["data"]["degradation"]
        return json.loads(json.dumps(record))  # tuples as lists, as the JSON file holds them


@dataclass(frozen=True)
class Recipe:
    name: str  # the file's stem, e.g. "fsrcnn_x3"
    path: Path
    text: str  # the file as written
    weights: str  # what the last stage ships, e.g. "fsrcnn_x3.keras"
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        names = ", ".join(s.name for s in self.stages)
        raise SRLibError(f"{self.path.name} has no stage {name!r} — its stages are {names}")

    def stages_until(self, name: str | None) -> tuple[Stage, ...]:
        """The stages in order, up to and including ``name`` (all of them for None)."""
        if name is None:
            return self.stages
        index = self.stages.index(self.stage(name))
        return self.stages[: index + 1]


def load_recipe(path: str | Path) -> Recipe:
    """Read and check the recipe file ``path``."""
    path = Path(path)
    if not path.is_file():
        raise SRLibError(f"recipe {path} does not exist — give a .toml file such as recipes/fsrcnn_x3.toml")
    return parse_recipe(path.read_text(encoding="utf-8"), path)


def parse_recipe(text: str, path: str | Path) -> Recipe:
    """A :class:`Recipe` from TOML ``text``; ``path`` names it in errors and gives its name."""
    path = Path(path)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SRLibError(f"{path.name}: not valid TOML ({error}) — fix the file") from None
    check = _Checker(path.name)
    check.known(table, ("weights", "stage", *SHARED_KEYS), "")
    weights = check.text(table, "weights", "")
    if not weights.endswith(".keras"):
        raise SRLibError(f"{path.name}: weights = {weights!r} must name a .keras file, e.g. '{path.stem}.keras'")
    raw_stages = table.get("stage")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise SRLibError(f"{path.name}: no [[stage]] tables — add at least one, with name and start")
    shared = {key: table[key] for key in SHARED_KEYS if key in table}
    stages: list[Stage] = []
    for number, raw in enumerate(raw_stages, start=1):
        stage = check.stage(raw, shared, number, earlier=[s.name for s in stages])
        stages.append(stage)
    return Recipe(name=path.stem, path=path, text=text, weights=weights, stages=tuple(stages))


def _merged(base: dict, override: dict) -> dict:
    """``base`` with ``override``'s keys laid over it, table by table."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


class _Checker:
    """Reads one recipe's tables, raising one-line errors that name the file and the key."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, key: str, problem: str) -> None:
        raise SRLibError(f"{self.file}: {where}{key} {problem} — fix it in the recipe")

    def known(self, table: dict, keys: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in keys:
                self.fail(where, key, f"is not a recipe key (known here: {', '.join(keys)})")

    def value(self, table: dict, key: str, where: str, kinds: tuple[type, ...], what: str, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                self.fail(where, key, "is missing")
            return default
        value = table[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.fail(where, key, f"must be {what}, not {value!r}")
        return value

    def text(self, table: dict, key: str, where: str, choices: tuple[str, ...] = (), default: Any = ...) -> Any:
        value = self.value(table, key, where, (str,), "a string", default)
        if choices and value is not None and value not in choices:
            self.fail(where, key, f"= {value!r} is not one of {', '.join(choices)}")
        return value

    def positive(self, table: dict, key: str, where: str, kind: type = int, default: Any = ...) -> Any:
        kinds = (int,) if kind is int else (int, float)
        value = self.value(table, key, where, kinds, f"a positive {'whole ' if kind is int else ''}number", default)
        if value is not None and value is not default and value <= 0:
            self.fail(where, key, f"must be positive, not {value!r}")
        return value if value is None or kind is int else float(value)

    def section(self, settings: dict, name: str, where: str) -> dict:
        value = settings.get(name)
        if not isinstance(value, dict):
            self.fail(where, name, "is missing: add a table [" + name + "]" if value is None else "must be a table")
        return value

    def stage(self, raw: Any, shared: dict, number: int, earlier: list[str]) -> Stage:
        if not isinstance(raw, dict):
            self.fail("", f"stage {number}", "must be a table")
        name = self.text(raw, "name", f"[stage {number}] ")
        where = f"[stage {name}] "
        if name in earlier:
            self.fail(where, "name", "is used twice: give each stage its own name")
        self.known(raw, ("name", "start", "note", *SHARED_KEYS), where)
        settings = _merged(shared, {key: value for key, value in raw.items() if key in SHARED_KEYS})
        model = self.model(self.section(settings, "model", where), where)
        loss = self.loss(self.section(settings, "loss", where), where)
        if (model.name == "srgan") != (loss.name == "srgan"):
            self.fail(where, "loss.name", "must be 'srgan' for model 'srgan', and only for it")
        return Stage(
            name=name,
            start=self.start(raw.get("start"), where, earlier),
            data=self.data(self.section(settings, "data", where), where),
            model=model,
            loss=loss,
            schedule=self.schedule(self.section(settings, "schedule", where), where),
            seed=self.value(settings, "seed", where, (int,), "a whole number", 0),
            precision=self.text(settings, "precision", where, PRECISIONS, "float32"),
            threads=self.value(settings, "threads", where, (int,), "a whole number (0: all cores)", 1),
            jit_compile=self.value(settings, "jit_compile", where, (bool, str), "true, false or 'auto'", "auto"),
            note=self.text(raw, "note", where, default=""),
        )

    def data(self, table: dict, where: str) -> Data:
        where += "data."
        self.known(table, tuple(f.name for f in dataclasses.fields(Data)), where)
        sets = self.value(table, "train_sets", where, (list,), "a list of dataset names")
        rescale = self.value(table, "rescale", where, (list,), "a list of factors between 0 and 1", [])
        if not sets or not all(isinstance(s, str) for s in sets):
            self.fail(where, "train_sets", "must list at least one dataset name")
        if not all(isinstance(f, (int, float)) and not isinstance(f, bool) and 0 < f < 1 for f in rescale):
            self.fail(where, "rescale", f"must hold factors between 0 and 1, not {rescale!r}")
        return Data(
            train_sets=tuple(sets),
            validation_set=self.text(table, "validation_set", where),
            patch_size=self.positive(table, "patch_size", where),
            batch_size=self.positive(table, "batch_size", where),
            rescale=tuple(float(f) for f in rescale),
            augment=self.value(table, "augment", where, (bool,), "true or false", True),
            degradation=self.degradation(table, where),
        )

    def degradation(self, table: dict, where: str) -> str:
        name = self.value(table, "degradation", where, (str,), "'bicubic' or 'real'", "bicubic")
        if name not in DEGRADATIONS:
            self.fail(where, "degradation", f"= {name!r} is not one of {', '.join(DEGRADATIONS)}")
        return name

    def model(self, table: dict, where: str) -> ModelSpec:
        where += "model."
        self.known(table, ("name", "scale", "options"), where)
        scale = self.positive(table, "scale", where)
        if scale not in (2, 3, 4):
            self.fail(where, "scale", f"= {scale} is not 2, 3 or 4")
        options = self.value(table, "options", where, (dict,), "a table of model options", {})
        return ModelSpec(self.text(table, "name", where, MODEL_NAMES), scale, dict(options))

    def loss(self, table: dict, where: str) -> Loss:
        where += "loss."
        self.known(table, ("name", "content", "adversarial_weight", "relativistic"), where)
        name = self.text(table, "name", where, (*PIXEL_LOSSES, "srgan"))
        if name != "srgan":
            self.known(table, ("name",), where)
            return Loss(name)
        return Loss(
            name,
            content=self.text(table, "content", where, CONTENT_LOSSES),
            adversarial_weight=self.positive(table, "adversarial_weight", where, float),
            relativistic=self.value(table, "relativistic", where, (bool,), "true or false", False),
        )

    def schedule(self, table: dict, where: str) -> Schedule:
        where += "schedule."
        self.known(table, tuple(f.name for f in dataclasses.fields(Schedule)), where)
        multipliers = self.value(table, "lr_multipliers", where, (dict,), "a table layer = factor", {})
        if not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 10 for v in multipliers.values()
        ):
            self.fail(where, "lr_multipliers", f"must map layer names to factors in (0, 10], not {multipliers!r}")
        schedule = Schedule(
            steps=self.positive(table, "steps", where),
            steps_per_epoch=self.positive(table, "steps_per_epoch", where),
            learning_rate=self.positive(table, "learning_rate", where, float),
            final_learning_rate=self.positive(table, "final_learning_rate", where, float),
            decay=self.text(table, "decay", where, DECAYS, "cosine"),
            stop_after=self.positive(table, "stop_after", where, default=None),
            lr_multipliers={str(k): float(v) for k, v in multipliers.items()},
            log_every=self.positive(table, "log_every", where, default=None),
            freeze=self.text(table, "freeze", where, FREEZE, None),
        )
        if schedule.final_learning_rate > schedule.learning_rate:
            self.fail(where, "final_learning_rate", f"{schedule.final_learning_rate:g} is above learning_rate")
        if schedule.stop_after is not None and schedule.stop_after > schedule.steps:
            self.fail(where, "stop_after", f"{schedule.stop_after} is past steps ({schedule.steps})")
        return schedule

    def start(self, raw: Any, where: str, earlier: list[str]) -> Start:
        if raw == "scratch":
            return Start()
        if not isinstance(raw, dict):
            self.fail(where, "start", "must be 'scratch' or a table such as { stage = \"1-scratch\" }")
        where += "start."
        self.known(raw, tuple(f.name for f in dataclasses.fields(Start)), where)
        start = Start(
            recipe=self.text(raw, "recipe", where, default=None),
            stage=self.text(raw, "stage", where, default=None),
            step=self.positive(raw, "step", where, default=None),
            weights=self.text(raw, "weights", where, default=None),
            sha256=self.text(raw, "sha256", where, default=None),
            shipped=self.text(raw, "shipped", where, default=None),
        )
        if (start.stage is None) == (start.weights is None):
            self.fail(where, "stage", "or weights: give exactly one (an earlier stage, or a shipped .keras file)")
        if start.recipe is None and start.stage is not None and start.stage not in earlier:
            self.fail(where, "stage", f"= {start.stage!r} is not an earlier stage of this recipe")
        if start.sha256 is not None and not SHA256.fullmatch(start.sha256):
            self.fail(where, "sha256", "must be 64 lowercase hex digits")
        if start.weights is not None and start.sha256 is None:
            self.fail(where, "sha256", "is missing: a shipped start file is named with its SHA-256")
        return start
