"""Verify the shipped designs and compare each verdict with the design's stated expectation.

The shipped designs are the files in model/designs/ and the variants model/designs/variants.txt
derives from them: a base built with defect switches (-D), each with an expectation of its
own, as c-harness/impl/mutants/mutants.txt derives the runtime's mutants from one reference."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stork.design import DesignError, DesignHeader, read_header, set_expectation
from stork.expect import ExpectError, parse, split_hosts
from stork.paths import DESIGNS_DIR
from stork.spin import PanOptions
from stork.variants import read_variants
from stork.verify import HOLDS, INCOMPLETE, VACUOUS, VIOLATED, VerifyResult, verify


VARIANTS = DESIGNS_DIR / "variants.txt"


@dataclass
class Shipped:
    name: str                  # the file's stem, or the variant's name
    path: Path                 # the file verify reads (a variant's base)
    defines: list[str]         # the base's config: and the variant's switches
    header: DesignHeader       # what it must give


@dataclass
class DesignOutcome:
    path: Path
    header: DesignHeader       # what it must give under `host`
    result: VerifyResult
    name: str = ""
    host: str = "windows"

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


def variants() -> list[Shipped]:
    """model/designs/variants.txt, each line a variant of a base design."""
    out = []
    for v in read_variants(VARIANTS, ".pml"):
        if v.options:
            raise DesignError(f"{VARIANTS}:{v.line}: audit: options are for a scenario's "
                              "variant; a design's variant has only its switches")
        header = header_of_expect(v.expect, read_header(v.base).config, f"{VARIANTS}:{v.line}")
        out.append(Shipped(v.name, v.base, header.config + v.switches, header))
    return out


def header_of_expect(expect: str, config: list[str], where: str) -> DesignHeader:
    """A header whose expectation is `expect` (the words after `expect:`, at `where`, with
    its `expect on HOST:` ones)."""
    head = DesignHeader(config=list(config))
    try:
        own, head.on_host = split_hosts(expect, where)
        set_expectation(head, parse(own, "design", where))
    except ExpectError as e:
        raise DesignError(str(e)) from None
    return head


def shipped_designs() -> list[Shipped]:
    files = [Shipped(p.stem, p, list(read_header(p).config), read_header(p))
             for p in sorted(DESIGNS_DIR.glob("*.pml"))]
    return sorted(files + variants(), key=lambda s: s.name)


def variant_of(path: Path, defines: list[str]) -> Shipped | None:
    """The variant that verifying `path` with exactly these -D is, if there is one."""
    for v in variants():
        if v.path.resolve() == path.resolve() and sorted(v.defines) == sorted(defines):
            return v
    return None


def verify_design(design: Shipped, opts: PanOptions | None = None,
                  host: str = "windows") -> DesignOutcome:
    """The design verified under `host`, with what its header says it gives there."""
    header = design.header.for_host(host)
    if header is None:
        raise DesignError(f"{design.name}: no `expect on {host}:` line")
    return DesignOutcome(design.path, header,
                         verify(design.path, list(design.defines), opts=opts, host=host),
                         design.name, host)


def host_checks(designs: list[Shipped] | None = None) -> list[tuple[Shipped, str]]:
    """Each shipped design and other host that it states an expectation for (`expect on
    HOST:`), by name, then host."""
    designs = shipped_designs() if designs is None else designs
    return [(d, h) for d in designs for h in sorted(d.header.on_host)]


def verify_all(designs: list[Shipped] | None = None, jobs: int = 2,
               opts: PanOptions | None = None) -> list[DesignOutcome]:
    designs = shipped_designs() if designs is None else designs
    return verify_on_hosts([(d, "windows") for d in designs], jobs, opts)


def verify_on_hosts(checks: list[tuple[Shipped, str]] | None = None, jobs: int = 2,
                    opts: PanOptions | None = None) -> list[DesignOutcome]:
    """Each (design, host) of `checks`, verified under its host (by default every per-host
    expectation: host_checks)."""
    checks = host_checks() if checks is None else checks
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda c: verify_design(c[0], opts, c[1]), checks))
