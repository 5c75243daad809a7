"""'srlib doctor': what it finds on this machine, in text and as one JSON object."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from srlib.cli import doctor
from srlib.data import dataset_path
from srlib.models.vgg_weights import VGG19_NOTOP_FILE


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A data cache with photos (verified) and a bare Set5 folder (not verified), Keras weights in place, two chapters."""
    data = tmp_path / "data"
    monkeypatch.setenv("SRLIB_DATA", str(data))
    dataset_path("photos")  # written and stamped as verified
    (data / "set5").mkdir()  # found under any spelling; no stamp yet
    (data / "set5" / "baby.png").write_bytes(b"not checked until first use")
    keras_home = tmp_path / "keras"
    (keras_home / "models").mkdir(parents=True)
    (keras_home / "models" / VGG19_NOTOP_FILE).write_bytes(bytes(3_000_000))
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("SRLIB_CHROMIUM", str(tmp_path / "no-chromium"))
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_introduction.ipynb", "01_srcnn.ipynb", "notes.ipynb"):
        (notebooks / name).write_text("{}")
    runtimes = tmp_path / "runtimes.json"
    runtimes.write_text(json.dumps({"00": {"smoke": 12.4, "workshop": 540.0}, "07": {"full": 7200}}))
    return tmp_path


def test_report_lists_data_weights_browser_and_only_measured_run_times(machine):
    report = doctor.collect_report(
        runtimes_path=machine / "runtimes.json", notebooks=machine / "notebooks", list_devices=False
    )

    data = report["data"]
    assert data["cache"] == str(machine / "data") and data["from"] == "SRLIB_DATA" and data["free_bytes"] > 0
    rows = {row["name"]: row for row in data["datasets"]}
    assert rows["photos"]["present"] and rows["photos"]["verified"]
    assert (
        rows["Set5"]["present"]
        and not rows["Set5"]["verified"]
        and rows["Set5"]["folder"] == str(machine / "data" / "set5")
    )
    assert not rows["Set14"]["present"] and not rows["Set14"]["verified"]

    assert report["vgg19"]["cached"] and report["vgg19"]["size_bytes"] == 3_000_000
    assert report["chromium"] == {"path": None, "version": None}
    assert report["run_times"] == {
        "00_introduction": {"smoke": 12.4, "workshop": 540.0, "full": None},
        "01_srcnn": {"smoke": None, "workshop": None, "full": None},
        "07": {"smoke": None, "workshop": None, "full": 7200.0},
    }
    assert report["machine"]["cpu_count"] == os.cpu_count() and report["machine"]["memory_total_bytes"] > 0
    assert report["versions"]["srlib"] and report["versions"]["NumPy"]

    text = "\n".join(doctor.format_report(report))
    assert "00_introduction  smoke about 12 s | workshop about 9 min | full not measured yet" in text
    assert "01_srcnn         smoke not measured yet | workshop not measured yet | full not measured yet" in text
    assert "here, not verified yet (checked on first use)" in text and "Set14        evaluation  not here" in text
    assert "ImageNet weights cached (3 MB)" in text
    assert "no Chromium (only the course's browser test uses it, and skips without it; learners need none)" in text


def test_doctor_command_lists_tensorflow_devices_and_prints_json_last(machine, capsys):
    parser = argparse.ArgumentParser(prog="srlib")
    doctor.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["doctor", "--json"])
    assert args.run(args) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert set(report) == {"versions", "devices", "machine", "data", "vgg19", "chromium", "run_times"}
    assert report["versions"]["TensorFlow"] and report["versions"]["Keras"]
    found = report["devices"]
    assert any(device["type"] == "CPU" for device in found["devices"])
    assert found["gpu"] == any(device["type"] == "GPU" for device in found["devices"])
    assert (found["note"] == doctor.NO_GPU_NOTE) != found["gpu"]  # the plain note exactly when there is no GPU
    assert lines[2].startswith("devices:   TensorFlow sees CPU CPU:0")


def test_an_unusable_cache_setting_is_reported_not_raised(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("SRLIB_DATA", str(not_a_folder))
    data = doctor.data_cache()
    assert "is a file, not a folder" in data["problem"]
    assert not any(row["present"] for row in data["datasets"])
    assert "problem: SRLIB_DATA=" in "\n".join(
        doctor.format_report({**doctor.collect_report(list_devices=False), "data": data})
    )


def test_chromium_is_found_where_the_browser_test_looks(monkeypatch):
    monkeypatch.delenv("SRLIB_CHROMIUM", raising=False)
    path = doctor.find_chromium()
    if path is None:
        pytest.skip("Debian's chromium is not installed here")
    found = doctor.chromium()
    assert found["path"] == path and found["version"].lower().startswith("chromium")
