"""The shipped scenarios: the C files of c-harness/check/scenarios/ and the variants
variants.txt derives from them (a base built with defect switches, -D, each with its own
expectation, as model/designs/variants.txt derives designs), and what names one on the
command line or in a trace's `meta scenario`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from stork.audit import AuditError, Expectation, expectation, expectation_of
from stork.expect import ExpectError, parse
from stork.paths import ROOT
from stork.variants import read_variants

SCENARIOS_DIR = ROOT / "c-harness" / "check" / "scenarios"
VARIANTS = SCENARIOS_DIR / "variants.txt"


@dataclass(frozen=True)
class Scenario:
    name: str                   # the file's stem, or the variant's name
    path: Path                  # the file compiled (a variant's base)
    defines: tuple[str, ...]    # a variant's switches and STORK_VARIANT=NAME; () for a file
    variant_expect: str = ""    # a variant's words after `expect:`
    variant_line: int = 0       # its line in variants.txt
    variant_options: tuple[str, ...] = ()  # its `audit:` options, after its base's

    @property
    def is_variant(self) -> bool:
        return bool(self.defines)

    @property
    def source(self) -> str:
        """What its traces' `meta scenario` says: the file, or the variant's name."""
        return self.name if self.is_variant else str(self.path)

    def expectation(self) -> Expectation:
        """What its audit must find: a variant's line, else the file's header."""
        if not self.is_variant:
            return expectation(self.path)
        try:
            said = parse(self.variant_expect, "scenario", f"{VARIANTS}:{self.variant_line}")
        except ExpectError as e:
            raise AuditError(str(e)) from None
        return expectation_of(said, expectation(self.path).options + self.variant_options)


def variants() -> list[Scenario]:
    """c-harness/check/scenarios/variants.txt, each line a variant of a base scenario."""
    try:
        lines = read_variants(VARIANTS, ".c")
    except ValueError as e:
        raise AuditError(str(e)) from None
    out = []
    for v in lines:
        if re.search(r"\bexpect\s+on\b", v.expect):
            raise AuditError(f"{VARIANTS}:{v.line}: expect on HOST: a scenario's variant states "
                             "no expectation per host (a design's; spec/expectations.md)")
        text = v.base.read_text(encoding="utf-8", errors="replace")
        for own in re.findall(r'^#\s*include\s+"([^"]+)"', text, re.M):  # its own headers too
            header = v.base.parent / own
            if header.is_file():
                text += "\n" + header.read_text(encoding="utf-8", errors="replace")
        for switch in (w.partition("=")[0] for w in v.switches):
            if not re.search(rf"^#\s*if.*\b{re.escape(switch)}\b", text, re.M):
                raise AuditError(f"{VARIANTS}:{v.line}: {switch} is no switch of {v.base.name} "
                                 "(no #if of it or of a header of its own that it includes "
                                 "tests it): the variant would be its base")
        out.append(Scenario(v.name, v.base, (*v.switches, f"STORK_VARIANT={v.name}"), v.expect,
                            v.line, tuple(v.options)))
    return out


def shipped() -> list[Scenario]:
    """Every shipped scenario (the adversarial ones apart), files and variants, by name."""
    files = [Scenario(p.stem, p, ()) for p in sorted(SCENARIOS_DIR.glob("*.c"))]
    return sorted(files + variants(), key=lambda s: s.name)


def variant(name: str) -> Scenario | None:
    return next((v for v in variants() if v.name == name), None)


def resolve(arg: str) -> Scenario:
    """The scenario SCENARIO names on the command line: a file (or an audit program built from
    one), a variant's name, or a shipped scenario's name."""
    path = Path(arg)
    if path.exists():
        return Scenario(path.stem, path, ())
    if "/" not in arg and not arg.endswith(".c"):
        found = variant(arg)
        if found is not None:
            return found
        if (SCENARIOS_DIR / f"{arg}.c").is_file():
            return Scenario(arg, SCENARIOS_DIR / f"{arg}.c", ())
    raise AuditError(f"{arg}: no such file, nor a shipped scenario or variant "
                     f"({VARIANTS.relative_to(ROOT)})")


def of_trace(trace: Path) -> Scenario:
    """The scenario a trace written by stork audit names (meta scenario PATH or VARIANT)."""
    try:
        lines = trace.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise AuditError(f"{trace}: cannot read: {e}") from None
    for n, line in enumerate(lines, 1):
        words = line.split()
        if words[:2] == ["meta", "scenario"] and len(words) == 3:
            path = Path(words[2])
            for candidate in (path, trace.parent / path, ROOT / path):
                if candidate.is_file():
                    return Scenario(candidate.stem, candidate, ())
            found = variant(words[2])
            if found is not None:
                return found
            raise AuditError(f"{trace}:{n}: scenario {words[2]} not found; give it: "
                             f"stork audit SCENARIO --replay {trace}")
    raise AuditError(f"{trace}:1: no 'meta scenario' line; give the scenario: "
                     f"stork audit SCENARIO --replay {trace}")
