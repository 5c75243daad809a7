"""srlib.cli.main: one module per sub-command, found in one table, and fd 2 captured while TensorFlow starts."""

from __future__ import annotations

import argparse
import importlib
import os

import pytest

from srlib.cli.main import COMMANDS, main
from srlib.quiet import native_stderr_captured


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_module_registers_its_own_name_and_runner(name):
    module = importlib.import_module(COMMANDS[name])
    subparsers = argparse.ArgumentParser(prog="srlib").add_subparsers(dest="command")
    assert module.register(subparsers) is None
    assert list(subparsers.choices) == [name]
    assert subparsers.choices[name].get_default("run") is module.run


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS) and "--verbose" in out


def test_an_unknown_command_is_refused_with_the_list(capsys):
    with pytest.raises(SystemExit) as done:
        main(["evalute"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'evalute'" in err and "evaluate" in err


def test_native_writes_to_fd_2_are_captured_and_can_be_replayed(capfd):
    with native_stderr_captured() as captured:
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on.\n")
    assert capfd.readouterr().err == ""
    assert captured.text == "I0000 port.cc:153] oneDNN custom operations are on.\n"
    captured.replay()
    assert capfd.readouterr().err == captured.text
    os.write(2, b"after\n")  # the descriptor is back where it was
    assert capfd.readouterr().err == "after\n"
