"""Verify the shipped designs and compare each verdict with the design's stated expectation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stork.design import DesignHeader, read_header
from stork.paths import DESIGNS_DIR
from stork.spin import PanOptions
from stork.verify import HOLDS, INCOMPLETE, VIOLATED, VerifyResult, verify


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
        if self.header.expect_holds is None or self.incomplete:
            return False
        if self.header.expect_holds:
            return all(r.verdict == HOLDS for r in self.result.results)
        return sorted(self.violated) == sorted(self.header.expect_violated)

    @property
    def states(self) -> int:
        return max((r.states for r in self.result.results), default=0)


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
