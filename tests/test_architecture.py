"""srlib's architecture: layers depend one way only, and no modules import each other in a cycle.

Layer order, lowest first (``docs/architecture.md``)::

    errors, files, profiles, quiet, seeding < image < metrics < data < models < losses < eval < infer < train < bench
    < viz < course < cli

Imports inside functions count too: a deferred import is still a dependency a reader
has to follow, and a cycle hidden behind one is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import srlib

PACKAGE = Path(srlib.__file__).parent
ORDER = ["image", "metrics", "data", "models", "losses", "eval", "infer", "train", "bench", "viz", "course", "cli"]
LAYERS = {"errors": 0, "files": 0, "profiles": 0, "quiet": 0, "seeding": 0} | {
    name: rank for rank, name in enumerate(ORDER, start=1)
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "srlib" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute ``srlib`` module a file imports, at any depth, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from srlib.viz import panels` imports the module srlib.viz.panels
            found.extend(
                (node.lineno, f"{node.module}.{a.name}") for a in node.names if f"{node.module}.{a.name}" in MODULES
            )
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, module) for line, module in found if module.split(".")[0] == "srlib"]


def _graph() -> dict[str, set[str]]:
    return {name: {m for _, m in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_no_module_imports_a_higher_layer():
    violations = []
    for name, path in MODULES.items():
        own = _layer(name)
        if own is None:  # srlib/__init__.py: the learner's façade may name any layer
            continue
        for line, module in _imports(path):
            target = _layer(module)
            if target is not None and target > own:
                violations.append(f"{name}:{line} imports {module}")
    assert violations == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    # A package's __init__ naming its own submodules lazily is not a cycle: only real imports count.
    graph = {name: {m for m in deps if not name.startswith(m + ".")} for name, deps in _graph().items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_subpackage_has_a_layer():
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert subpackages | modules <= set(LAYERS)


def test_the_installed_package_assumes_no_checkout():
    # The wheel has no repository around it: no parents[N] walks to find one.
    offenders = [name for name, path in MODULES.items() if "parents[" in path.read_text(encoding="utf-8")]
    assert offenders == []


# Where an import inside a function is the point: srlib.quiet imports TensorFlow with its start-up
# lines captured, and the CLI imports the chosen sub-command only after configuring that.
DEFERRED_IMPORTS_ALLOWED = {"srlib.quiet", "srlib.cli.main"}
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 450


def _reference_solutions() -> set[tuple[str, str]]:
    """The exercises' reference solutions: ``solution(id)`` prints them to paste, so they carry their imports."""
    from srlib.course import exercises

    references = (exercises.get(i).reference for i in exercises.exercise_ids())
    return {(f.__module__, f.__name__) for f in references}


def _function_level_imports(name: str, path: Path, exempt: set[tuple[str, str]]) -> list[str]:
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (name, node.name) in exempt:
            continue
        found += [f"{name}:{n.lineno}" for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found


def test_imports_are_at_the_top_of_each_module():
    exempt = _reference_solutions()
    found = [
        where
        for name, path in MODULES.items()
        if name not in DEFERRED_IMPORTS_ALLOWED
        for where in _function_level_imports(name, path, exempt)
    ]
    assert found == []


def test_the_import_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\n\ndef f():\n    import json\n    return json\n")
    assert _function_level_imports("m", module, set()) == ["m:5"]
    assert _function_level_imports("m", module, {("m", "f")}) == []


def test_functions_and_modules_stay_short():
    too_long = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert too_long == []
