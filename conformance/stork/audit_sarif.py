"""An audit's findings (its --json report) as SARIF results, at the miniport's file:line."""

from __future__ import annotations

import re
from pathlib import Path

from stork import sarif

_HISTORY = re.compile(r"#(\d+) (.*?)(?:\s+\((\S+):(\d+)\))?(?:\s+<- .*)?$")
# What a step wrote (c-harness/check/writes.c): "wrote CTX FILE:LINE [TARGET ][ext+0xN] = VALUE".
_WROTE = re.compile(r"wrote (\S+?)(?:\(w\d+\))? (\S+):(\d+) (.*) = (\S+)$")

# Findings that are no contract rule: a crash of the scenario's program, a failed STORK_ASSERT.
AUDIT_RULES = {
    "STORK-CRASH": ("The scenario's program ended (a signal, an exit, a sanitizer's stop) "
                    "before its next scheduling point.",
                    "STORK-CRASH: find the fault in the code that ran from the scheduling point "
                    "named; run the finding's trace again with stork audit --replay, or audit "
                    "with --sanitize."),
    "STORK-ASSERT": ("A STORK_ASSERT(cond) of the scenario failed.",
                     "STORK-ASSERT: the scenario's own check failed under this schedule; the "
                     "trace shows the run."),
}


def _file(name: str, scenario: Path) -> str:
    """A file the audit names (the scenario's path, or a name beside it) as an absolute path."""
    for candidate in (Path(name), scenario.parent / Path(name).name):
        if candidate.is_file():
            return str(candidate.resolve())
    return str((scenario.parent / name).resolve())


def _steps(history: str, scenario: Path) -> list[sarif.Step]:
    steps = []
    for ln in (history or "").splitlines():
        m = _HISTORY.match(ln.strip())
        w = _WROTE.match(ln.strip())
        if w:                       # a step of the writer's thread, at the line that wrote
            ctx, file, line, target, value = w.groups()
            steps.append(sarif.Step(ctx, f"wrote {target} = {value}", _file(file, scenario),
                                    int(line), {target: value}))
        elif m:
            where = (_file(m.group(3), scenario), int(m.group(4))) if m.group(3) else ("", 0)
            steps.append(sarif.Step(sarif.thread_of(m.group(2)), m.group(2), *where))
    return steps


def results(doc: dict, scenario: Path) -> list[sarif.Result]:
    """One result per defect: a finding the audit found by several causes (one leak, two ways
    it came about: its "causes") is one result, with a code flow for each cause."""
    out = []
    for f in doc.get("findings", []):
        causes = f.get("causes") or [f]
        text = f["message"].rstrip(".")
        message = f"{text}." + "".join(f" Also, by another cause ({c['why']}): {c['message'].rstrip('.')}."
                                       for c in causes[1:])
        message += f" Fix: {f['fix'].rstrip('.')}." if f.get("fix") else ""
        out.append(sarif.Result(f["rule"], message, _file(f["file"], scenario), f.get("line", 0),
                                _steps(f.get("history"), scenario),
                                key=f"{f['rule']}|{f.get('why', '')}|"
                                    + f.get("defect", f"{f['file']}:{f.get('line', 0)}"),
                                more_steps=[_steps(c.get("history"), scenario) for c in causes[1:]]))
    if not doc.get("complete", True) and not out:
        out.append(sarif.Result("incomplete", "the audit's search was cut short: nothing found "
                                "in the schedules it ran, which is not clean",
                                str(scenario.resolve()), 0, key="incomplete", level="warning"))
    return out


def document(doc: dict, scenario: Path) -> dict:
    extra = {**AUDIT_RULES, "incomplete": (
        "The audit's search was cut short (budget, time or cut runs).",
        "incomplete: raise --max-schedules, --time-limit or --max-steps.")}
    out = sarif.document(results(doc, scenario), extra)
    # the host the miniport was audited against (--host, spec/environment.md ENV-H)
    out["runs"][0]["properties"] = {"host": doc.get("host", "windows")}
    return out
