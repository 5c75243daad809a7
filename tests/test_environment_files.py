"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies."""

from __future__ import annotations

import re

import tomllib
import yaml

from tools.notebooks import REPO

_SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$")


def _parse(requirement: str) -> tuple[str, str]:
    name, _extras, spec = _SPEC.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "").split(";")[0]


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("course", "dev"):
        reqs += [r for r in project["optional-dependencies"][extra] if not r.startswith("srlib")]
    return dict(_parse(r) for r in reqs)


def _environment() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps, pip_lines = {}, []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip_lines = item["pip"]
        elif not item.startswith(("python=", "pip")) or item.startswith("pip:"):
            deps.update([_parse(item)])
    for line in pip_lines:
        if not line.startswith("-e"):
            deps.update([_parse(line)])
    return deps, pip_lines


def test_same_packages_and_versions():
    deps, _ = _environment()
    assert deps == _pyproject()


def test_pip_section_installs_srlib_with_the_test_extras():
    _, pip_lines = _environment()
    assert "-e .[dev]" in pip_lines
