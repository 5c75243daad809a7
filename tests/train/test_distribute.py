"""tf.distribute training (srlib.train.distribute): strategies, sharded data, chief-only writes, resume, full disk.

The multi-device tests run real TensorFlow in subprocesses (:mod:`tests.support.distributed_run`),
since the CPU can be split into logical devices only before TensorFlow starts: mirrored training
over two logical CPUs must reach one device's weights with the same global batch, and two
worker processes on 127.0.0.1 (``MultiWorkerMirroredStrategy``, ``TF_CONFIG``) must train in
step, with the chief alone writing, and resume after both are killed.
"""

from __future__ import annotations

import errno
import functools
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from srlib.data.pipeline import training_dataset
from srlib.errors import SRLibError
from srlib.models.fsrcnn import FSRCNN
from srlib.models.layers import batch_norm
from srlib.seeding import worker_seed
from srlib.train import checkpoint as checkpoint_module
from srlib.train.callbacks import PlainProgress
from srlib.train.checkpoint import BEST_MODEL_NAME, CHECKPOINT_NAME, load_state, save_state
from srlib.train.distribute import agreed_step, is_chief, is_distributed, make_strategy, replicas, split_cpu
from srlib.train.engine import train
from srlib.train.precision import resolve_precision
from tests.support.synthetic import generated_images

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # seconds: every subprocess stops itself (or is killed) well inside the CI budget


# --- in this process: strategies, data, precision --------------------------------------------------


def test_an_unknown_strategy_is_a_one_line_error():
    with pytest.raises(SRLibError, match=r"--strategy 'ring' is not one of auto, one, mirrored, multiworker"):
        make_strategy("ring")


def test_multiworker_without_or_with_a_broken_tf_config_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(SRLibError, match="needs TF_CONFIG, e.g."):
        make_strategy("multiworker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    with pytest.raises(SRLibError, match="TF_CONFIG is not a cluster description .*give cluster.worker"):
        make_strategy("multiworker")


def test_one_and_auto_on_a_machine_without_gpus_are_the_default_strategy():
    for name in ("one", "auto"):
        strategy = make_strategy(name)
        assert replicas(strategy) == 1 and is_chief(strategy) and not is_distributed(strategy)
        assert agreed_step(strategy, 7) == 7


def test_the_cpu_cannot_be_split_once_tensorflow_runs():
    tf.constant(1.0) + 1.0  # noqa: B018 - TensorFlow is running now
    with pytest.raises(SRLibError, match="TensorFlow is already running"):
        split_cpu(2)
    with pytest.raises(SRLibError, match="give 1 or more"):
        split_cpu(0)


def test_each_device_gets_the_recipe_batch_and_each_worker_its_own_stream():
    images = generated_images(count=2, size=40)
    make = functools.partial(training_dataset, images, scale=2, patch_size=16, batch_size=3, seed=5)
    single, double = next(iter(make())), next(iter(make(replicas=2)))
    assert single[0].shape[0] == 3 and double[0].shape[0] == 6
    assert worker_seed(5, 0) == 5 and worker_seed(5, 1) != worker_seed(0, 1)
    other = next(iter(make(worker=1)))
    assert not np.allclose(single[1].numpy(), other[1].numpy())  # worker 1 reads other patches
    np.testing.assert_array_equal(single[1].numpy(), next(iter(make(worker=0)))[1].numpy())
    with pytest.raises(SRLibError, match="give 1 or more replicas"):
        make(replicas=0)


def test_auto_precision_follows_the_gpu():
    assert resolve_precision("auto", capabilities=[]) == "float32"
    assert resolve_precision("auto", capabilities=[(9, 0)]) == "bf16"  # H100
    assert resolve_precision("auto", capabilities=[(8, 0), (7, 5)]) == "fp16"  # a T4 beside an A100: both can
    assert resolve_precision("bf16", capabilities=[(7, 0)]) == "bf16"
    with pytest.raises(SRLibError, match="is not one of"):
        resolve_precision("half")


def test_batch_norm_synchronises_only_across_several_replicas():
    assert batch_norm("bn").synchronized is False
    with tf.distribute.MirroredStrategy(["CPU:0"]).scope():  # one replica: nothing to synchronise
        assert batch_norm("bn").synchronized is False


# --- a full disk keeps the previous checkpoint -----------------------------------------------------


def _state(size: int) -> dict:
    return {"weight": [np.arange(size, dtype=np.float32)]}


def test_a_full_disk_keeps_the_previous_checkpoint_on_a_real_small_filesystem(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    # Room for one checkpoint, not for the second one beside it (the atomic write needs both at once).
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.decode().strip() or 'not root'})")
    try:
        path = mount / CHECKPOINT_NAME
        save_state(path, _state(15_000), {"step": 1})
        with pytest.raises(SRLibError) as error:
            save_state(path, _state(15_000), {"step": 2})
        assert "no space left on the device" in str(error.value) and "\n" not in str(error.value)
        assert f"the previous {CHECKPOINT_NAME} is kept" in str(error.value)
        state, meta = load_state(path)
        assert meta["step"] == 1 and state["weight"][0].shape == (15_000,)
        assert [p.name for p in mount.iterdir()] == [CHECKPOINT_NAME]  # no temporary left behind
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_mid_run_stops_with_one_line_and_the_run_resumes(tmp_path, monkeypatch):
    images = generated_images(count=2, size=40)
    data = functools.partial(training_dataset, images, scale=2, patch_size=16, batch_size=4)
    options = dict(steps=10, scale=2, run_dir=tmp_path, steps_per_epoch=5, steps_per_execution=1, tensorboard=False,
                   progress=PlainProgress(stream=io.StringIO()), jit_compile=False)  # fmt: skip
    real_savez, calls = np.savez, []

    def savez(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # step 0 and epoch 1 are written; epoch 2 finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_savez(*args, **kwargs)

    monkeypatch.setattr(checkpoint_module.np, "savez", savez)
    with pytest.raises(SRLibError, match="no space left on the device to write .*checkpoint.npz; the previous"):
        train(FSRCNN(2, d=8, s=4, m=1), data, **options)
    assert load_state(tmp_path / CHECKPOINT_NAME)[1]["step"] == 5
    monkeypatch.setattr(checkpoint_module.np, "savez", real_savez)
    summary = train(FSRCNN(2, d=8, s=4, m=1), data, **options)
    assert summary["resumed_from"] == 5 and summary["step"] == 10


# --- several devices and several processes -----------------------------------------------------------


def _environment(**extra: str) -> dict:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO), **extra}


def _job(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.distributed_run", *args],
        cwd=REPO, env=env or _environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _finish(process: subprocess.Popen, timeout: float = TIMEOUT) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"a training process ran past {timeout} s:\n{output[-3000:]}")
    assert process.returncode == 0, output[-3000:]
    return output


@pytest.mark.slow
def test_mirrored_over_two_cpu_devices_reaches_one_device_s_weights_with_the_same_global_batch(tmp_path):
    _finish(_job("equal", str(tmp_path), "--cpu-devices", "2", "--steps", "10"))
    arrays = np.load(tmp_path / "equal.npz")
    for model in ("fsrcnn", "srgan"):  # SRGAN: two optimizers, losses over the global batch, synchronised BN
        assert float(arrays[f"moved_{model}_one"]) > 1e-4  # it really trained
        keys = sorted(k for k in arrays.files if k.startswith(f"{model}_one_"))
        assert keys
        for key in keys:
            np.testing.assert_allclose(arrays[key], arrays[key.replace("_one_", "_mirrored_")], atol=1e-5, err_msg=key)
    assert (tmp_path / "fsrcnn-mirrored" / BEST_MODEL_NAME).is_file()


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _workers(folder: Path, ports: list[int], steps: int, pause: float) -> list[subprocess.Popen]:
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    return [
        _job("worker", str(folder), "--steps", str(steps), "--pause", str(pause),
             env=_environment(TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})))
        for i in range(len(ports))
    ]  # fmt: skip


def _weights(path: Path) -> list[np.ndarray]:
    arrays = np.load(path)
    return [arrays[f"w_{i}"] for i in range(sum(k.startswith("w_") for k in arrays.files))]


def _assert_same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, atol=1e-6)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """Two worker processes trained 20 steps together, uninterrupted: the reference run."""
    folder = tmp_path_factory.mktemp("multiworker")
    for process in _workers(folder, _free_ports(2), steps=20, pause=0.0):
        _finish(process)
    return folder


@pytest.mark.slow
def test_two_workers_train_in_step_and_only_the_chief_writes_the_run_folder(two_workers):
    run = two_workers / "run"
    assert (run / BEST_MODEL_NAME).is_file() and (run / CHECKPOINT_NAME).is_file()
    assert sorted(p.name for p in run.iterdir() if not p.name.startswith(".")) == [BEST_MODEL_NAME, CHECKPOINT_NAME]
    chief, other = _weights(two_workers / "worker-0.npz"), _weights(two_workers / "worker-1.npz")
    _assert_same(chief, other)  # one model, two copies kept in step by the all-reduce
    assert load_state(run / CHECKPOINT_NAME)[1]["step"] == 20


@pytest.mark.slow
def test_killed_workers_resume_from_the_chief_s_checkpoint_and_end_where_an_uninterrupted_run_does(
    two_workers, tmp_path
):
    ports = _free_ports(2)
    processes = _workers(tmp_path, ports, steps=20, pause=0.15)
    checkpoint, deadline = tmp_path / "run" / CHECKPOINT_NAME, time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # wait for the chief's first checkpoint past step 0
        if checkpoint.is_file() and load_state(checkpoint)[1]["step"] >= 5:
            break
        assert all(p.poll() is None for p in processes), "a worker ended before it could be killed"
        time.sleep(0.2)
    processes[1].send_signal(signal.SIGKILL)  # one worker dies; the chief is stopped too, as a cluster restart does
    processes[0].send_signal(signal.SIGKILL)
    for process in processes:
        process.communicate(timeout=30)
    killed_at = load_state(checkpoint)[1]["step"]
    assert 5 <= killed_at < 20
    for process in _workers(tmp_path, _free_ports(2), steps=20, pause=0.0):
        output = _finish(process)
        assert f'"resumed_from": {killed_at}' in output
    _assert_same(_weights(tmp_path / "worker-0.npz"), _weights(tmp_path / "worker-1.npz"))
    _assert_same(_weights(tmp_path / "worker-0.npz"), _weights(two_workers / "worker-0.npz"))


# --- the command line -------------------------------------------------------------------------------


@pytest.mark.slow
def test_srlib_train_mirrored_and_multiworker_from_the_command_line(tmp_path, shared_datasets):
    srlib = [str(Path(sys.executable).with_name("srlib"))]
    common = ["train", str(REPO / "recipes" / "fsrcnn_x3.toml"), "--steps", "4", "--stage", "2-restart"]
    env = _environment(SRLIB_DATA=str(shared_datasets))
    mirrored = subprocess.run([*srlib, *common, "--run-dir", str(tmp_path / "m"), "--strategy", "mirrored",
                               "--cpu-devices", "2"], env=env, capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
    assert mirrored.returncode == 0, mirrored.stdout + mirrored.stderr
    assert "MirroredStrategy: 2 replicas, global batch 32 x 2" in mirrored.stdout
    assert (tmp_path / "m" / "1-scratch" / BEST_MODEL_NAME).is_file()
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    processes = [
        subprocess.Popen([*srlib, *common, "--run-dir", str(tmp_path / "w"), "--strategy", "multiworker"],
                         env={**env, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})},
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        for i in range(2)
    ]  # fmt: skip
    outputs = [_finish(p) for p in processes]
    assert "written by the chief" in outputs[1] and "written by the chief" not in outputs[0]
    assert (tmp_path / "w" / "2-restart" / BEST_MODEL_NAME).is_file()  # it started from 1-scratch's
    shutil.rmtree(tmp_path)


@pytest.mark.slow
def test_a_chapter_s_strategy_holds_for_every_model_built_after_it(tmp_path):
    code = """
import functools, io
from srlib.course.setup import use_strategy
from srlib.data.pipeline import training_dataset
from srlib.models.fsrcnn import FSRCNN
from srlib.train.callbacks import PlainProgress
from srlib.train.distribute import make_strategy, split_cpu
from srlib.train.engine import train
from tests.support.synthetic import generated_images
split_cpu(2)
strategy = make_strategy("mirrored")
assert use_strategy(strategy) == 2 and use_strategy(strategy) == 2  # a rerun cell changes nothing
model = FSRCNN(2, d=8, s=4, m=1)  # built in a later cell, without any scope in sight
assert model.distribute_strategy is strategy
data = functools.partial(training_dataset, generated_images(count=2, size=40), scale=2, patch_size=16, batch_size=2)
summary = train(model, data, steps=4, scale=2, run_dir=RUN_DIR, steps_per_epoch=2, tensorboard=False,
                progress=PlainProgress(stream=io.StringIO()))
print("trained", summary["step"])
""".replace("RUN_DIR", repr(str(tmp_path / "run")))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_environment(), capture_output=True, text=True,
                          timeout=TIMEOUT)  # fmt: skip
    assert done.returncode == 0 and "trained 4" in done.stdout, done.stdout + done.stderr[-3000:]
