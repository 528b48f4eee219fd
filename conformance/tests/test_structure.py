"""The shape of the tree a newcomer finds (issue 15's Structure list): a page under docs/ for
each command, a LICENSE, a README short enough to read to the end, and test inputs in one
place with small fuzz corpora. (The help's order and length, the quick start and the exit
statuses are test_readme.py's and test_exit_status.py's.)"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT
from stork import commands

DOCS = ROOT / "docs"
# The README: what stork is, the quick start, the map, one example per command (about 150).
README_MOST_LINES = 155
# A fuzz corpus is its named seeds and the finds that reach an edge the others do not,
# minimised with -merge=1 (testdata/README.md); past this it wants merging again.
FUZZ_MOST_FILES = 200
# Files that are test inputs (traces, packs, malformed traces' sidecars).
INPUT_SUFFIXES = (".trace", ".pack", ".expect")
# Where they may be: the test inputs, and the shipped corpus (the product, not a test's input).
INPUT_HOMES = ("testdata", "conformance/traces")


def commands_of_pages(docs: Path) -> dict[str, list[str]]:
    """Each command named in a page's title (`# stork gen, coverage, ...`), with its pages."""
    found: dict[str, list[str]] = {}
    for page in sorted(docs.glob("*.md")):
        title = page.read_text().split("\n", 1)[0]
        if "stork " not in title:
            continue
        for word in re.findall(r"[a-z][a-z-]*", title.split("stork ", 1)[1]):
            if word.replace("-", "_") in commands.ORDER:
                found.setdefault(word.replace("-", "_"), []).append(page.name)
    return found


def test_each_command_has_one_page_under_docs() -> None:
    pages = commands_of_pages(DOCS)
    assert sorted(pages) == sorted(commands.ORDER), set(commands.ORDER) ^ set(pages)
    assert all(len(p) == 1 for p in pages.values()), pages


def test_a_command_without_a_page_is_found(tmp_path: Path) -> None:
    for page in DOCS.glob("*.md"):
        if page.name != "demo.md":
            (tmp_path / page.name).write_text(page.read_text())
    assert "demo" not in commands_of_pages(tmp_path)


def test_the_readme_is_short_and_names_the_license() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MOST_LINES
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "`LICENSE`" in readme
    for page in DOCS.glob("*.md"):               # the map names every page
        assert f"`{page.name}`" in readme, page.name


def misplaced_inputs(root: Path) -> list[str]:
    """Test inputs outside their homes (the build folder and .git aside)."""
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if rel.split("/", 1)[0] in ("build", ".git") or p.suffix not in INPUT_SUFFIXES:
            continue
        if not any(rel.startswith(h + "/") for h in INPUT_HOMES):
            out.append(rel)
    return sorted(out)


def test_test_inputs_live_under_testdata(tmp_path: Path) -> None:
    assert misplaced_inputs(ROOT) == []
    (tmp_path / "testdata").mkdir()
    (tmp_path / "testdata" / "a.trace").write_text("")
    (tmp_path / "c-harness").mkdir()
    (tmp_path / "c-harness" / "b.trace").write_text("")
    assert misplaced_inputs(tmp_path) == ["c-harness/b.trace"]


def test_fuzz_corpora_stay_small() -> None:
    corpora = [d for d in sorted((ROOT / "testdata" / "fuzz").iterdir()) if d.is_dir()]
    assert {d.name for d in corpora} == {"trace", "pack"}
    sizes = {d.name: sum(1 for _ in d.iterdir()) for d in corpora}
    assert all(10 <= n <= FUZZ_MOST_FILES for n in sizes.values()), sizes
