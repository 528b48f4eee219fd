"""Verify the shipped designs and compare each verdict with the design's stated expectation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stork.design import DesignHeader, read_header
from stork.paths import DESIGNS_DIR
from stork.spin import PanOptions
from stork.verify import HOLDS, INCOMPLETE, VACUOUS, VIOLATED, VerifyResult, verify


@dataclass
class DesignOutcome:
    path: Path
    header: DesignHeader
    result: VerifyResult

    @property
    def violated(self) -> list[str]:
        return [r.prop.name for r in self.result.results if r.verdict == VIOLATED]

    @property
    def incomplete(self) -> list[str]:
        return [r.prop.name for r in self.result.results if r.verdict == INCOMPLETE]

    @property
    def matches(self) -> bool:
        """The verdicts are exactly what the header says, and every search was complete."""
        return matches(self.header, self.result)

    @property
    def states(self) -> int:
        return max((r.states for r in self.result.results), default=0)


def matches(header: DesignHeader, result: VerifyResult) -> bool:
    """The verdicts are exactly what the header's `expect:` says (design.DesignHeader)."""
    verdicts = [r.verdict for r in result.results]
    if header.expect_word == "holds":
        return all(v == HOLDS for v in verdicts)
    if header.expect_word == VACUOUS and header.expect_violated:
        vacuous = [r.prop.name for r in result.results if r.verdict == VACUOUS]
        rest = all(r.verdict in (HOLDS, VACUOUS) for r in result.results)
        return rest and sorted(vacuous) == sorted(header.expect_violated)
    if header.expect_word in (VACUOUS, INCOMPLETE):
        return all(v == header.expect_word for v in verdicts)
    if header.expect_word == "VIOLATED":
        violated = [r.prop.name for r in result.results if r.verdict == VIOLATED]
        rest = all(r.verdict in (header.expect_rest, VIOLATED) for r in result.results)
        return rest and sorted(violated) == sorted(header.expect_violated)
    return False


def shipped_designs() -> list[Path]:
    return sorted(DESIGNS_DIR.glob("*.pml"))


def verify_design(path: Path, opts: PanOptions | None = None) -> DesignOutcome:
    header = read_header(path)
    return DesignOutcome(path, header, verify(path, list(header.config), opts=opts))


def verify_all(paths: list[Path] | None = None, jobs: int = 2,
               opts: PanOptions | None = None) -> list[DesignOutcome]:
    paths = shipped_designs() if paths is None else paths
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda p: verify_design(p, opts), paths))
