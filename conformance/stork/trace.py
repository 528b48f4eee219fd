"""Parser and writer for stork trace format versions 1 to 3 (spec/trace-format.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1                     # what writers write unless a trace needs a later version
VERSIONS = (1, 2, 3)            # what the reader reads; 2 adds hex statuses, 3 re-issued handles
HEADER = f"stork-trace {VERSION}"

STATUSES = (
    "SUCCESS", "UNSUCCESSFUL", "NOT_IMPLEMENTED", "INSUFFICIENT_RESOURCES",
    "BUFFER_TOO_SMALL", "ACCESS_DENIED", "INVALID_PARAMETER", "INVALID_DEVICE_REQUEST",
    "INVALID_IRQL", "INVALID_DEVICE_STATE", "INVALID_BUFFER_SIZE", "UNSUPPORTED_VERSION",
    "BUSY",
)
# STOR_STATUS_<name> values from storport.h.
STATUS_VALUES = {name: (0 if name == "SUCCESS" else 0xC1000000 | i) for i, name in enumerate(STATUSES)}
IRQLS = ("PASSIVE", "APC", "DISPATCH", "DIRQL")
KEYWORDS = {"meta", "call", "start", "return", "remove", "fail-alloc", "loop", "end"}
EVENT_WORDS = ("call", "start", "return", "remove", "fail-alloc")   # first word of an event

_WORKER = re.compile(r"w[1-9][0-9]*\Z")
_THREAD = re.compile(r"sys(0|[1-9][0-9]*)\Z")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_BAD = re.compile(r"bad(0|[1-9][0-9]*)\Z")
_ROUTINE = re.compile(r"cb(0|[1-9][0-9]*)\Z")
_CONTEXT = re.compile(r"ctx(0|[1-9][0-9]*)\Z")
_META_KEY = re.compile(r"[a-z][a-z0-9_-]*\Z")
_HEX = re.compile(r"0x[0-9A-Fa-f]{8}\Z")
_NAME_OF_VALUE = {v: k for k, v in STATUS_VALUES.items()}


def is_hex_status(status: str) -> bool:
    """A status of a version 2 trace that is no STOR_STATUS: '0x' and 8 upper-case hex digits."""
    return status.startswith("0x")


def status_text(value: int) -> str:
    """A returned 32-bit value as a trace writes it: its STOR_STATUS name, else hex."""
    return _NAME_OF_VALUE.get(value, f"0x{value & 0xFFFFFFFF:08X}")


def status_mask(statuses: Iterable[str]) -> int:
    """A set of status names as the model's bit mask: bit i is STATUSES[i] (its S_ code); a hex
    status, which no rule allows, has no bit."""
    return sum(1 << STATUSES.index(s) for s in statuses if s in STATUS_VALUES)


def statuses_of_mask(mask: int) -> tuple[str, ...]:
    return tuple(s for i, s in enumerate(STATUSES) if mask & (1 << i))


NOT_STOR_STATUS = "NOT_STOR_STATUS"     # coverage's outcome for a hex status that is no STOR_STATUS


def outcomes(statuses: Iterable[str]) -> tuple[str, ...]:
    """A call's statuses as coverage counts them (spec/coverage.md): the STOR_STATUS names in
    storport.h order (a hex status equal to one is that status: the reader names it), then
    NOT_STOR_STATUS if any value is no STOR_STATUS (one outcome for all such values)."""
    given = set(statuses)
    named = tuple(s for s in STATUSES if s in given)
    return named + ((NOT_STOR_STATUS,) if any(is_hex_status(s) for s in given) else ())


def needed_version(events: Iterable["Event"]) -> int:
    """The lowest trace version that can write these events: 3 for a re-issued handle, 2 for a
    hex status, else 1."""
    version = VERSION
    for e in events:
        if e.reissues:
            return 3
        if any(is_hex_status(st) for st in e.statuses):
            version = 2
    return version


class TraceError(Exception):
    """A malformed trace: where (file:line) and what was expected."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Event:
    """One event line. kind is call/start/return/remove/fail-alloc/loop."""

    kind: str
    line: int
    ctx: str = ""                 # call: who calls; start/return: the system thread
    irql: str = ""                # call
    api: str = ""                 # call: init / queue / free; remove: begin / end
    handle: str = ""              # queue/free argument; start/return worker
    routine: str = ""             # queue/start
    context: str = ""             # queue/start
    statuses: tuple[str, ...] = ()  # call: the allowed set
    worker: str = ""              # init: the worker issued on SUCCESS
    reissues: str = ""            # init (version 3): the earlier worker whose handle it issues again

    def text(self) -> str:
        if self.kind == "call":
            head = f"call {self.ctx} {self.irql} {self.api}"
            if self.api == "init":
                out = f"SUCCESS {self.worker}" if self.worker else "|".join(self.statuses)
                if self.reissues:
                    out += f" = {self.reissues}"
                return f"{head} -> {out}"
            if self.api == "queue":
                head += f" {self.handle} {self.routine} {self.context}"
            else:
                head += f" {self.handle}"
            return f"{head} -> {'|'.join(self.statuses)}"
        if self.kind == "start":
            return f"start {self.ctx} {self.handle} {self.routine} {self.context}"
        if self.kind == "return":
            return f"return {self.ctx} {self.handle}"
        if self.kind == "remove":
            return f"remove {self.api}"
        return self.kind


@dataclass
class Trace:
    path: str
    version: int = VERSION        # the header's; text() writes what the events need
    meta: list[tuple[str, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    loop_at: int | None = None    # index into events where the repeated cycle starts
    truncated: str = ""           # read with allow_truncated and no `end`: the error saying so

    def meta_value(self, key: str) -> str | None:
        for k, v in self.meta:
            if k == key:
                return v
        return None

    def text(self) -> str:
        lines = [f"stork-trace {max(self.version, needed_version(self.events))}"]
        lines += [f"meta {k} {v}".rstrip() for k, v in self.meta]
        for i, e in enumerate(self.events):
            if i == self.loop_at:
                lines.append("loop")
            lines.append(e.text())
        if self.loop_at == len(self.events):
            lines.append("loop")
        if not self.truncated:
            lines.append("end")
        return "\n".join(lines) + "\n"


def _is_ctx(tok: str) -> bool:
    if _THREAD.match(tok):
        return True
    return bool(_NAME.match(tok)) and tok not in KEYWORDS and not re.match(r"sys[0-9]", tok)


def _statuses(path: str, n: int, tok: str, version: int) -> tuple[str, ...]:
    parts = tok.split("|")
    out = []
    for p in parts:
        if p in STATUSES:
            out.append(p)
        elif p.startswith("0x"):
            if not _HEX.match(p):
                raise TraceError(path, n, f"malformed hex status '{p}' (expected 0x and 8 hex digits)")
            if version < 2:
                raise TraceError(path, n, f"hex status '{p}' needs trace version 2 (header 'stork-trace 2')")
            out.append(status_text(int(p, 16)))
        else:
            raise TraceError(path, n, f"unknown status '{p}' (expected a STOR_STATUS name without the prefix)")
    if len(set(out)) != len(out):
        raise TraceError(path, n, f"status repeated in the allowed set '{tok}'")
    return tuple(out)


def _expect(path: str, n: int, ok: bool, what: str, tok: str) -> None:
    if not ok:
        raise TraceError(path, n, f"expected {what}, got '{tok}'")


def _handle_ok(tok: str) -> bool:
    return tok == "null" or bool(_WORKER.match(tok) or _BAD.match(tok))


def _reissue_ok(path: str, n: int, new: str, again: str, version: int) -> None:
    """'SUCCESS wN = wM': wM an earlier worker than wN, in a version 3 trace."""
    if version < 3:
        raise TraceError(path, n, f"a re-issued handle ('= {again}') needs trace version 3 (header 'stork-trace 3')")
    _expect(path, n, bool(_WORKER.match(again)), "the earlier worker wM whose handle is issued again", again)
    if int(again[1:]) >= int(new[1:]):
        raise TraceError(path, n, f"'{new} = {again}': the re-issued handle must be an earlier worker's (wM with M < {new[1:]})")


def _parse_call(path: str, n: int, f: list[str], version: int) -> Event:
    if len(f) < 4:
        raise TraceError(path, n, "expected 'call CTX IRQL init|queue|free ...'")
    ctx, irql, api = f[1], f[2], f[3]
    _expect(path, n, _is_ctx(ctx), "a context name (a miniport routine or sysN)", ctx)
    _expect(path, n, irql in IRQLS, "an IRQL (PASSIVE, APC, DISPATCH, DIRQL)", irql)
    if api == "init":
        reissue = len(f) == 9 and f[5] == "SUCCESS" and f[7] == "="
        if (len(f) not in (6, 7) and not reissue) or f[4] != "->":
            raise TraceError(path, n, "expected 'call CTX IRQL init -> SUCCESS wN' or 'init -> STATUS[|STATUS...]'")
        if f[5] == "SUCCESS":
            if len(f) == 6:
                raise TraceError(path, n, "expected the new worker's name after 'init -> SUCCESS'")
            _expect(path, n, bool(_WORKER.match(f[6])), "a worker name wN", f[6])
            again = f[8] if reissue else ""
            if reissue:
                _reissue_ok(path, n, f[6], again, version)
            return Event("call", n, ctx=ctx, irql=irql, api=api, statuses=("SUCCESS",), worker=f[6],
                         reissues=again)
        if len(f) != 6:
            raise TraceError(path, n, "expected nothing after a failed init's statuses")
        st = _statuses(path, n, f[5], version)
        if "SUCCESS" in st:
            raise TraceError(path, n, "SUCCESS in an init error set (a successful init is 'SUCCESS wN')")
        return Event("call", n, ctx=ctx, irql=irql, api=api, statuses=st)
    if api == "queue":
        if len(f) != 9 or f[7] != "->":
            raise TraceError(path, n, "expected 'call CTX IRQL queue HANDLE ROUTINE CONTEXT -> STATUSES'")
        _expect(path, n, _handle_ok(f[4]), "a handle (wN, null or badN)", f[4])
        _expect(path, n, f[5] == "null" or bool(_ROUTINE.match(f[5])), "a routine (cbN or null)", f[5])
        _expect(path, n, f[6] == "null" or bool(_CONTEXT.match(f[6])), "a context (ctxN or null)", f[6])
        return Event("call", n, ctx=ctx, irql=irql, api=api, handle=f[4], routine=f[5],
                     context=f[6], statuses=_statuses(path, n, f[8], version))
    if api == "free":
        if len(f) != 7 or f[5] != "->":
            raise TraceError(path, n, "expected 'call CTX IRQL free HANDLE -> STATUSES'")
        _expect(path, n, _handle_ok(f[4]), "a handle (wN, null or badN)", f[4])
        return Event("call", n, ctx=ctx, irql=irql, api=api, handle=f[4], statuses=_statuses(path, n, f[6], version))
    raise TraceError(path, n, f"expected init, queue or free, got '{api}'")


def _parse_event(path: str, n: int, f: list[str], version: int) -> Event:
    kind = f[0]
    if kind == "call":
        return _parse_call(path, n, f, version)
    if kind == "start":
        if len(f) != 5:
            raise TraceError(path, n, "expected 'start sysN wN ROUTINE CONTEXT'")
        _expect(path, n, bool(_THREAD.match(f[1])), "a system thread sysN", f[1])
        _expect(path, n, bool(_WORKER.match(f[2])), "a worker wN", f[2])
        _expect(path, n, f[3] == "null" or bool(_ROUTINE.match(f[3])), "a routine (cbN or null)", f[3])
        _expect(path, n, f[4] == "null" or bool(_CONTEXT.match(f[4])), "a context (ctxN or null)", f[4])
        return Event("start", n, ctx=f[1], handle=f[2], routine=f[3], context=f[4])
    if kind == "return":
        if len(f) != 3:
            raise TraceError(path, n, "expected 'return sysN wN'")
        _expect(path, n, bool(_THREAD.match(f[1])), "a system thread sysN", f[1])
        _expect(path, n, bool(_WORKER.match(f[2])), "a worker wN", f[2])
        return Event("return", n, ctx=f[1], handle=f[2])
    if kind == "remove":
        if len(f) != 2 or f[1] not in ("begin", "end"):
            raise TraceError(path, n, "expected 'remove begin' or 'remove end'")
        return Event("remove", n, api=f[1])
    if kind == "fail-alloc":
        if len(f) != 1:
            raise TraceError(path, n, "expected nothing after 'fail-alloc'")
        return Event("fail-alloc", n)
    raise TraceError(path, n, f"unknown event '{kind}' (expected call, start, return, remove, fail-alloc, loop or end)")


def parse(text: str, path: str = "<trace>", allow_truncated: bool = False) -> Trace:
    """Parse a whole trace; raise TraceError at the first problem. With allow_truncated, a
    trace without `end` (a recording of a failed run) is returned with `truncated` set."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    want = "'stork-trace 1', 'stork-trace 2' or 'stork-trace 3'"
    if not lines:
        raise TraceError(path, 1, f"expected the header {want}, got an empty file")
    head = lines[0].split()
    known = [str(v) for v in VERSIONS]
    if len(head) == 2 and head[0] == "stork-trace" and head[1] not in known:
        raise TraceError(path, 1, f"unsupported trace version {head[1]} (this reader knows 1, 2 and 3)")
    if len(head) != 2 or head[0] != "stork-trace":
        raise TraceError(path, 1, f"expected the header {want}, got '{lines[0].strip()}'")
    trace = Trace(path, version=int(head[1]))
    ended = False
    for n, raw in enumerate(lines[1:], start=2):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if ended:
            raise TraceError(path, n, "expected nothing but comments after 'end'")
        f = stripped.split()
        if f[0] == "meta":
            if trace.events or trace.loop_at is not None:
                raise TraceError(path, n, "'meta' after the first event")
            if len(f) < 2 or not _META_KEY.match(f[1]):
                raise TraceError(path, n, "expected 'meta KEY VALUE...' with a lower-case key")
            trace.meta.append((f[1], " ".join(f[2:])))
        elif f[0] == "end":
            if len(f) != 1:
                raise TraceError(path, n, "expected nothing after 'end'")
            ended = True
        elif f[0] == "loop":
            if len(f) != 1 or trace.loop_at is not None:
                raise TraceError(path, n, "expected one 'loop' line, alone")
            trace.loop_at = len(trace.events)
        else:
            trace.events.append(_parse_event(path, n, f, trace.version))
    if not ended:
        err = TraceError(path, len(lines) + 1 if lines else 1,
                         "truncated trace: no 'end' line (the recording was cut short)")
        if not allow_truncated:
            raise err
        trace.truncated = str(err)
    return trace


def load(path: str | Path, allow_truncated: bool = False) -> Trace:
    return parse(read_text(path), str(Path(path)), allow_truncated)


def read_text(path: str | Path) -> str:
    """A trace file's text; TraceError (at the line of a byte that is not UTF-8) if not."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise TraceError(str(p), 0, f"cannot read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise TraceError(str(p), line, f"not UTF-8 text ({e.reason})") from None
    return text
