"""The ``srlib`` command: ``srlib.cli.main`` parses and dispatches; each sub-command has its own module."""
