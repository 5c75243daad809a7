"""The learner's namespace: chapters import from a few package-level places, and every name they import exists.

Read from the notebook files, without executing them, so a name moved inside srlib that a chapter
still imports from its old place fails here in seconds rather than in a chapter's headless run.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import nbformat
import pytest

from tools.notebooks import notebooks

# The places a chapter imports from (issue #18): the façade and the packages, never their modules.
LEARNER_NAMESPACES = {
    "srlib",
    "srlib.course",
    "srlib.data",
    "srlib.eval",
    "srlib.image",
    "srlib.image.degrade",
    "srlib.infer",
    "srlib.losses",
    "srlib.metrics",
    "srlib.models",
    "srlib.train",
    "srlib.viz",
}
NOTEBOOKS = notebooks()


def _srlib_imports(path) -> list[tuple[str, list[str]]]:
    """``(module, [names])`` of every ``from srlib... import`` in the notebook's code cells."""
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "srlib":
                found.append((node.module, [alias.name for alias in node.names]))
            elif isinstance(node, ast.Import):
                found += [(alias.name, []) for alias in node.names if alias.name.split(".")[0] == "srlib"]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapters_import_from_the_learner_namespaces_only(path):
    modules = {module for module, _ in _srlib_imports(path)}
    assert modules <= LEARNER_NAMESPACES, (
        f"import these from their package instead: {sorted(modules - LEARNER_NAMESPACES)}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_name_a_chapter_imports_exists(path):
    missing = []
    for module, names in _srlib_imports(path):
        package = importlib.import_module(module)
        missing += [f"{module}.{name}" for name in names if not hasattr(package, name)]
    assert missing == []


@pytest.mark.parametrize("package", sorted(LEARNER_NAMESPACES))
def test_every_exported_name_loads(package):
    module = importlib.import_module(package)
    broken = []
    for name in module.__all__:
        try:
            getattr(module, name)
        except (AttributeError, ImportError) as exc:
            broken.append(f"{name}: {exc}")
    assert broken == []


def test_the_facade_is_quick_to_import():
    # The façade names what a chapter needs most; TensorFlow loads only when one of those names is used.
    code = "import sys, srlib; print('tensorflow' in sys.modules, callable(srlib.imresize), callable(srlib.psnr_y))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["False", "True", "True"]
