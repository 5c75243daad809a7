"""The ``srlib`` command: parse the command line, then run one sub-command.

Each sub-command lives in its own module of :mod:`srlib.cli`, listed once in
:data:`COMMANDS`. A sub-command module exposes ``register(subparsers) -> None``, which adds
its parser and ``set_defaults(run=run)``, and ``run(args) -> int``, the exit status. Every
bad-input error is an :class:`~srlib.errors.SRLibError`, printed as one line
``srlib: error: ...`` with exit status 2 and no traceback.

Why :func:`main` imports the sub-command modules inside a function (the one place in srlib
that does): those modules import TensorFlow at their top when they need it, and TensorFlow
writes C++ log lines to the terminal while it loads and first probes its devices, lines
that ``TF_CPP_MIN_LOG_LEVEL`` cannot stop (:mod:`srlib.quiet` says why). So ``main``
sets ``TF_CPP_MIN_LOG_LEVEL`` first, then imports the chosen command's module and probes
the devices while file descriptor 2 is captured; the captured lines are replayed only if
the command crashes. ``srlib --verbose ...`` captures and filters nothing. Importing only
the chosen command's module also spares ``srlib data list`` the TensorFlow start-up.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from srlib.errors import SRLibError
from srlib.quiet import Captured, native_stderr_captured, probe_tensorflow_devices, quiet_environment

__all__ = ["COMMANDS", "build_parser", "main"]

# Every sub-command, in the order `srlib --help` lists them: command name -> its module.
COMMANDS = {
    "evaluate": "srlib.cli.evaluate",
    "upscale": "srlib.cli.upscale",
    "degrade": "srlib.cli.degrade",
    "bench": "srlib.cli.bench",
    "train": "srlib.cli.train",
    "data": "srlib.cli.data",
    "doctor": "srlib.cli.doctor",
    "pack": "srlib.cli.pack",
    "niqe-official": "srlib.cli.niqe_official",
}


def _peek(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(``--verbose`` given, the sub-command's name or None), read from the options before it."""
    verbose = False
    for token in argv:
        if token == "--verbose":
            verbose = True
        elif not token.startswith("-"):
            return verbose, token
    return verbose, None


def _import_commands(names: Sequence[str], *, verbose: bool) -> tuple[list[ModuleType], Captured]:
    """Import the sub-command modules; unless ``verbose``, with TensorFlow's start-up lines captured."""
    if verbose:
        return [importlib.import_module(COMMANDS[name]) for name in names], Captured()
    quiet_environment()
    captured = Captured()
    try:
        with native_stderr_captured() as captured:
            modules = [importlib.import_module(COMMANDS[name]) for name in names]
            probe_tensorflow_devices()
    except BaseException:
        captured.replay()  # a broken installation: what TensorFlow said is the explanation
        raise
    return modules, captured


def build_parser(modules: Sequence[ModuleType] | None = None) -> argparse.ArgumentParser:
    """The ``srlib`` parser with the sub-commands of ``modules`` (default: all of :data:`COMMANDS`)."""
    if modules is None:
        modules, _ = _import_commands(list(COMMANDS), verbose=False)
    parser = argparse.ArgumentParser(prog="srlib", description="Tools of the super-resolution course.")
    parser.add_argument(
        "--verbose", action="store_true", help="show TensorFlow's own log lines (hidden unless a command crashes)"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in modules:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``srlib ARGV``; returns the exit status (0 done, 2 bad input, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose, name = _peek(argv)
    names = [name] if name in COMMANDS else list(COMMANDS)  # help or a typo: list every command
    modules, captured = _import_commands(names, verbose=verbose)
    args = build_parser(modules).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SRLibError as exc:
        print(f"srlib: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("srlib: interrupted", file=sys.stderr)
        return 130
    except Exception:
        captured.replay()  # a crash: TensorFlow's start-up lines may explain it
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
