"""The course's notebooks as files: find, keep clean, execute and render them.

Notebooks in git are *clean*: no execution counts, no outputs, no widget state,
only the kernelspec and language metadata — except cells marked
``# NBVAL_CHECK_OUTPUT``, whose committed output is the expected, deterministic
result: tests/test_notebooks.py executes each chapter once and compares those
cells' new outputs with the committed ones (:func:`check_output_differences`;
the pyro ``--nbval-lax`` practice, without a second execution by nbval).

``python -m tools.notebooks check [NB...]``   fail on stray outputs or metadata (default: every notebook)
``python -m tools.notebooks clean [NB...]``   strip them (keeps check-cell outputs)
``python -m tools.notebooks record NB``  execute NB (smoke) and store check-cell outputs
``python -m tools.notebooks build``   execute every chapter into build/ and render HTML
``python -m tools.notebooks measure NB...``  execute chapters per profile and record their run times

Maintainer tooling: it lives beside the package, not in it, and assumes a checkout.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from srlib.course.setup import record_runtimes
from srlib.profiles import PROFILES

__all__ = [
    "CHECK_MARK",
    "chapters",
    "notebooks",
    "hygiene_problems",
    "clean_notebook",
    "execute_notebook",
    "record_check_outputs",
    "check_output_differences",
    "render_html",
    "build_course",
    "measure_runtimes",
]

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
KEEP_METADATA = {"kernelspec", "language_info"}
KEEP_CELL_METADATA = {"tags", "jupyter"}  # 'parameters' tag; collapsed solution cells
# Output parts a check does not compare, as nbval does: pictures (pixels differ across library
# versions) and widget ids (random). Streams compare by name, rich outputs by MIME type.
UNCOMPARED_MIME = {"image/png", "image/jpeg", "image/svg+xml", "application/vnd.jupyter.widget-view+json"}
REPO = Path(__file__).resolve().parents[1]


def chapters(folder: Path | None = None) -> list[Path]:
    """The chapter notebooks in order (``NN_name.ipynb``)."""
    folder = folder or REPO / "notebooks"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def notebooks(folder: Path | None = None) -> list[Path]:
    """Every notebook in git: the chapters and their solutions (not Jupyter's checkpoints)."""
    folder = folder or REPO / "notebooks"
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _is_check_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and CHECK_MARK in "".join(cell.get("source", ""))


def hygiene_problems(path: Path) -> list[str]:
    """Everything that makes ``path`` not clean, one message each (empty when clean)."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    extra = set(nb.metadata) - KEEP_METADATA
    if extra:
        problems.append(f"{path.name}: notebook metadata {sorted(extra)} should be removed")
    for index, cell in enumerate(nb.cells):
        where = f"{path.name} cell {index}"
        extra_cell = set(cell.get("metadata", {})) - KEEP_CELL_METADATA
        if extra_cell:
            problems.append(f"{where}: cell metadata {sorted(extra_cell)} should be removed")
        if cell.cell_type != "code":
            continue
        # A check cell with outputs keeps execution count 1 (nbval's old requirement; kept so the
        # committed chapters stay byte-for-byte as they are). Every other count is stray.
        if cell.get("execution_count") is not None and not (_is_check_cell(cell) and cell.get("outputs")):
            problems.append(f"{where}: has an execution count")
        if cell.get("outputs") and not _is_check_cell(cell):
            problems.append(f"{where}: has outputs (only '{CHECK_MARK}' cells keep theirs)")
    return problems


def clean_notebook(path: Path) -> bool:
    """Strip outputs (except check cells), counts and metadata; True if the file changed."""
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_METADATA}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.get("metadata", {}).items() if k in KEEP_CELL_METADATA}
        if cell.cell_type != "code":
            continue
        if not _is_check_cell(cell):
            cell.outputs = []
        # Check cells with outputs keep execution count 1 (see hygiene_problems).
        cell.execution_count = 1 if _is_check_cell(cell) and cell.outputs else None
        for output in cell.outputs:
            if output.get("output_type") in ("execute_result", "display_data"):
                output["metadata"] = {}
            if output.get("output_type") == "execute_result":
                output["execution_count"] = None
    after = nbformat.writes(nb)
    if not after.endswith("\n"):
        after += "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def execute_notebook(path: Path, output: Path, profile: str = "smoke", timeout: int = 1800) -> float:
    """Run ``path`` with papermill (``PROFILE=profile``) into ``output``; returns seconds taken.

    Training runs go to an empty temporary ``SRLIB_RUNS``, so a finished run left
    in the learner's cache cannot make the measured time too short.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    output.parent.mkdir(parents=True, exist_ok=True)
    previous_runs = os.environ.get("SRLIB_RUNS")
    with tempfile.TemporaryDirectory(prefix="srlib-runs-") as runs:
        os.environ["SRLIB_RUNS"] = runs  # the kernel inherits this process's environment
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(path),
                str(output),
                parameters={"PROFILE": profile},
                cwd=str(path.parent),
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=timeout,
                # Without saved widget state, rendered HTML shows each widget's static PNG twin.
                store_widget_state=False,
            )
        finally:
            if previous_runs is None:
                os.environ.pop("SRLIB_RUNS", None)
            else:
                os.environ["SRLIB_RUNS"] = previous_runs
        return time.perf_counter() - start


def _code_cells_by_source(executed: NotebookNode) -> dict[str, NotebookNode]:
    # papermill inserts an 'injected-parameters' cell after the parameters cell; match cells by source.
    return {"".join(c.source): c for c in executed.cells if c.cell_type == "code"}


def record_check_outputs(path: Path, profile: str = "smoke") -> int:
    """Execute ``path`` and store the outputs of its check cells as the expected ones."""
    with tempfile.TemporaryDirectory() as tmp:
        executed_path = Path(tmp) / path.name
        execute_notebook(path, executed_path, profile)
        executed = nbformat.read(executed_path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    by_source = _code_cells_by_source(executed)
    recorded = 0
    for cell in nb.cells:
        if _is_check_cell(cell):
            cell.outputs = by_source["".join(cell.source)].outputs
            recorded += 1
    nbformat.write(nb, path)
    clean_notebook(path)
    return recorded


def _comparable(outputs: Sequence[NotebookNode]) -> dict[str, list[str]]:
    """A cell's outputs as a check compares them: each stream's whole text, each MIME type's values."""
    parts: dict[str, list[str]] = {}
    for output in outputs:
        if output.output_type == "stream":
            # How a stream is split into outputs depends on flush timing, so its text is joined.
            parts.setdefault(output.name, [""])[0] += output.text
        elif output.output_type == "error":
            parts.setdefault("error", []).append(f"{output.ename}: {output.evalue}")
        else:
            for mime, value in output.get("data", {}).items():
                if mime not in UNCOMPARED_MIME:
                    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                    parts.setdefault(mime, []).append(text)
    return parts


def check_output_differences(committed: NotebookNode, executed: NotebookNode) -> list[str]:
    """How each check cell's output in ``executed`` differs from the committed one (empty when all agree)."""
    by_source = _code_cells_by_source(executed)
    problems = []
    for index, cell in enumerate(committed.cells):
        if not _is_check_cell(cell):
            continue
        lines = [line for line in "".join(cell.source).splitlines() if line.strip() and CHECK_MARK not in line]
        first_line = lines[0] if lines else CHECK_MARK
        ran = by_source.get("".join(cell.source))
        if ran is None:
            problems.append(f"check cell {index} ({first_line}) is missing from the executed notebook")
            continue
        expected, got = _comparable(cell.outputs), _comparable(ran.outputs)
        if expected != got:
            diff = difflib.unified_diff(
                json.dumps(expected, indent=1).splitlines(),
                json.dumps(got, indent=1).splitlines(),
                "committed",
                "now",
                lineterm="",
            )
            problems.append(f"check cell {index} ({first_line}) changed its output:\n" + "\n".join(diff))
    return problems


def render_html(executed: Path, html: Path) -> None:
    """Render an executed notebook to a standalone HTML page."""
    body, _ = HTMLExporter().from_filename(str(executed))
    html.write_text(body, encoding="utf-8")


def build_course(
    out_dir: Path, profile: str = "workshop", notebooks: Sequence[Path] | None = None, record: bool = True
) -> list[tuple[str, float]]:
    """Execute every chapter into ``out_dir`` and render each to HTML; returns (chapter, seconds).

    With ``record`` the measured times go into ``srlib/course/runtimes.json``, which the
    chapters' setup cells and ``srlib doctor`` report.
    """
    timings = []
    for path in notebooks or chapters():
        executed = out_dir / path.name
        seconds = execute_notebook(path, executed, profile)
        render_html(executed, out_dir / (path.stem + ".html"))
        timings.append((path.stem, seconds))
        print(f"{path.stem}: {seconds:.0f} s ({profile})", flush=True)
    if record:
        record_runtimes(timings, profile)
    return timings


def measure_runtimes(notebooks: Sequence[Path], profiles: Sequence[str]) -> None:
    """Execute each chapter once per profile and record its run time in ``srlib/course/runtimes.json``."""
    for profile in profiles:
        timings = []
        for path in notebooks:
            with tempfile.TemporaryDirectory() as tmp:
                seconds = execute_notebook(path, Path(tmp) / path.name, profile)
            timings.append((path.stem, seconds))
            print(f"{path.stem}: {seconds:.1f} s ({profile})", flush=True)
        record_runtimes(timings, profile)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="fail if a notebook has stray outputs or metadata")
    check.add_argument("notebooks", type=Path, nargs="*", help="default: every notebook under notebooks/")
    clean = sub.add_parser("clean", help="strip stray outputs and metadata")
    clean.add_argument("notebooks", type=Path, nargs="*", help="default: every notebook under notebooks/")
    record = sub.add_parser("record", help="execute a notebook and store its check-cell outputs")
    record.add_argument("notebook", type=Path)
    build = sub.add_parser("build", help="execute every chapter and render HTML")
    build.add_argument("--profile", default=os.environ.get("SRLIB_PROFILE", "workshop"))
    build.add_argument("--out", type=Path, default=REPO / "build")
    measure = sub.add_parser("measure", help="execute chapters with papermill and record their run times")
    measure.add_argument("notebooks", type=Path, nargs="+")
    measure.add_argument("--profiles", nargs="+", default=["smoke", "workshop"], choices=PROFILES)
    args = parser.parse_args(argv)

    if args.command == "check":
        paths = args.notebooks or notebooks()
        problems = [p for nb in paths for p in hygiene_problems(nb)]
        print("\n".join(problems) or f"{len(paths)} notebooks are clean")
        return 1 if problems else 0
    if args.command == "clean":
        for nb in args.notebooks or notebooks():
            if clean_notebook(nb):
                print(f"cleaned {nb.name}")
        return 0
    if args.command == "record":
        print(f"recorded {record_check_outputs(args.notebook)} check cells in {args.notebook.name}")
        return 0
    if args.command == "measure":
        measure_runtimes(args.notebooks, args.profiles)
        return 0
    build_course(args.out, args.profile)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
