"""Check an observed trace against the model: SPIN replays it through the contract monitor.

Each trace becomes a small Promela file (generated into a temporary folder): the trace's events
as data, and an include of the trace driver, model/check_trace_driver.pml, which includes
model/storport.pml, hence the contract monitor model/contract.pml, and feeds the events in
order to the monitor's event steps (mon_init, mon_queue, mon_free, mon_start,
mon_return, remove begin and end, the adapter's release), with the statuses the trace
records. SPIN runs the driver as a simulation of its single path; the first assertion that
fails is the first event the model cannot take, and the assertion names the property and rule
ids it breaks. So SPIN decides: Python only lays out the events and reads SPIN's output.
The events are data (arrays indexed by step) read by one loop, so the driver, and SPIN's time,
grow linearly with the trace; the monitor's steps are expanded once.

The driver sets three model switches (contract.pml):
- STORK_OFF_status_conforms: the driver checks a whole allowed set (every status the trace
  lists must be in the monitor's allowed set, m_allowed) instead of the one status a
  runtime returned; a single observed status is a set of one.
- STORK_NOTE_MINIPORT: a property the miniport keeps (irql, valid_handle, no_use_after_free,
  no_double_free, no_free_while_running, no_leak) is printed as a note and the run goes on. A
  trace where the miniport breaks an obligation is still one the model can take; the runtime
  answered it as the contract says. Such traces are accepted, and each broken obligation is
  reported with its WI-M rule, apart from the runtime's violations.
- STORK_STATUS_RULES: each status the monitor allows is printed with the rule that allows it
  (`@@because S RULE`), so a status outside the set is told those rules (and WI-P1 where the
  set has more than one): the model names them where it computes the set, not Python.

What the driver adds to the monitor, as the lifecycle model (lifecycle.pml) has it: the
adapter is released once the remove handler returned (`remove end`) and no callback is
queued or running, and nothing starts after that (WI-R3); no miniport routine but a callback
calls after its remove handler returned (WI-R4); at `end` the adapter is released (unless
the trace ends inside a callback, as in a replay). A `loop` must bring the model back to the
state where it began, and a worker queued throughout it while a system thread is free breaks
WI-C5.

A truncated trace (no `end`: a recording of a failed replay) is checked as far as it goes: an
event the model cannot take rejects it there, whatever would have followed; if the model takes
every event, it is bad input (truncated), as for a replay.

Trace-level errors that are no model disagreement (a worker used before its init, a wrong new
worker name, a sysN call outside a callback on that thread, a start on a busy thread, a
return that matches no start, a second `remove begin`) are bad input, as for a replay.
"""

from __future__ import annotations

import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from stork import trace as tracefmt
from stork.paths import MODEL_DIR
from stork.properties import rule_table
from stork.spin import SpinTimeout, SpinToolError, simulate
from stork.trace import Event, Trace, TraceError

CONFORMS, REJECTED, BAD_INPUT, INCOMPLETE = "conforms", "rejected", "bad input", "incomplete"

# The model's encodings (model/storport.pml).
_CTX = {"findadapter": 1, "startio": 2, "dpc": 3, "dpc2": 4, "isr": 5, "control": 6,
        "timer": 7, "teardown": 8, "passive": 9}
_CTX_OTHER = 9          # any other routine name: a non-callback miniport context
_CTX_SYS = 16
_IRQL = {"PASSIVE": 0, "APC": 1, "DISPATCH": 2, "DIRQL": 3}
_BAD_HANDLE = 200
_MAX_WORKERS = _BAD_HANDLE - 1
_MAX_THREAD = 255 - _CTX_SYS
_MAX_NAMES = 255        # distinct routines, distinct contexts (bytes, 0 is NULL)
CONTEXT_EVENTS = 3      # events shown before a rejected one


@dataclass(frozen=True)
class Finding:
    """An event the model cannot take (runtime) or a broken miniport obligation (note)."""

    line: int
    event: str
    rules: tuple[str, ...]
    prop: str                   # the property or check the model's assertion names
    keeper: str                 # "runtime" or "miniport"
    explanation: str


@dataclass
class TraceResult:
    path: str
    verdict: str                # CONFORMS, REJECTED, BAD_INPUT or INCOMPLETE (time limit)
    events: int = 0
    failure: Finding | None = None
    before: list[tuple[int, str]] = field(default_factory=list)   # events before the failure
    notes: list[Finding] = field(default_factory=list)
    error: str = ""             # BAD_INPUT: file:line: what is wrong; INCOMPLETE: why
    allowed: dict[int, tuple[str, ...]] = field(default_factory=dict)  # line -> the model's set
    # line -> (status, rule) of each status in that set, as the model names them (@@because)
    because: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    seconds: float = 0.0
    truncated: bool = False     # no `end`: checked as far as it goes (REJECTED or BAD_INPUT)


class _BadTrace(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Shape:
    """What the trace's structure says at each event (checked before SPIN runs)."""

    issued: int = 0
    running_at: list[dict[str, str]] = field(default_factory=list)   # before each event
    running_at_end: dict[str, str] = field(default_factory=dict)
    threads: set[str] = field(default_factory=set)


def _worker_number(tok: str) -> int:
    return int(tok[1:])


def _shape(trace: Trace) -> _Shape:
    """Walk the trace's structure; raise _BadTrace for what a replay also rejects."""
    sh = _Shape()
    running: dict[str, str] = {}
    removal = 0                 # 0 none, 1 begun, 2 the remove handler returned
    for ev in trace.events:
        sh.running_at.append(dict(running))
        used = ev.handle if ev.handle.startswith("w") else ""
        if used and _worker_number(used) > sh.issued:
            raise _BadTrace(ev.line, f"worker {used} used before it is issued (by an init)")
        if ev.kind == "call":
            if ev.ctx.startswith("sys"):
                sh.threads.add(ev.ctx)
                if ev.ctx not in running:
                    raise _BadTrace(ev.line, f"a call from {ev.ctx} outside a callback on that thread")
            if ev.api == "init" and ev.worker:
                if _worker_number(ev.worker) != sh.issued + 1:
                    raise _BadTrace(ev.line, f"the new worker must be named w{sh.issued + 1}, "
                                    f"got {ev.worker}")
                sh.issued += 1
        elif ev.kind == "start":
            sh.threads.add(ev.ctx)
            if ev.ctx in running:
                raise _BadTrace(ev.line, f"{ev.ctx} starts a callback while it runs the "
                                f"callback of {running[ev.ctx]}")
            running[ev.ctx] = ev.handle
        elif ev.kind == "return":
            if running.get(ev.ctx) != ev.handle:
                now = running.get(ev.ctx)
                raise _BadTrace(ev.line, f"return {ev.ctx} {ev.handle} does not match the "
                                + (f"running callback of {now}" if now else "thread, which runs no callback"))
            del running[ev.ctx]
        elif ev.kind == "remove":
            if ev.api == "begin" and removal != 0:
                raise _BadTrace(ev.line, "a second 'remove begin'")
            if ev.api == "end" and removal != 1:
                raise _BadTrace(ev.line, "'remove end' without a 'remove begin' before it"
                                if removal == 0 else "a second 'remove end'")
            removal = 1 if ev.api == "begin" else 2
    sh.running_at_end = running
    if sh.issued > _MAX_WORKERS:
        raise _BadTrace(trace.events[-1].line, f"more than {_MAX_WORKERS} workers: beyond the model's bounds")
    for t in sh.threads:
        if int(t[3:]) > _MAX_THREAD:
            line = next(e.line for e in trace.events if e.ctx == t)
            raise _BadTrace(line, f"{t}: the model numbers system threads up to sys{_MAX_THREAD}")
    return sh


class _Numbers:
    """Dense small numbers for routine and context names (0 is NULL)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.ids: dict[str, int] = {}

    def of(self, tok: str, line: int) -> int:
        if tok == "null":
            return 0
        if tok not in self.ids:
            if len(self.ids) == _MAX_NAMES:
                raise _BadTrace(line, f"more than {_MAX_NAMES} distinct {self.what}s: beyond the model's bounds")
            self.ids[tok] = len(self.ids) + 1
        return self.ids[tok]


def _ctx(tok: str) -> int:
    if tok.startswith("sys"):
        return _CTX_SYS + int(tok[3:])
    return _CTX.get(tok, _CTX_OTHER)


def _handle(tok: str) -> int:
    if tok == "null":
        return 0
    if tok.startswith("bad"):
        return _BAD_HANDLE
    return _worker_number(tok)


def _status_arg(statuses: tuple[str, ...]) -> int:
    """The status handed to the monitor: SUCCESS if listed (it is what changes state)."""
    named = [s for s in statuses if s in tracefmt.STATUSES]
    # a set of hex statuses only: an error (1), which changes no state as every non-SUCCESS
    return 0 if "SUCCESS" in named else tracefmt.STATUSES.index(named[0]) if named else 1


# The monitor's bit for a hex status (trace version 2): one no rule allows.
_HEX_BIT = 1 << len(tracefmt.STATUSES)


def _mask(statuses: tuple[str, ...]) -> int:
    hexes = any(tracefmt.is_hex_status(s) for s in statuses)
    return tracefmt.status_mask(statuses) | (_HEX_BIT if hexes else 0)


DRIVER = MODEL_DIR / "check_trace_driver.pml"

# Driver step kinds, defined once, in the driver (#define K_NAME N).
_KINDS = dict(re.findall(r"^#define (K_\w+) (\d+)$", DRIVER.read_text(encoding="utf-8"), re.M))
K_INIT, K_QUEUE, K_FREE, K_START, K_RETURN, K_REMOVE_BEGIN, K_REMOVE_END, K_FAIL_ALLOC, \
    K_LOOP_START, K_LOOP_CHECK, K_END = (int(_KINDS[k]) for k in (
        "K_INIT", "K_QUEUE", "K_FREE", "K_START", "K_RETURN", "K_REMOVE_BEGIN", "K_REMOVE_END",
        "K_FAIL_ALLOC", "K_LOOP_START", "K_LOOP_CHECK", "K_END"))

_DRIVER = """\
/* Generated by stork check-trace from {path}: the trace's events, as data, for
   model/check_trace_driver.pml. */
#define MAXW {maxw}
#define NSTEPS {nsteps}
#include "check_trace_driver.pml"

init {{
    d_step {{
{data}
    }};
    drive_trace()
}}
"""


@dataclass
class _Step:
    kind: int
    line: int
    ctx: int = 0
    lvl: int = 0
    h: int = 0
    cb: int = 0
    cx: int = 0
    st: int = 0
    mask: int = 0
    fail: int = 0
    again: int = 0              # init: the earlier worker whose handle it re-issues (WI-I1)


def _steps(trace: Trace, loop_line: int, end_line: int, ends_in_callback: bool) -> list[_Step]:
    routines, contexts = _Numbers("routine"), _Numbers("context")
    steps: list[_Step] = []
    fail_alloc = False
    for i, ev in enumerate(trace.events):
        if i == trace.loop_at:
            steps.append(_Step(K_LOOP_START, loop_line))
        if ev.kind == "call":
            s = _Step({"init": K_INIT, "queue": K_QUEUE, "free": K_FREE}[ev.api], ev.line,
                      ctx=_ctx(ev.ctx), lvl=_IRQL[ev.irql], st=_status_arg(ev.statuses),
                      mask=_mask(ev.statuses), fail=int(fail_alloc))
            if ev.api == "init":
                s.h = _worker_number(ev.worker) if ev.worker else 0
                s.again = _worker_number(ev.reissues) if ev.reissues else 0
            else:
                s.h = _handle(ev.handle)
            if ev.api == "queue":
                s.cb, s.cx = routines.of(ev.routine, ev.line), contexts.of(ev.context, ev.line)
            fail_alloc = False
        elif ev.kind in ("start", "return"):
            s = _Step(K_START if ev.kind == "start" else K_RETURN, ev.line, ctx=_ctx(ev.ctx),
                      h=_worker_number(ev.handle))
            if ev.kind == "start":
                s.cb, s.cx = routines.of(ev.routine, ev.line), contexts.of(ev.context, ev.line)
        elif ev.kind == "remove":
            s = _Step(K_REMOVE_BEGIN if ev.api == "begin" else K_REMOVE_END, ev.line)
        else:
            s = _Step(K_FAIL_ALLOC, ev.line)
            fail_alloc = True
        steps.append(s)
    if trace.truncated:
        pass                    # what comes next is not known: no loop check, no release
    elif trace.loop_at is not None:
        if trace.loop_at == len(trace.events):
            steps.append(_Step(K_LOOP_START, loop_line))
        steps.append(_Step(K_LOOP_CHECK, loop_line))
    elif not ends_in_callback:
        # `end`: the adapter is released (a trace that ends inside a callback is not: replay).
        steps.append(_Step(K_END, end_line))
    return steps


def _hung(trace: Trace, sh: _Shape) -> dict[str, str]:
    """Loop traces: thread -> worker, for each callback that runs all the way round the loop."""
    if trace.loop_at is None or trace.truncated:
        return {}
    cycle = trace.events[trace.loop_at:]
    at_loop = sh.running_at[trace.loop_at] if cycle else dict(sh.running_at_end)
    returns = {e.ctx for e in cycle if e.kind == "return"}
    return {t: w for t, w in at_loop.items() if t not in returns}


def _starving(trace: Trace, sh: _Shape) -> list[int]:
    """Workers the loop never starts, if some system thread is free somewhere in the loop."""
    if trace.loop_at is None or trace.truncated:
        return []
    known = sh.threads | {"sys0"}
    if known <= set(_hung(trace, sh)):
        return []
    started = {_worker_number(e.handle) for e in trace.events[trace.loop_at:] if e.kind == "start"}
    return [w for w in range(1, sh.issued + 1) if w not in started]


def driver_text(trace: Trace, sh: _Shape, loop_line: int, end_line: int) -> str:
    """The Promela trace driver for one trace."""
    steps = _steps(trace, loop_line, end_line, bool(sh.running_at_end))
    data = []
    for i, s in enumerate(steps):
        fields = [("e_kind", s.kind), ("e_line", s.line), ("e_ctx", s.ctx), ("e_lvl", s.lvl),
                  ("e_h", s.h), ("e_cb", s.cb), ("e_cx", s.cx), ("e_st", s.st),
                  ("e_mask", s.mask), ("e_fail", s.fail), ("e_again", s.again)]
        data.append("        " + " ".join(f"{n}[{i}] = {v};" for n, v in fields if v))
    data += [f"        e_starve[{w}] = 1;" for w in _starving(trace, sh)]
    body = "\n".join(data).rstrip(";") or "        skip"
    return _DRIVER.format(path=trace.path.replace("*/", "* /"), maxw=max(1, sh.issued),
                          nsteps=max(1, len(steps)), data=body)


def _marker_lines(text: str) -> tuple[int, int]:
    """The line numbers of the `loop` and `end` lines (0 if none): the parser keeps neither."""
    loop_line = end_line = 0
    for n, raw in enumerate(text.split("\n"), start=1):
        word = raw.strip()
        if word == "loop" and not loop_line:
            loop_line = n
        elif word == "end" and not end_line:
            end_line = n
    return loop_line, end_line


# ---- reading SPIN's output ----

_ASSERT_FAIL = re.compile(r"^spin: text of failed assertion: (.*)$", re.M)
_SPIN_ERROR = re.compile(r"^spin: .*Error: (.*)$", re.M)
_NOTE = re.compile(r"^\s*stork-note\s+(\w+)\s+(WI_[A-Z]\d+)\s*$")
_MARK = re.compile(r"^\s*@@ (\d+)\s*$")
_ALLOWED = re.compile(r"^\s*@@allowed (-?\d+)\s*$")
_BECAUSE = re.compile(r"^\s*@@because (\d+) (WI_[A-Z]\d+)\s*$")     # WI-XN
_WORKER = re.compile(r"^\s*@@worker (\d+)\s*$")
_UNFREED = re.compile(r"^\s*@@unfreed (\d+)\s*$")
_RULE = re.compile(r"\bWI_([A-Z]\d+)\b")
_NAMES = ("status_in_allowed_set", "status_conforms", "no_call_after_remove", "loop_repeats", "callback_eventually",
          "no_free_while_queued", "callback_once", "no_callback_after_removal", "no_double_free",
          "no_use_after_free", "valid_handle", "no_free_while_running", "no_leak", "irql")


def _status_rules(allowed: tuple[str, ...], because: list[tuple[int, str]]) -> tuple[str, ...]:
    """The rules that put the allowed statuses in the set, as the model printed them (in the
    statuses' order), and WI-P1 where the set has more than one."""
    rules = [r for _, r in sorted(because, key=lambda b: b[0])]
    if len(allowed) > 1:
        rules.append("WI-P1")
    return tuple(dict.fromkeys(rules))


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not the one in "e.g.")."""
    return re.split(r"(?<!e\.g)\.\s+(?=[A-Z\[])", text)[0].rstrip(".") + "."


def _explain(prop: str, rules: tuple[str, ...], assertion: str, ev: Event | None,
             allowed: tuple[str, ...], worker: int = 0) -> str:
    texts = rule_table()
    if prop == "status_in_allowed_set" and ev is not None:
        extra = [s for s in ev.statuses if s not in allowed]
        head = (f"the model allows {'|'.join(allowed)} here, not {'|'.join(extra)}")
    elif prop == "status_conforms" and ev is not None and ev.reissues:
        head = (f"the init returns SUCCESS with the handle it issued as {ev.reissues} again "
                f"(named {ev.worker} here), not a new one")
    elif prop == "loop_repeats":
        return ("the loop does not bring the model back to the state where it began, so the "
                "model cannot repeat it")
    elif prop == "callback_eventually":
        head = f"w{worker} stays queued all the way round the loop while a system thread is free"
    elif prop == "no_call_after_remove":
        head = "a miniport routine other than a callback calls after its remove handler returned"
    elif prop == "no_callback_after_removal":
        head = "a callback starts after the adapter was released (removal ended, nothing left queued)"
    elif prop == "callback_once" and "g_cb" in assertion:
        head = "the callback starts with a routine or context other than the queued ones"
    elif prop == "callback_once" and "g_runner" in assertion:
        head = "the worker's callback starts while its previous run is still running"
    elif prop == "callback_once" and "WI_R2" in assertion:     # WI-R2: the release
        head = "a worker is still queued when the adapter is released: its callback never ran"
    elif prop == "callback_once":
        head = "the callback starts without a successful queue waiting for it"
    elif prop == "no_free_while_queued":
        head = "a free of a queued worker is answered SUCCESS"
    else:
        head = ""
    known = [r for r in rules if r in texts]
    if not head and len(known) == 1:
        return _first_sentence(texts[known[0]][0])
    why = " ".join(f"{r}: {_first_sentence(texts[r][0])}" for r in known)
    return ". ".join(x for x in (head, why) if x) or "the model cannot take this event"


def _read_output(out: str, trace: Trace, end_line: int, loop_line: int,
                 res: TraceResult) -> tuple[Finding | None, str]:
    """(the failure, an internal error) from SPIN's simulation output; the miniport notes and
    the model's allowed set of each call go into res."""
    by_line = {e.line: (i, e) for i, e in enumerate(trace.events)}
    texts = rule_table()
    line = worker = 0
    unfreed: list[str] = []
    allowed: tuple[str, ...] = ()
    because: list[tuple[int, str]] = []     # (status bit, rule) of the call's allowed set
    notes = res.notes

    def event_text(n: int) -> str:
        if n in by_line:
            return by_line[n][1].text()
        return "loop" if n == loop_line else "end"

    for raw in out.splitlines():
        m = _MARK.match(raw)
        if m:
            line, allowed, unfreed, because = int(m.group(1)), (), [], []
            continue
        m = _BECAUSE.match(raw)
        if m:
            because.append((int(m.group(1)), "WI-" + m.group(2)[3:]))
            continue
        m = _UNFREED.match(raw)
        if m:
            unfreed.append(f"w{m.group(1)}")
            continue
        m = _ALLOWED.match(raw)
        if m:
            allowed = res.allowed[line] = tracefmt.statuses_of_mask(int(m.group(1)))
            res.because[line] = tuple((tracefmt.STATUSES[b], r) for b, r in because)
            continue
        m = _WORKER.match(raw)
        if m:
            worker = int(m.group(1))
            continue
        m = _NOTE.match(raw)
        if m:
            rule = "WI-" + m.group(2)[3:]
            why = _explain(m.group(1), (rule,), "", None, ())
            if m.group(1) == "no_leak" and unfreed:
                why = f"{', '.join(unfreed)} never freed. {why}"
            f = Finding(line, event_text(line), (rule,), m.group(1), "miniport", why)
            if f not in notes:
                notes.append(f)
    fail = _ASSERT_FAIL.search(out)
    if not fail:
        err = _SPIN_ERROR.search(out)
        if err:
            return None, f"the trace driver failed in SPIN: {err.group(1)}"
        if not re.search(r"^\s*@@done\s*$", out, re.M):
            last = out.strip().splitlines()[-1:] or ["no output"]
            return None, f"the trace driver stopped before its end in SPIN: {last[0].strip()}"
        return None, ""
    assertion = fail.group(1)
    prop = next((n for n in _NAMES if re.search(rf"\b{n}\b", assertion)), "")
    rules = tuple(f"WI-{r}" for r in _RULE.findall(assertion))
    ev = by_line[line][1] if line in by_line else None
    if prop == "status_in_allowed_set" and ev is not None:
        if {tracefmt.STATUSES[b] for b, _ in because} != set(allowed):
            return None, (f"the model's rules for line {line} ({because}) are not those of its "
                          f"allowed set ({'|'.join(allowed)})")
        rules = _status_rules(allowed, because)
    keeper = texts[rules[0]][1] if rules and rules[0] in texts else "runtime"
    return Finding(line, event_text(line), rules, prop, keeper,
                   _explain(prop, rules, assertion, ev, allowed, worker)), ""


def check(path: str, timeout: float = 60.0, text: str | None = None) -> TraceResult:
    """Check one trace: the file `path`, or `text` named `path` (a pack's trace); SpinToolError
    if SPIN itself cannot run."""
    t0 = time.monotonic()
    try:
        name = path
        if text is None:                    # a file: named as tracefmt.load names it
            text, name = tracefmt.read_text(path), str(Path(path))
        trace = tracefmt.parse(text, name, allow_truncated=True)
        sh = _shape(trace)
        loop_line, end_line = _marker_lines(text)
        driver = driver_text(trace, sh, loop_line, end_line)
    except TraceError as e:
        return TraceResult(path, BAD_INPUT, error=str(e), seconds=time.monotonic() - t0)
    except _BadTrace as e:
        return TraceResult(path, BAD_INPUT, error=f"{path}:{e.line}: {e.message}",
                           seconds=time.monotonic() - t0)
    with tempfile.TemporaryDirectory(prefix="stork-check-") as tmp:
        model = Path(tmp) / "driver.pml"
        model.write_text(driver, encoding="utf-8")
        try:
            out = simulate(model, timeout)
        except SpinTimeout as e:
            return TraceResult(path, INCOMPLETE, len(trace.events), error=f"{path}: {e}",
                               seconds=time.monotonic() - t0)
    res = TraceResult(path, CONFORMS, len(trace.events))
    failure, internal = _read_output(out, trace, end_line, loop_line, res)
    if internal:
        raise SpinToolError(f"{path}: {internal}")
    res.seconds = time.monotonic() - t0
    for thread, w in sorted(_hung(trace, sh).items()):
        res.notes.append(Finding(loop_line, "loop", ("WI-M9",), "terminates", "miniport",
                                 f"the callback of {w} on {thread} runs all the way round the "
                                 f"loop: it never returns. {_explain('', ('WI-M9',), '', None, ())}"))
    if trace.truncated and not failure:
        # every event it has is one the model takes; whether the rest would be is not known
        return TraceResult(path, BAD_INPUT, len(trace.events), error=trace.truncated,
                           seconds=res.seconds, truncated=True)
    res.truncated = bool(trace.truncated)
    if failure:
        res.verdict, res.failure = REJECTED, failure
        # The loop's checks run after one pass of the cycle: its events came before them.
        after_cycle = failure.line == loop_line != 0
        earlier = [e for e in trace.events if after_cycle or e.line < failure.line]
        res.before = [(e.line, e.text()) for e in earlier[-CONTEXT_EVENTS:]]
    return res


def check_all(paths: list[str | tuple[str, str]], jobs: int = 2,
              timeout: float = 60.0) -> list[TraceResult]:
    """Check several traces (file paths, or a pack's (name, text) pairs), each in its own SPIN
    run, `jobs` at a time; results in order."""
    def one(p: str | tuple[str, str]) -> TraceResult:
        return check(p, timeout) if isinstance(p, str) else check(p[0], timeout, p[1])
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))
