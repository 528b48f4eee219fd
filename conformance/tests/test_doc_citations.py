"""The pages' citations of a scenario's line (`preempt_signal_before_return.c:34 x->inside ...`,
`storahci.c:30`) point at the line they mean: it exists and is code, and where the citation
quotes the audit's write line (`NAME.c:N LVALUE [ext+0x...]`) the line holds that lvalue.  A
scenario edited above a cited line moves it; this is where the page is told."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

SCENARIOS = ROOT / "c-harness" / "check" / "scenarios"
PAGES = ["README.md", "docs/*.md", "spec/*.md", "conformance/case-studies/*.md"]
CITATION = re.compile(r"\b([a-z][a-z0-9_]*\.c):(\d+)(?: (\S+) \[ext\+0x[0-9a-f]+\])?")


def stale_citations(text: str, page: str, scenarios: Path) -> list[str]:
    out = []
    for m in CITATION.finditer(text):
        name, n, lvalue = m.group(1), int(m.group(2)), m.group(3)
        source = scenarios / name
        if not source.is_file():
            continue                # an example's name (restart.c), not a shipped scenario
        lines = source.read_text().splitlines()
        code = lines[n - 1].strip() if 0 < n <= len(lines) else ""
        if not code or code.startswith(("/*", "*", "//")):
            out.append(f"{page}: {name}:{n} is not a line of code")
        elif lvalue and lvalue not in code:
            out.append(f"{page}: {name}:{n} does not write {lvalue}: {code}")
    return out


def test_cited_scenario_lines_are_the_lines_meant() -> None:
    stale = []
    for pattern in PAGES:
        for page in sorted(ROOT.glob(pattern)):
            stale += stale_citations(page.read_text(), page.relative_to(ROOT).as_posix(), SCENARIOS)
    assert stale == []


def test_a_citation_one_line_off_is_found(tmp_path: Path) -> None:
    (tmp_path / "s.c").write_text("struct ext {\n    int inside;\n};\n\n    x->inside = 0;\n")
    assert stale_citations("`s.c:5 x->inside [ext+0x8] = 0`", "p", tmp_path) == []
    assert stale_citations("`s.c:2 x->inside [ext+0x8] = 0`", "p", tmp_path) == [
        "p: s.c:2 does not write x->inside: int inside;"]
    assert stale_citations("at s.c:4, and s.c:9", "p", tmp_path) == [
        "p: s.c:4 is not a line of code", "p: s.c:9 is not a line of code"]
