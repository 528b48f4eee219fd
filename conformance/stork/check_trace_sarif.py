"""check-trace's verdicts as SARIF results: located at the trace's own lines (the trace is
the artifact a runtime implementer has), a rejection as an error, a miniport's broken
obligation as a note (the runtime still conformed), a trace not checked as a warning."""

from __future__ import annotations

from pathlib import Path

from stork import sarif
from stork.check_trace import BAD_INPUT, INCOMPLETE, Finding, TraceResult

NOT_CHECKED = {
    "bad-input": ("The trace could not be checked: it is malformed, truncated, or one a "
                  "replay would refuse.", "bad-input: fix the trace at the line named."),
    "incomplete": ("The trace's SPIN run reached the time limit.",
                   "incomplete: raise --timeout."),
}


def _result(path: str, f: Finding, level: str, before: list[tuple[int, str]]) -> sarif.Result:
    rule = f.rules[0] if f.rules else f.prop
    file = str(Path(path).resolve())
    steps = [sarif.Step("trace", ev, file, n) for n, ev in before] + [sarif.Step("trace", f.event, file, f.line)]
    return sarif.Result(rule, f"{f.event}: {f.explanation}", file, f.line, steps,
                        key=f"{rule}|{f.line}|{f.event}", level=level)


def results(traces: list[TraceResult]) -> list[sarif.Result]:
    out = []
    for r in traces:
        if r.failure:
            out.append(_result(r.path, r.failure, "error", r.before))
        out += [_result(r.path, n, "note", []) for n in r.notes]
        if r.verdict in (BAD_INPUT, INCOMPLETE):
            rid = "bad-input" if r.verdict == BAD_INPUT else "incomplete"
            out.append(sarif.Result(rid, r.error, str(Path(r.path).resolve()), 0,
                                    key=f"{rid}|{r.error}", level="warning"))
    return out


def document(traces: list[TraceResult]) -> dict:
    return sarif.document(results(traces), NOT_CHECKED)
