"""A verify's violations as SARIF results: one per VIOLATED property, at the design's line."""

from __future__ import annotations

import re
from pathlib import Path

from stork import sarif
from stork.paths import ROOT
from stork.verify import INCOMPLETE, VACUOUS, VIOLATED, VerifyResult, steps_of

# Verdicts that are no violation but prove nothing: SARIF warnings, so that CI shows them.
UNPROVEN = {
    VACUOUS: ("The search found no violation, but no run of it made an API call or reached "
              "the adapter's release: it proves nothing of the design.",
              "vacuous: make the design's routines run (HW_START) and its remove handler "
              "return, so that runs reach the release."),
    INCOMPLETE: ("The search was cut short (time, memory, depth or lossy storage): no "
                 "violation was found in the part searched.",
                 "incomplete: raise --time-limit, --memory or --depth, or lower the bounds."),
}

_AT = re.compile(r"(?:assert at|initialised at) (\S+):(\d+)")


def _absolute(file: str) -> str:
    """verify names files relative to stork's tree when they are in it."""
    path = Path(file)
    return str(path if path.is_absolute() else ROOT / path)


def _split(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return _absolute(file), int(line)


def _steps(trace_text: str) -> list[sarif.Step]:
    return [sarif.Step(sarif.thread_of(ln), ln, *(_split(site) if site else ("", 0)))
            for ln, site in steps_of(trace_text)]


def results(res: VerifyResult) -> list[sarif.Result]:
    out = []
    design = str(res.design.resolve())
    for r in res.results:
        if r.verdict in UNPROVEN:
            out.append(sarif.Result(r.verdict, f"{r.prop.name} is {r.verdict}: {r.reason}",
                                    design, 0, key=r.prop.name, level="warning"))
        if r.verdict != VIOLATED:
            continue
        steps = _steps(r.trace_text)
        file, line = design, 0
        named = [m for ln, _ in steps_of(r.trace_text) if (m := _AT.search(ln))]
        sited = [s for s in steps if s.file]
        if named:                          # the failed assert, or the leaked worker's init
            file, line = _absolute(named[0].group(1)), int(named[0].group(2))
        elif sited:                        # the last call the design made
            file, line = sited[-1].file, sited[-1].line
        rules = re.findall(r"\|\|((?:WI|ENV)_[A-Z]\d+)\)", r.reason)
        rule_id = (rules[0].replace("_", "-") if rules else
                   r.prop.rules[0] if r.prop.rules else r.prop.name)
        last = steps[-1].text if steps else ""
        message = (f"{r.prop.name} is violated: it must hold that {r.prop.summary}"
                   + (f"; the run ends with: {last}" if last else ""))
        out.append(sarif.Result(rule_id, message, file, line, steps,
                                key=f"{r.prop.name}|{last}|{file}:{line}",
                                more_steps=[_steps(t) for t in r.others]))
    return out


def warnings(res: VerifyResult) -> list[tuple[str, int, str]]:
    """Design code no run reaches: (file, line, text)."""
    out = []
    for w in res.warnings:
        m = re.match(r"(\S+):(\d+): (.*)$", w)
        if m:
            out.append((_absolute(m.group(1)), int(m.group(2)), m.group(3)))
    return out


def document(res: VerifyResult) -> dict:
    extra = {r.prop.name: (r.prop.summary, f"{r.prop.name}: the design's own check: "
                           f"{r.prop.summary}.")
             for r in res.results if not r.prop.rules}
    return sarif.document(results(res), {**extra, **UNPROVEN})
