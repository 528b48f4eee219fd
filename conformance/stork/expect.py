"""What a file says it must give: one `expect:` grammar for every kind of file stork checks
itself on (spec/expectations.md has the grammar and the vocabulary).

    expect: VERDICT ARGUMENT...

in a design's or a scenario's header comment (`expect: ...`, ` * expect: ...`), in a trace's
comment (`# expect: ...`), in a malformed trace's sidecar NAME.expect (`expect: ...`), or after
a variant's switches in a variants list. Each verdict takes
the arguments VOCABULARY gives it; each kind of file allows the verdicts KINDS gives it. A line
that says anything else is an error at its file and line (ExpectError), never ignored.

A design (and a design's variant) says what it gives under another host (`stork verify
--host HOST`) on a line of its own beside its `expect:` line, which is Windows's:

    expect on HOST: VERDICT ARGUMENT...

at most one per host of HOSTS, in the same grammar (read_on_hosts, split_hosts)."""

from __future__ import annotations

import re

from stork import hosts
from dataclasses import dataclass
from pathlib import Path


class ExpectError(Exception):
    """FILE:LINE: what is wrong with an expectation."""


# verdict -> what it says, and its arguments
VOCABULARY = {
    "holds": "verify: every property holds (the search complete and not vacuous); no arguments",
    "VIOLATED": "verify: exactly the properties named are violated, every other one holds, or "
                "is what `rest R` says (holds or vacuous)",
    "vacuous": "verify: the properties named (none named: all) are vacuous, every other one holds",
    "incomplete": "verify, audit: the search cannot finish; no arguments",
    "refused": "verify: refused, naming line N (`refused N`); audit: bad input (exit 2)",
    "clean": "audit: no finding, every schedule explored; no arguments",
    "finds": "audit: exactly the rules named are found (written as the rule ids alone: "
             "`expect: WI-M3 WI-M7`)",
    "rejected": "check-trace: rejected at line N breaking RULE (`no rule`: the trace format's)",
    "malformed": "a trace's parsers (C and Python): bad input at line N, the message containing "
                 "TEXT (`at line N saying TEXT`)",
}
KINDS = {
    "design": ("holds", "VIOLATED", "vacuous", "incomplete", "refused"),
    "scenario": ("clean", "finds", "incomplete", "refused"),
    "trace": ("rejected",),
    "sidecar": ("malformed",),           # NAME.expect beside a malformed NAME.trace
}
# A rule id (spec/contract.md, spec/environment.md), or an audit's own finding (STORK-CRASH ...).
RULE = re.compile(r"(?:(?:WI|ENV)-[A-Z]\d+|STORK-[A-Z]+)\Z")
PROPERTY = re.compile(r"[a-z_][a-z0-9_]*\Z")
LINE = re.compile(r"^[ \t]*(?:/?\*+|#|//)?[ \t]*expect:(.*)$", re.M)
# `expect on HOST:`: what a design gives under a host other than Windows (verify --host HOST;
# stork.hosts, windows but, which the `expect:` line is).
HOSTS = hosts.OTHERS
HOST_LINE = re.compile(r"^[ \t]*(?:/?\*+|#|//)?[ \t]*expect[ \t]+on\b[ \t]*([^:\n]*?)[ \t]*:(.*)$",
                       re.M)


@dataclass(frozen=True)
class Expectation:
    verdict: str                      # a key of VOCABULARY
    names: tuple[str, ...] = ()       # VIOLATED/vacuous: properties; finds/rejected: rules
    rest: str = "holds"               # VIOLATED: what the others must be
    line: int = 0                     # refused/rejected: the line named; 0: none

    def text(self) -> str:
        """The expectation as written (the canonical form)."""
        if self.verdict == "finds":
            return " ".join(self.names)
        if self.verdict == "malformed":
            return f"malformed at line {self.line} saying {self.names[0]}"
        if self.verdict == "rejected":
            return f"rejected at line {self.line} breaking {' '.join(self.names) or 'no rule'}"
        words = [self.verdict, *self.names]
        if self.verdict == "VIOLATED" and self.rest != "holds":
            words += ["rest", self.rest]
        if self.line:
            words.append(str(self.line))
        return " ".join(words)


def parse(words: str, kind: str, where: str) -> Expectation:
    """The expectation the words after `expect:` say, for a file of `kind`; ExpectError at
    `where` (FILE:LINE) when they say anything else."""
    w = words.split()

    def bad(why: str) -> ExpectError:
        allowed = ", ".join(KINDS[kind])
        return ExpectError(f"{where}: expect: {words.strip() or '(nothing)'}: {why} "
                           f"(a {kind} expects one of: {allowed}; spec/expectations.md)")

    if not w:
        raise bad("no verdict")
    verdict = "finds" if RULE.match(w[0]) else w[0]
    if verdict not in VOCABULARY:
        raise bad(f"{w[0]} is no verdict")
    if verdict not in KINDS[kind]:
        raise bad(f"{verdict} is not a {kind}'s verdict")
    args = w[1:]
    if verdict in ("holds", "incomplete", "clean"):
        if args:
            raise bad(f"{verdict} takes no arguments")
        return Expectation(verdict)
    if verdict == "finds":
        if not all(RULE.match(r) for r in w):
            raise bad("a list of rule ids (WI-M3 ...)")
        return Expectation(verdict, tuple(sorted(set(w))))
    if verdict == "refused":
        if kind == "design" and not (len(args) == 1 and args[0].isdigit()):
            raise bad("refused N: the line verify names")
        if kind != "design" and args:
            raise bad("refused takes no arguments here")
        return Expectation(verdict, line=int(args[0]) if args else 0)
    if verdict == "malformed":
        m = re.fullmatch(r"at line (\d+) saying (.+)", " ".join(args))
        if not m:
            raise bad("malformed at line N saying TEXT")
        return Expectation(verdict, (m.group(2),), line=int(m.group(1)))
    if verdict == "rejected":
        m = re.fullmatch(r"at line (\d+) breaking (?:no rule|((?:\S+ ?)+))", " ".join(args))
        if not m or (m.group(2) and not all(RULE.match(r) for r in m.group(2).split())):
            raise bad("rejected at line N breaking RULE... (or: no rule)")
        return Expectation(verdict, tuple(m.group(2).split()) if m.group(2) else (),
                           line=int(m.group(1)))
    rest = "holds"
    if len(args) >= 2 and args[-2] == "rest":
        rest, args = args[-1], args[:-2]
        if verdict != "VIOLATED" or rest not in ("holds", "vacuous"):
            raise bad("rest holds | rest vacuous, after VIOLATED's properties")
    if verdict == "VIOLATED" and not args:
        raise bad("VIOLATED names the properties violated")
    if not all(PROPERTY.match(p) for p in args):
        raise bad("property names ([a-z_][a-z0-9_]*)")
    return Expectation(verdict, tuple(args), rest)


def _lines(path: Path, kind: str, text: str | None) -> str:
    """The text a file's expectations stand in: a design's or scenario's leading comment."""
    if text is None:
        text = path.read_bytes().decode("utf-8", "replace")
    if kind in ("design", "scenario"):
        text = text.split("*/", 1)[0] if text.lstrip().startswith("/*") else ""
    return text


def read(path: Path, kind: str, text: str | None = None) -> Expectation | None:
    """The one `expect:` line of a file (a design's or scenario's in its leading comment, a
    trace's or a sidecar's anywhere); None when it has none; ExpectError at a bad one or a
    second one, and at an `expect on HOST:` line in a file that is not a design."""
    text = _lines(path, kind, text)
    found = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in LINE.finditer(text)]
    if len(found) > 1:
        raise ExpectError(f"{path}:{found[1][0]}: a second expect: line (the first is line "
                          f"{found[0][0]})")
    hosted = HOST_LINE.search(text)
    if hosted and kind != "design":
        raise ExpectError(f"{path}:{text.count(chr(10), 0, hosted.start()) + 1}: expect on "
                          f"{hosted.group(1)}: a {kind} states no expectation per host "
                          "(a design's; spec/expectations.md)")
    return parse(found[0][1], kind, f"{path}:{found[0][0]}") if found else None


def host_of(word: str, where: str, seen: dict) -> str:
    """The host an `expect on HOST:` names, at `where`; ExpectError for one that is not of
    HOSTS (windows: the `expect:` line is its) or one already in `seen`."""
    if word == "windows":
        raise ExpectError(f"{where}: expect on windows: the expect: line is Windows's "
                          "(spec/expectations.md)")
    if word not in HOSTS:
        raise ExpectError(f"{where}: expect on {word or '(nothing)'}: no such host (one of: "
                          f"{', '.join(HOSTS)}; spec/expectations.md)")
    if word in seen:
        raise ExpectError(f"{where}: a second expect on {word}: line")
    return word


def read_on_hosts(path: Path, text: str | None = None) -> dict[str, Expectation]:
    """A design's `expect on HOST:` lines (its leading comment), host -> expectation;
    ExpectError at a bad one, a second one for a host, or one without an `expect:` line."""
    text = _lines(path, "design", text)
    out: dict[str, Expectation] = {}
    for m in HOST_LINE.finditer(text):
        where = f"{path}:{text.count(chr(10), 0, m.start()) + 1}"
        host = host_of(m.group(1), where, out)
        out[host] = parse(m.group(2), "design", where)
    if out and not LINE.search(text):
        raise ExpectError(f"{where}: expect on {host}: beside no expect: line (Windows's "
                          "comes first; spec/expectations.md)")
    return out


_IN_LINE = re.compile(r"\s+expect[ \t]+on\b[ \t]*([^:]*?)[ \t]*:")


def split_hosts(words: str, where: str) -> tuple[str, dict[str, Expectation]]:
    """A variant's words after `expect:`: its own (Windows's) and, after each `expect on
    HOST:`, a host's, parsed (kind design); ExpectError at `where`."""
    parts = _IN_LINE.split(" " + words)
    out: dict[str, Expectation] = {}
    for i in range(1, len(parts) - 1, 2):
        out[host_of(parts[i], where, out)] = parse(parts[i + 1], "design", where)
    return parts[0].strip(), out
