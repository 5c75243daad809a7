"""The README and docs/ stay short, linked and true to the numbers they quote.

- README.md is at most 8 KB and names the test command CI runs (``.ci/run``);
- every relative link in README.md and docs/*.md reaches a file (and a heading, for ``#anchors``);
- the course map links each chapter's notebook and quotes its run times from ``srlib/course/runtimes.json``;
- the results table quotes each shipped weight's PSNR/SSIM as its JSON file records them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
README_LIMIT = 8192  # bytes
RUNTIMES = REPO / "srlib" / "course" / "runtimes.json"
WEIGHTS = REPO / "srlib" / "models" / "weights"

LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)

# README results rows -> (weights name, scale) in srlib/models/weights/<name>_x<scale>.json
SHIPPED_ROWS = {
    "SRCNN 9-5-5 ×3": ("srcnn-9-5-5", 3),
    "ESPCN ×3": ("espcn", 3),
    "FSRCNN ×2": ("fsrcnn", 2),
    "FSRCNN ×3": ("fsrcnn", 3),
    "FSRCNN ×4": ("fsrcnn", 4),
    "SRResNet ×4": ("srresnet", 4),
    "SRGAN-MSE ×4": ("srgan", 4),
}


def _prose(markdown: str) -> str:
    """The text outside code blocks and inline code, where links are links."""
    return INLINE_CODE.sub("", FENCE.sub("", markdown))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = INLINE_CODE.sub(lambda m: m.group(0).strip("`"), heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(h) for h in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8")))}


def broken_links(path: Path) -> list[str]:
    """Relative links in one Markdown file whose file (or heading) does not exist."""
    broken = []
    for target in LINK.findall(_prose(path.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{path.name}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{path.name}: {target} (no such heading)")
    return broken


def _table(markdown: str, first_header: str) -> list[dict[str, str]]:
    """The body rows of the first table whose header starts with ``first_header``, keyed by column."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"| {first_header} |"):
            columns = _cells(line)
            rows = []
            for body in lines[i + 2 :]:
                if not body.startswith("|"):
                    break
                rows.append(dict(zip(columns, _cells(body))))
            return rows
    raise AssertionError(f"README.md has no table starting with '| {first_header} |'")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _readme_runtime(seconds: float) -> str:
    """How the course map writes a measured run time: whole seconds below a minute, else minutes to 0.1."""
    return f"{round(seconds)} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def test_readme_is_at_most_8_kb():
    size = len(README.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; move detail to docs/ to get under {README_LIMIT}"


def test_docs_folder_has_the_pages_the_readme_promises():
    names = {p.name for p in DOCS}
    assert {"architecture.md", "evaluation.md", "models.md", "performance.md", "training-log.md"} <= names


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.name)
def test_relative_links_reach_a_file(path):
    broken = broken_links(path)
    assert not broken, "broken links: " + "; ".join(broken)


def test_link_check_reports_missing_files_and_headings(tmp_path):
    (tmp_path / "there.md").write_text("# A heading\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok](there.md#a-heading) [web](https://example.org/x) `[code](nowhere.md)`\n"
        "[gone](missing.md) [no heading](there.md#other)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["page.md: missing.md (no such file)", "page.md: there.md#other (no such heading)"]


def test_readme_names_the_ci_test_command():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"^\s*(make\s+[\w-]+)", script, re.M)
    assert commands, ".ci/run calls no make target; update this test with the command CI runs"
    readme = README.read_text(encoding="utf-8")
    for command in commands:
        assert re.search(rf"(^|`){re.escape(command)}(\s|`|$)", readme, re.M), f"README.md does not show `{command}`"


def test_course_map_links_every_chapter_with_its_measured_run_times():
    runtimes = json.loads(RUNTIMES.read_text(encoding="utf-8"))
    rows = _table(README.read_text(encoding="utf-8"), "chapter")
    assert [row["chapter"][1:3] for row in rows] == sorted(runtimes), "course map: one row per chapter, in order"
    for row in rows:
        link = re.fullmatch(r"\[(\d\d) [^\]]+\]\((notebooks/(\d\d)_\w+\.ipynb)\)", row["chapter"])
        assert link and link.group(1) == link.group(3), f"course map: {row['chapter']} is not a chapter link"
        assert (REPO / link.group(2)).is_file(), f"course map: {link.group(2)} does not exist"
        for profile in ("smoke", "workshop"):
            expected = _readme_runtime(runtimes[link.group(1)][profile])
            assert row[profile] == expected, (
                f"chapter {link.group(1)} {profile}: README {row[profile]}, runtimes.json {expected}"
            )


def test_results_table_quotes_the_shipped_weights():
    rows = {row["model"]: row for row in _table(README.read_text(encoding="utf-8"), "model")}
    assert set(SHIPPED_ROWS) <= set(rows), f"README results table lacks {sorted(set(SHIPPED_ROWS) - set(rows))}"
    for label, (name, scale) in SHIPPED_ROWS.items():
        measured = json.loads((WEIGHTS / f"{name}_x{scale}.json").read_text(encoding="utf-8"))["measured"]
        for dataset in ("Set5", "Set14"):
            ours = re.match(r"(\d+\.\d\d) / (\.\d{4})", rows[label][dataset])
            assert ours, f"README {label} {dataset}: no 'PSNR / SSIM' in {rows[label][dataset]!r}"
            psnr, ssim = measured[dataset]["psnr"], measured[dataset]["ssim"]
            assert ours.group(1) == f"{psnr:.2f}", f"README {label} {dataset} PSNR {ours.group(1)}, JSON {psnr}"
            assert ours.group(2) == f"{ssim:.4f}"[1:], f"README {label} {dataset} SSIM {ours.group(2)}, JSON {ssim}"
