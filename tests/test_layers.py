"""srlib's layers depend one way only: a module never imports from a higher layer.

1 image < 2 metrics < 3 data < 4 models < 5 train < 6 ui; ``errors`` and ``profiles``
sit below everything. Imports inside functions count too: a lazy import is still
a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import srlib

PACKAGE = Path(srlib.__file__).parent
LAYERS = {"errors": 0, "profiles": 0, "image": 1, "metrics": 2, "data": 3, "models": 4, "train": 5, "ui": 6}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "srlib" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_no_module_imports_a_higher_layer():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        own = _layer(".".join(relative.parts))
        if own is None:  # srlib/__init__.py: the public façade may re-export any layer
            continue
        for line, module in _imports(path):
            target = _layer(module)
            if target is not None and target > own:
                violations.append(f"{relative}:{line} imports {module}")
    assert violations == []


def test_every_subpackage_has_a_layer():
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert subpackages | modules <= set(LAYERS)
