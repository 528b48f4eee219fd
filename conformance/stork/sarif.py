"""SARIF 2.1.0 documents: what CI viewers (Visual Studio, VS Code, GitHub code scanning) read.

A result's ruleId is a rule of spec/contract.md (tool.driver.rules carries its text and what
breaking it means); it is located at the design's or the miniport's file:line, never at
stork's own model; its code flow has one thread flow per context (a miniport routine, a
system worker thread, the teardown), with the steps in execution order. GitHub shows at most
1,000 thread-flow locations of a result and takes at most 10,000: a flow is cut to MAX_STEPS,
keeping its start and its end.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from stork import __version__
from stork.properties import rule_rows

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_STEPS = 1000


@dataclass
class Step:
    thread: str                       # the context the step runs in
    text: str                         # what happens (a trace event)
    file: str = ""                    # where in the design or miniport ("" if nowhere)
    line: int = 0
    state: dict[str, str] = field(default_factory=dict)   # what it wrote: target -> value


@dataclass
class Result:
    rule_id: str                      # a contract rule id, or a design's own check
    message: str
    file: str                         # absolute
    line: int = 0                     # 0: the file as a whole
    steps: list[Step] = field(default_factory=list)
    key: str = ""                     # what makes the finding this one (for the fingerprint)
    level: str = "error"              # "warning": nothing violated, but nothing proven either
    more_steps: list[list[Step]] = field(default_factory=list)   # other runs showing it


def _artifact(file: str) -> dict:
    """An absolute path as a URI relative to the folder stork ran in (SRCROOT) when it is
    inside it, else as a file: URI."""
    path = Path(file)
    try:
        return {"uri": path.resolve().relative_to(Path.cwd().resolve()).as_posix(),
                "uriBaseId": "SRCROOT"}
    except ValueError:
        return {"uri": path.resolve().as_uri()}


def thread_of(event: str) -> str:
    """The context a trace event runs in: a call's caller, a start's or return's system
    thread, the teardown for removal, the runtime for the rest (fail-alloc, loop, comments)."""
    words = event.split()
    if len(words) > 1 and words[0] in ("call", "start", "return"):
        return words[1]
    return "teardown" if words and words[0] == "remove" else "runtime"


def _location(file: str, line: int, message: str = "") -> dict:
    loc: dict = {"physicalLocation": {"artifactLocation": _artifact(file)}}
    if line > 0:
        loc["physicalLocation"]["region"] = {"startLine": line}
    if message:
        loc["message"] = {"text": message}
    return loc


def _cut(steps: list[Step]) -> list[tuple[int, Step]]:
    """(execution order, step), at most MAX_STEPS of them: the first and the last ones."""
    numbered = list(enumerate(steps, 1))
    if len(numbered) <= MAX_STEPS:
        return numbered
    half = MAX_STEPS // 2
    return numbered[:half] + numbered[-half:]


def _thread_flows(steps: list[Step]) -> list[dict]:
    flows: dict[str, list[dict]] = {}
    for order, step in _cut(steps):
        where = _location(step.file, step.line, step.text) if step.file else {"message": {"text": step.text}}
        loc = {"location": where, "executionOrder": order}
        if step.state:
            loc["state"] = {k: {"text": v} for k, v in step.state.items()}
        flows.setdefault(step.thread, []).append(loc)
    return [{"id": thread, "message": {"text": thread}, "locations": locs}
            for thread, locs in flows.items()]


def fingerprint(result: Result) -> str:
    """Stable across runs and machines: the rule, the file, and what the finding is."""
    text = "\n".join([result.rule_id, result.file, result.key or result.message])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _rules(used: list[str], extra: dict[str, tuple[str, str]]) -> list[dict]:
    table = rule_rows()
    out = []
    for rid in used:
        if rid in table:
            text, keeper, broken = table[rid]
            full = f"{text} Kept by the {keeper}; breaking it: {broken}."
            help_text = (f"{rid}: {text} (spec/contract.md). The {keeper} keeps this rule; "
                         f"when it is broken: {broken}.")
        else:
            text, help_text = extra.get(rid, (rid, rid))
            full = text
        out.append({"id": rid, "name": rid.replace("-", ""),
                    "shortDescription": {"text": text},
                    "fullDescription": {"text": full},
                    "help": {"text": help_text},
                    "defaultConfiguration": {"level": "error"}})
    return out


def document(results: list[Result], extra_rules: dict[str, tuple[str, str]] | None = None,
             invocation_ok: bool = True) -> dict:
    """A SARIF log of one run of stork; extra_rules: id -> (text, help) for checks that are
    not contract rules (a design's own assert or ltl)."""
    used = list(dict.fromkeys(r.rule_id for r in results))
    index = {rid: i for i, rid in enumerate(used)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "stork", "version": __version__,
                                "informationUri": "https://github.com/stork/stork",
                                "rules": _rules(used, extra_rules or {})}},
            "invocations": [{"executionSuccessful": invocation_ok}],
            "results": [{
                "ruleId": r.rule_id,
                "ruleIndex": index[r.rule_id],
                "level": r.level,
                "message": {"text": r.message},
                "locations": [_location(r.file, r.line)],
                "partialFingerprints": {"storkFinding/v1": fingerprint(r)},
                **({"codeFlows": [{"threadFlows": _thread_flows(steps)}
                                  for steps in [r.steps] + r.more_steps]} if r.steps else {}),
            } for r in results],
        }],
    }


def write(path: Path, doc: dict, command: str) -> bool:
    """Write the document; on failure say so in one line (`stork COMMAND: --sarif ...`) and
    return False: an output that cannot be written is bad input."""
    try:
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        print(f"stork {command}: --sarif {path}: cannot write it ({e.strerror or e})",
              file=sys.stderr)
        return False
    return True


def gcc_lines(results: list[Result], warnings: list[tuple[str, int, str]] = ()) -> list[str]:
    """The results as compiler diagnostics, `FILE:LINE:COL: error: [RULE] message`, which CI
    log parsers (GitHub's problem matchers, editors) pick up; warnings: (file, line, text)."""
    def where(file: str, line: int) -> str:
        art = _artifact(file)
        shown = art["uri"] if "uriBaseId" in art else str(Path(file).resolve())
        return f"{shown}:{max(line, 1)}:1"
    out = [f"{where(r.file, r.line)}: {r.level}: [{r.rule_id}] {r.message}" for r in results]
    out += [f"{where(f, n)}: warning: [unreached] {text}" for f, n, text in warnings]
    return out
