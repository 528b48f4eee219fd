"""A replay's results (the JUnit XML stork-replay writes) read back, and its failures as SARIF
results: located at the trace's line whose event the implementation answered against the
contract, ruleId the rule the replay names, a code flow of the trace's events up to there."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from stork import sarif
from stork import trace as tracefmt

RULE_ID = re.compile(r"\b(?:WI|ENV)-[A-Z]\d+\b")
_BEFORE = re.compile(r"\s*(\d+): (.+)$")

# Failures that name no contract rule.
REPLAY_RULES = {
    "STORK-REPLAY-FAIL": ("The implementation's run departed from the trace in a way no single "
                          "contract rule names (an item posted that the trace never starts, "
                          "blocks not released by destroy_adapter, ...).",
                          "STORK-REPLAY-FAIL: the message says what the implementation did; "
                          "replay the trace alone with --record DIR and compare its run."),
    "STORK-REPLAY-ERROR": ("The implementation did not reach a verdict on this trace: it "
                           "crashed, exited or was timed out.",
                           "STORK-REPLAY-ERROR: run the trace alone under a debugger; a "
                           "time-out may be a deadlock in the implementation, or a --timeout "
                           "too short."),
}


@dataclass
class Case:
    """One trace's verdict in a replay."""
    path: str                  # the trace as given to stork replay
    ok: bool
    error: bool = False        # no verdict: a crash, an exit, a time-out
    report: str = ""           # the failure report (driver.c): where, what, the events before
    line: int = 0              # the trace's line the failure is at (0: unknown)
    event: str = ""            # what is at that line
    detail: str = ""           # expected and actual, with the rules

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(RULE_ID.findall(self.detail)))

    @property
    def rule_id(self) -> str:
        rules = self.rules
        return rules[0] if rules else "STORK-REPLAY-ERROR" if self.error else "STORK-REPLAY-FAIL"


class ResultsError(Exception):
    """A results file that is not stork-replay's JUnit."""


def read_junit(path: Path) -> tuple[str, list[Case]]:
    """The implementation (the suite's name after 'stork-replay ') and every trace's verdict."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ResultsError(f"{path}:{e.position[0]}: not XML ({e})") from None
    if root.tag != "testsuite" or not (root.get("name") or "").startswith("stork-replay "):
        raise ResultsError(f"{path}:1: not a stork replay's JUnit report")
    impl = root.get("name", "")[len("stork-replay "):]
    cases = []
    for tc in root.iter("testcase"):
        name = tc.get("name", "")
        bad = tc.find("failure")
        if bad is None:
            bad = tc.find("error")
        if bad is None:
            cases.append(Case(name, True))
            continue
        report = bad.text or bad.get("message", "")
        case = Case(name, False, bad.tag == "error", report)
        head, _, rest = report.partition("\n")
        if head.startswith(name + ":"):
            line, _, case.event = head[len(name) + 1:].partition(": ")
            case.line = int(line) if line.isdigit() else 0
        case.detail = rest.split("\n", 1)[0].strip() if rest else head
        cases.append(case)
    return impl, cases


def _steps(case: Case, file: str) -> list[sarif.Step]:
    """The trace's events up to the failing line, each in its context's thread flow; from the
    report's last events when the trace cannot be read (a trace inside a pack)."""
    try:
        lines = Path(case.path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    numbered: list[tuple[int, str]] = []
    if lines:
        for n, raw in enumerate(lines[:case.line] if case.line else lines, 1):
            ev = raw.strip()
            if ev.split(" ", 1)[0] in tracefmt.EVENT_WORDS or ev in ("end", "loop"):
                numbered.append((n, ev))
    else:
        numbered = [(int(m.group(1)), m.group(2)) for ln in case.report.splitlines()
                    if (m := _BEFORE.match(ln))]
        if case.line:
            numbered.append((case.line, case.event))
    return [sarif.Step(sarif.thread_of(ev), ev, file if lines else "", n if lines else 0)
            for n, ev in numbered]


def results(impl: str, cases: list[Case]) -> list[sarif.Result]:
    out = []
    for c in cases:
        if c.ok:
            continue
        file = str(Path(c.path).resolve())
        where = f"{c.event}: " if c.event else ""
        message = f"{where}{c.detail} (replayed against {impl})"
        out.append(sarif.Result(c.rule_id, message, file, c.line, _steps(c, file),
                                key=f"{c.rule_id}|{c.line}|{c.event}|{c.detail}"))
    return out


def document(impl: str, cases: list[Case]) -> dict:
    return sarif.document(results(impl, cases), REPLAY_RULES)
