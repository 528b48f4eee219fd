"""The transitions family of coverage goals (spec/coverage.md): every (abstract state, next
event) pair of the runtime the model can reach over k worker slots.

A pair's key is text, written the same way here (for a trace's events) and by
model/gen/transition_trap.pml (for the model's):

    STATES;PENDING;PHASE>EVENT        e.g.  q,rq;w2:1,w1:2;removing>start:w1

(the grammar is in the trap's header and in spec/coverage.md).

Three parts:
- `keys(trace, k)`: the key of each event of a trace, the trace-side classifier;
- `explore(bounds)`: SPIN's complete search of the general miniport with the trap
  recording every key it meets: the goals, exactly the pairs the model reaches within the
  bounds (`candidates(k, nthreads)` are the pairs the trace format and the contract make
  possible; candidates minus reachable are the unreachable ones, with that verdict); and, on
  request, a SPIN run (to the adapter's release) for each reachable key, from pan -e trails,
  each replayed and its "# tr" lines compared with `keys` of its trace event by event: what
  shows the trap and this classifier agree (tests/test_transitions.py);
- `plan(reach, k, nthreads)`: the corpus's runs, planned over the contract's state so that
  few runs take every reachable key (see the comment above `MAX_EVENTS`).
"""

from __future__ import annotations

import collections
import functools
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from stork import allowed
from stork import lifecycle as lc
from stork import trace as tracefmt
from stork.spin import PanOptions, compile_pan, generate, run_pan

CODE = {lc.IDLE: "i", lc.QUEUED: "q", lc.RUNNING: "r", lc.RUNNING_QUEUED: "rq",
        lc.FREED: "f", lc.FREED_RUNNING: "fr"}
STATE_OF = {v: k for k, v in CODE.items()}
RUNNING_CODES = ("r", "rq", "fr")
PHASES = ("live", "removing", "ended")
RUNS_CAP = 2     # a slot's run count in the key: 0 (not written), 1, 2 (twice or more)


def slot_text(code: str, runs: int) -> str:
    """A slot's part of STATES: its lifecycle code and, once its callback has started, how
    many times (capped at RUNS_CAP): `i`, `q1`, `rq2`, `f2`, ..."""
    return code + (str(min(runs, RUNS_CAP)) if runs else "")


def base_code(text: str) -> str:
    """The lifecycle code of a slot's part of STATES, without its run count."""
    return text.rstrip("0123456789")


class TransitionsError(Exception):
    """The trap and the classifier disagree, or SPIN failed: the model's or stork's fault."""


@dataclass(frozen=True)
class Bounds:
    """The general miniport's bounds: k = maxw worker slots."""

    ops: int = 9
    maxw: int = 2
    nthreads: int = 2
    last_call_pending: bool = False    # the last call only where it can leave k queued (k = 3)

    def defines(self) -> list[str]:
        return [f"OPS={self.ops}", f"MAXW={self.maxw}", f"NTHREADS={self.nthreads}",
                "ALLOC_FAIL=1"] + (["GEN_LAST_CALL_PENDING"] if self.last_call_pending else [])


@dataclass
class _Slot:
    live: bool = True
    queued: bool = False
    runner: str = ""
    runs: int = 0

    def code(self) -> str:
        return _code(self.live, self.queued, bool(self.runner), min(self.runs, RUNS_CAP))


@functools.lru_cache(maxsize=None)
def _code(live: bool, queued: bool, running: bool, runs: int) -> str:
    """A slot's part of STATES (a few dozen values, worked out once each: `keys` asks for
    every slot at every event)."""
    return slot_text(CODE[lc.WorkerState(live, queued, "x" if running else "").name()], runs)


def _slot_of(name: str) -> int:
    return int(name[1:]) if name.startswith("w") else 0


def _statuses(ev: tracefmt.Event) -> str:
    return "|".join(tracefmt.outcomes(ev.statuses))


def keys(trace: tracefmt.Trace, k: int) -> list[str | None]:
    """The key of each event of the trace (None: fail-alloc, which is no runtime transition,
    and every event once a worker beyond slot k was issued or named)."""
    slots: dict[int, _Slot] = {}
    pending: list[tuple[int, tuple[str, str]]] = []   # (slot, (routine, context)), queued first
    running: dict[str, str] = {}                       # thread -> worker name
    phase = "live"
    out: list[str | None] = []
    beyond = False
    for ev in trace.events:
        target = ev.worker if (ev.kind == "call" and ev.api == "init") else ev.handle
        if _slot_of(target or "") > k or _slot_of(ev.worker) > k:
            beyond = True
        if beyond or ev.kind in ("fail-alloc", "loop"):
            out.append(None)
        else:
            out.append(_key(ev, slots, pending, running, phase, k))
        # apply the event, as the contract monitor does
        s = slots.get(_slot_of(target or ""))
        ok = ev.statuses == ("SUCCESS",)
        if ev.kind == "call":
            if ev.api == "init" and ev.worker:
                slots[_slot_of(ev.worker)] = _Slot()
            elif ev.api == "queue" and ok and s and s.live:
                req = (ev.routine, ev.context)
                n = _slot_of(target)
                if s.queued:
                    pending[:] = [(i, req if i == n else r) for i, r in pending]
                else:
                    pending.append((n, req))
                s.queued = True
            elif ev.api == "free" and ok and s:
                s.live = False
        elif ev.kind == "start" and s:
            pending[:] = [(i, r) for i, r in pending if i != _slot_of(target)]
            s.queued = False
            s.runner = ev.ctx
            s.runs += 1
            running[ev.ctx] = target
        elif ev.kind == "return":
            if s:
                s.runner = ""
            running.pop(ev.ctx, None)
        elif ev.kind == "remove":
            phase = "removing" if ev.api == "begin" else "ended"
    return out


def state_text(codes: list[str], pending: list[tuple[int, object]], phase: str) -> str:
    """STATES;PENDING;PHASE, with the request classes numbered in the pending order."""
    classes: list[object] = []
    parts = []
    for i, req in pending:
        if req not in classes:
            classes.append(req)
        parts.append(f"w{i}:{classes.index(req) + 1}")
    return f"{','.join(codes)};{','.join(parts) or '-'};{phase}"


def _key(ev: tracefmt.Event, slots: dict[int, _Slot], pending: list, running: dict[str, str],
         phase: str, k: int) -> str:
    codes = [slots[i].code() if i in slots else "u" for i in range(1, k + 1)]
    head = state_text(codes, pending, phase)
    if ev.kind == "call":
        caller = lc.caller_class(ev, running)
        if ev.api == "init":
            return f"{head}>init:{caller}:{_statuses(ev)}"
        h = ev.handle if ev.handle.startswith("w") or ev.handle == "null" else "bad"
        return f"{head}>{ev.api}:{h}:{caller}:{_statuses(ev)}"
    if ev.kind in ("start", "return"):
        return f"{head}>{ev.kind}:{ev.handle}"
    return f"{head}>remove:{ev.api}"


def keys_of(trace: tracefmt.Trace, k: int) -> set[str]:
    return {x for x in keys(trace, k) if x}


def pending_count(key: str) -> int:
    """How many workers are queued in the key's state (its PENDING part)."""
    pending = key.split(">", 1)[0].split(";")[1]
    return 0 if pending == "-" else pending.count(",") + 1


def _restricted_growth(n: int) -> list[tuple[int, ...]]:
    """The ways to number n requests by class in order of first appearance (1, then at most
    one more than the largest so far)."""
    out = [()]
    for _ in range(n):
        out = [s + (c,) for s in out for c in range(1, (max(s) if s else 0) + 2)]
    return out


def candidates(k: int, nthreads: int) -> set[str]:
    """Every pair the trace format and the contract make possible over k slots and nthreads
    system threads: slots issued in order; at most nthreads callbacks running; pending = the
    queued slots in any order with any numbering of their requests; in each state every event
    that may come next: a call of each API on each slot (and NULL, never-issued) by each
    caller that can exist then (own-callback: the slot's callback runs; other-callback: some
    other slot's does; after remove end only callbacks call, WI-R4) with the contract's allowed
    set; a start of a queued slot while a thread is free; a return of a running one; removal's
    two steps in order; each slot with each run count its state allows (a running slot has
    run at least once)."""
    out: set[str] = set()
    slot_texts = ["u"] + [slot_text(c, n) for c in CODE.values() for n in range(RUNS_CAP + 1)
                          if n or c not in RUNNING_CODES]
    for texts in itertools.product(slot_texts, repeat=k):
        if "u" in texts and any(c != "u" for c in texts[texts.index("u"):]):
            continue
        codes = tuple(base_code(c) for c in texts)
        nrun = sum(c in RUNNING_CODES for c in codes)
        if nrun > nthreads:
            continue
        queued = [i + 1 for i, c in enumerate(codes) if c in ("q", "rq")]
        for order in itertools.permutations(queued):
            for classes in _restricted_growth(len(order)):
                for phase in PHASES:
                    head = state_text(list(texts), list(zip(order, classes)), phase)
                    out |= {f"{head}>{e}" for e in _events(codes, phase, nrun, nthreads)}
    return out


@functools.lru_cache(maxsize=None)
def _next_events(codes: tuple[str, ...], phase: str, nrun: int, nthreads: int) -> tuple[str, ...]:
    """`_events`, each once and in order: what the walks take from a state (many states share
    their codes and phase, so it is worked out once for each)."""
    return tuple(sorted(set(_events(codes, phase, nrun, nthreads))))


def _events(codes: tuple[str, ...], phase: str, nrun: int, nthreads: int) -> list[str]:
    removing = phase != "live"
    running = [i + 1 for i, c in enumerate(codes) if c in RUNNING_CODES]
    evs = []
    for i, c in enumerate(codes, 1):
        if c == "q" and nrun < nthreads:
            evs.append(f"start:w{i}")
        if c in RUNNING_CODES:
            evs.append(f"return:w{i}")
    if phase == "live":
        evs.append("remove:begin")
    elif phase == "removing":
        evs.append("remove:end")
    routines = ["passive", "dispatch", "dirql"] if phase != "ended" else []
    callers_any = routines + (["other-callback"] if running else [])
    for caller in callers_any:
        dirql = caller == "dirql"
        evs.append(f"init:{caller}:{'|'.join(allowed.init(dirql, False))}")
        if not dirql:
            evs.append(f"init:{caller}:INSUFFICIENT_RESOURCES")
        for h in ("null", "bad"):
            state = lc.NONE if h == "null" else lc.UNISSUED
            evs.append(f"queue:{h}:{caller}:{'|'.join(allowed.queue(state, dirql, removing, h, 'cb1'))}")
            evs.append(f"free:{h}:{caller}:{'|'.join(allowed.free(state, dirql, h))}")
    for i, c in enumerate(codes, 1):
        if c == "u":
            continue
        callers = routines + (["own-callback"] if c in RUNNING_CODES else []) + (
            ["other-callback"] if any(j != i for j in running) else [])
        state = STATE_OF[c]
        for caller in callers:
            dirql = caller == "dirql"
            evs.append(f"queue:w{i}:{caller}:{'|'.join(allowed.queue(state, dirql, removing, 'w1', 'cb1'))}")
            evs.append(f"free:w{i}:{caller}:{'|'.join(allowed.free(state, dirql, 'w1'))}")
    return evs


# ---- SPIN ----

@dataclass
class Reach:
    """SPIN's verdict on the bounds: the keys its search met, and whether it was complete."""

    keys: list[str]
    states: int
    seconds: float
    complete: bool
    reason: str = ""
    depth: int = 0              # the deepest path pan's search went (its limit: PanOptions.depth)


@dataclass(frozen=True)
class TrWitness:
    hit: str                    # the wanted key the run was trapped on
    events: tuple[str, ...]     # the model's event lines
    keys: frozenset[str]        # every key of the run


def _design() -> Path:
    from stork.gen import GEN_DESIGN
    return GEN_DESIGN


def _compile(workdir: Path, bounds: Bounds, opts: PanOptions) -> None:
    from stork.gen import MINIPORT_PROPERTIES
    generate(_design(), workdir, bounds.defines() + ["GEN_TRANSITIONS"] +
             [f"STORK_OFF_{p}" for p in MINIPORT_PROPERTIES])
    compile_pan(workdir, opts, safety=True)


def _opts(opts: PanOptions | None) -> PanOptions:
    # tcc: it compiles pan.c in a tenth of a second, gcc -O2 in several; the searches are small.
    # No -DREACH: it only changes a search that pan's depth limit (-m, 100,000) cuts, by
    # searching again from a state met again at a smaller depth; a search never cut explores
    # every reachable state once either way, so it meets the same pairs (at OPS=9 with half the
    # transitions: docs/benchmarks.md). Cut, pan says "max search depth too small" with or
    # without it, which run_pan reads as incomplete and gen reports as exit 3 (the searches'
    # depths are under 100: tests/test_transitions.py). -w20: the table pan starts with fits
    # the largest search (323,265 states at OPS=9) without growing it several times over.
    return opts or PanOptions(cc_opt="-O0", hash_bits=20)


@dataclass
class Exploration:
    """Both searches of one pan: the reachable keys, and the runs that witness them."""

    reach: Reach
    runs: list[TrWitness]
    unmet: set[str]             # reachable keys no run witnesses (empty, or the trap is wrong)
    rounds: int
    seconds: float


def explore(bounds: Bounds, opts: PanOptions | None = None, time_limit: float = 600.0,
            classify: Callable[[tracefmt.Trace, int], list[str | None]] | None = None,
            runs: bool = True) -> Exploration:
    """The reachable keys (one complete search recording them) and, with `runs`, a SPIN run
    for each (rounds of witness searches, see `_witnesses`: what shows the trap and `keys`
    agree), with one compiled pan. A search cut short (depth, memory, `time_limit`) leaves
    `reach.complete` false and no runs."""
    opts = _opts(opts)
    started = time.monotonic()
    deadline = started + time_limit
    workdir = Path(tempfile.mkdtemp(prefix="stork-tr-"))
    try:
        _compile(workdir, bounds, opts)
        seen = workdir / "seen.txt"
        res = run_pan(workdir, opts, [], {"STORK_TR_SEEN": str(seen)}, time_limit=time_limit)
        if res.errors:
            raise TransitionsError(f"the generator model broke a runtime property: {res.error_line}")
        found = sorted(set(seen.read_text().split("\n")) - {""}) if seen.exists() else []
        reach = Reach(found, res.states, res.seconds, res.complete, res.incomplete_reason, res.depth)
        if not reach.complete or not runs:
            return Exploration(reach, [], set(found), 0, time.monotonic() - started)
        witnesses, unmet, rounds = _witnesses(workdir, bounds, set(found), opts, deadline,
                                         classify or keys)
        return Exploration(reach, witnesses, unmet, rounds, time.monotonic() - started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _witnesses(workdir: Path, bounds: Bounds, want: set[str], opts: PanOptions,
               deadline: float, classify: Callable[[tracefmt.Trace, int], list[str | None]]
               ) -> tuple[list[TrWitness], set[str], int]:
    """A whole run for each wanted key: rounds of one pan -e search each (a trail per key met
    first, the miniport stopped at once after it), each round wanting the keys no run so far
    met, until none is left or a round meets none (SPIN reaches no more of them: they are
    returned unmet). The runs come in a deterministic order."""
    left = set(want)
    runs: list[TrWitness] = []
    rounds = 0
    while left and time.monotonic() < deadline:
        rounds += 1
        for t in workdir.glob("*.trail"):
            t.unlink()
        wantf, hitsf = workdir / "want.txt", workdir / "hits.txt"
        wantf.write_text("".join(f"{x}\n" for x in sorted(left)))
        res = run_pan(workdir, opts, [f"-c{len(left) + 1}", "-e"],
                      {"STORK_TR_WANT": str(wantf), "STORK_TR_HITS": str(hitsf)},
                      time_limit=max(1.0, deadline - time.monotonic()))
        if res.errors and "!(tr_fail)" not in res.error_line:
            raise TransitionsError(f"the generator model broke a runtime property: {res.error_line}")
        trails = sorted(workdir.glob("*.trail"), key=lambda p: int(p.stem.rsplit("pml", 1)[1]))
        if not trails:
            break
        hits = dict(ln.split(" ", 1) for ln in hitsf.read_text().splitlines())
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            new = list(pool.map(lambda t: _replay(workdir, t, bounds, classify,
                                                  hits[t.stem.rsplit("pml", 1)[1]]), trails))
        runs += new
        for w in new:
            left -= w.keys
    return runs, left, rounds


def _replay(workdir: Path, trail: Path, bounds: Bounds,
            classify: Callable[[tracefmt.Trace, int], list[str | None]], hit: str) -> TrWitness:
    p = subprocess.run(["./pan", "-r", trail.name, "-n", "-m10000", "-w10"], cwd=workdir,
                       capture_output=True, text=True, errors="replace", timeout=120)
    lines = [" ".join(ln.split()) for ln in p.stdout.splitlines()]
    events = [ln for ln in lines if ln.split(" ", 1)[0] in tracefmt.EVENT_WORDS]
    model_keys = [ln[5:] for ln in lines if ln.startswith("# tr ")]
    text = "\n".join([tracefmt.HEADER] + events + ["end"]) + "\n"
    try:
        t = tracefmt.parse(text, trail.name)
    except tracefmt.TraceError as e:
        raise TransitionsError(f"the model printed a malformed trace: {e}") from None
    ours = [x for x in classify(t, bounds.maxw) if x is not None]
    if ours != model_keys:
        diff = next((i for i, (a, b) in enumerate(zip(ours, model_keys)) if a != b),
                    min(len(ours), len(model_keys)))
        raise TransitionsError(
            "model/gen/transition_trap.pml and stork/transitions.py disagree at event "
            f"{diff + 1} of this run: the model's key "
            f"{model_keys[diff] if diff < len(model_keys) else '(none)'}, ours "
            f"{ours[diff] if diff < len(ours) else '(none)'}:\n{text}")
    if hit not in model_keys:
        raise TransitionsError(f"the run trapped on {hit} does not meet it:\n{text}")
    return TrWitness(hit, tuple(events), frozenset(model_keys))


# ---- the corpus: runs of the contract over the reachable pairs ----
#
# The witnesses are planned, not searched for: a walk over the runtime's state (the abstract
# state refined with each pending request's routine and context, which threads run what, and
# nothing else the contract looks at), taking from each state exactly the events whose key
# SPIN's complete search reached. Every run of that walk is a run of the contract (the state
# is all an event's allowed set, and whether a start or return may happen, depends on), and
# every reachable key is taken by some run (the model's own runs are runs of the walk). The
# plan covers every key with few runs: the shortest way to a key not covered yet, then on
# along keys not covered yet while any is there, then the shortest way to the release.
# Each planned trace is classified again with `keys` and must give exactly the planned keys,
# every one of them reachable; check-trace (the model as the oracle) accepts every one
# (tests/test_gen.py).

MAX_EVENTS = 40          # a planned run stops collecting new keys past this many events

_CALLER_CTX = {"passive": ("passive", "PASSIVE"), "dispatch": ("dpc", "DISPATCH"),
               "dirql": ("isr", "DIRQL")}
_REQ_ROUTINE = ("cb1", "ctx1")     # what a miniport routine queues with (general_miniport.pml)
_REQ_CALLBACK = ("cb2", "ctx2")    # ... and a callback


# NamedTuples, not frozen dataclasses: the walk hashes and compares states millions of times
# (tuples do it in C; their repr, which _to_release orders by, is the dataclasses' too).
class _RSlot(NamedTuple):
    live: bool = True
    queued: bool = False
    runner: int = -1                       # the system thread running its callback, or -1
    req: tuple[str, str] | None = None     # the pending request's routine and context
    runs: int = 0                          # its callbacks started, capped at RUNS_CAP


class RState(NamedTuple):
    """The runtime's state as the contract sees it, refined enough to write a trace."""

    slots: tuple[_RSlot, ...] = ()         # issued workers, w1 first
    pending: tuple[int, ...] = ()          # slots queued, in the order queued
    phase: str = "live"

    def codes(self, k: int) -> list[str]:
        return [_slot_code(s) for s in self.slots] + ["u"] * (k - len(self.slots))

    def head(self, k: int) -> str:
        return state_text(self.codes(k), [(i, self.slots[i - 1].req) for i in self.pending],
                          self.phase)

    def released(self) -> bool:
        return self.phase == "ended" and not self.pending and all(s.runner < 0 for s in self.slots)


def _slot_code(s: _RSlot) -> str:
    return _code(s.live, s.queued, s.runner >= 0, s.runs)


def _caller(st: RState, caller: str, target: int) -> tuple[str, str, int]:
    """The context, IRQL and thread (-1: none) a call by that caller is made from."""
    if caller in _CALLER_CTX:
        return (*_CALLER_CTX[caller], -1)
    if caller == "own-callback":
        t = st.slots[target - 1].runner
    else:
        t = min(s.runner for i, s in enumerate(st.slots, 1) if s.runner >= 0 and i != target)
    return f"sys{t}", "PASSIVE", t


def step(st: RState, event: str, nthreads: int) -> tuple[RState, list[str]]:
    """The state after `event` (a key's EVENT part) and its trace lines."""
    parts = event.split(":")
    slots = list(st.slots)
    pending = list(st.pending)
    if parts[0] == "init":
        _, caller, statuses = parts
        ctx, irql, _t = _caller(st, caller, 0)
        if statuses == "SUCCESS":
            slots.append(_RSlot())
            return RState(tuple(slots), st.pending, st.phase), [
                f"call {ctx} {irql} init -> SUCCESS w{len(slots)}"]
        pre = ["fail-alloc"] if "INSUFFICIENT_RESOURCES" in statuses else []
        return st, pre + [f"call {ctx} {irql} init -> {statuses}"]
    if parts[0] in ("queue", "free"):
        api, h, caller, statuses = parts
        n = int(h[1:]) if h.startswith("w") else 0
        ctx, irql, t = _caller(st, caller, n)
        handle = {"null": "null", "bad": "bad1"}.get(h, h)
        ok = statuses == "SUCCESS"
        if api == "queue":
            req = _REQ_CALLBACK if t >= 0 else _REQ_ROUTINE
            line = f"call {ctx} {irql} queue {handle} {req[0]} {req[1]} -> {statuses}"
            if ok:
                s = slots[n - 1]
                if not s.queued:
                    pending.append(n)
                slots[n - 1] = _RSlot(s.live, True, s.runner, req, s.runs)
        else:
            line = f"call {ctx} {irql} free {handle} -> {statuses}"
            if ok:
                s = slots[n - 1]
                slots[n - 1] = _RSlot(False, s.queued, s.runner, s.req, s.runs)
        return RState(tuple(slots), tuple(pending), st.phase), [line]
    if parts[0] == "start":
        n = int(parts[1][1:])
        busy = {s.runner for s in slots}
        t = min(i for i in range(nthreads) if i not in busy)
        s = slots[n - 1]
        slots[n - 1] = _RSlot(s.live, False, t, None, min(s.runs + 1, RUNS_CAP))
        pending.remove(n)
        return RState(tuple(slots), tuple(pending), st.phase), [
            f"start sys{t} w{n} {s.req[0]} {s.req[1]}"]
    if parts[0] == "return":
        n = int(parts[1][1:])
        s = slots[n - 1]
        slots[n - 1] = _RSlot(s.live, s.queued, -1, s.req, s.runs)
        return RState(tuple(slots), st.pending, st.phase), [f"return sys{s.runner} w{n}"]
    phase = "removing" if parts[1] == "begin" else "ended"
    return RState(st.slots, st.pending, phase), [f"remove {parts[1]}"]


@dataclass
class Graph:
    """The walk's states and, for each, its events: (key, next state)."""

    root: RState
    out: dict[RState, list[tuple[str, RState]]]


def graph(reach: set[str], k: int, nthreads: int) -> Graph:
    """Every state the walk reaches from the adapter's start taking only reachable keys."""
    root = RState()
    out: dict[RState, list[tuple[str, RState]]] = {}
    todo = [root]
    while todo:
        st = todo.pop()
        if st in out:
            continue
        codes = tuple(base_code(c) for c in st.codes(k))
        nrun = sum(c in RUNNING_CODES for c in codes)
        head = st.head(k)
        edges = []
        if not st.released():
            for e in _next_events(codes, st.phase, nrun, nthreads):
                key = f"{head}>{e}"
                if key in reach:
                    nxt, _ = step(st, e, nthreads)
                    edges.append((key, nxt))
                    todo.append(nxt)
        out[st] = edges
    return Graph(root, out)


def _bfs(g: Graph) -> dict[RState, tuple[RState, str] | None]:
    """The shortest way from the root to each state: its last (state, key)."""
    prev: dict[RState, tuple[RState, str] | None] = {g.root: None}
    frontier = [g.root]
    while frontier:
        nxt = []
        for st in frontier:
            for key, to in g.out[st]:
                if to not in prev:
                    prev[to] = (st, key)
                    nxt.append(to)
        frontier = nxt
    return prev


def _to_release(g: Graph) -> dict[RState, tuple[str, RState] | None]:
    """The shortest way from each state to the release: its first (key, state)."""
    into: dict[RState, list[tuple[RState, str]]] = {}
    for st, edges in g.out.items():
        for key, to in edges:
            into.setdefault(to, []).append((st, key))
    nxt_of: dict[RState, tuple[str, RState] | None] = {st: None for st in g.out if st.released()}
    frontier = sorted(nxt_of, key=repr)
    while frontier:
        new = []
        for to in frontier:
            for st, key in sorted(into.get(to, []), key=lambda x: x[1]):
                if st not in nxt_of:
                    nxt_of[st] = (key, to)
                    new.append(st)
        frontier = new
    return nxt_of


@dataclass(frozen=True)
class Plan:
    goal: str                   # the key the run was planned for
    keys: tuple[str, ...]       # its keys, in order
    lines: tuple[str, ...]      # its trace lines


def plan(reach: set[str], k: int, nthreads: int,
         goals: set[str] | None = None) -> tuple[list[Plan], set[str]]:
    """Runs covering every goal (default: every reachable key) the walk can take to a release,
    walking over all reachable keys (a key that is no goal is taken only on the way to one or
    to the release); and the goals it cannot take (none, unless the walk and the model
    disagree, or a goal is not reachable)."""
    goals = reach if goals is None else goals
    g = graph(reach, k, nthreads)
    prev = _bfs(g)
    nxt = _to_release(g)
    edges = {key: (st, to) for st, es in g.out.items() for key, to in es
             if st in prev and to in nxt}
    left = set(edges) & goals
    depth: dict[RState, int] = {}         # each state's steps from the root on its shortest way
    for s in prev:                         # (prev is filled in breadth-first order)
        depth[s] = 0 if prev[s] is None else depth[prev[s][0]] + 1
    dist = {key: depth[edges[key][0]] for key in left}
    plans: list[Plan] = []
    for goal in sorted(left, key=lambda x: (dist[x], x)):
        if goal not in left:
            continue
        st, to = edges[goal]
        path: list[tuple[RState, str]] = [(st, goal)]
        s = st
        while prev[s] is not None:
            s, key = prev[s]
            path.insert(0, (s, key))
        on_path = {key for _, key in path}
        cur = to
        while len(path) < MAX_EVENTS:
            fresh = next(((key, n) for key, n in g.out[cur]
                          if key in left and key not in on_path and n in nxt), None)
            if fresh is None:
                break
            key, n = fresh
            path.append((cur, key))
            on_path.add(key)
            cur = n
        while nxt[cur] is not None:
            key, n = nxt[cur]
            path.append((cur, key))
            cur = n
        lines: list[str] = []
        for s, key in path:
            lines += step(s, key.split(">", 1)[1], nthreads)[1]
        plans.append(Plan(goal, tuple(key for _, key in path), tuple(lines)))
        left -= {key for _, key in path}
    return plans, goals - set(edges)


# ---- the contract's walk without a call bound: where SPIN's search stops growing ----
#
# SPIN's search is bounded by OPS, the general miniport's budget of calls; the question a
# larger k raises is at which OPS it reaches every pair it ever will. The walk above answers
# it without SPIN: run over every candidate event the general miniport can make (its callers
# pass NULL or a never-issued handle from PASSIVE only, and the runtime model issues at most k
# workers), counting the fewest calls a run of it makes up to a pair (the pair's own event
# counted if it is a call), it gives the pairs SPIN's search meets within OPS calls: the same
# sets at k = 3, OPS=5 to 11 and 13, and at k = 2, OPS=4 and its fixpoint (OPS=9), the same counts at
# k = 2 for every OPS from 4 to 9 (docs/benchmarks.md, "transitions"; tests/test_transitions.py
# checks it at small bounds). Beyond the bounds SPIN was run at it is a prediction, not SPIN's
# verdict: the corpus's goals stay SPIN's reachable pairs.

def miniport_makes(key: str) -> bool:
    """Whether the general miniport (model/gen/general_miniport.pml) can make the key's event
    in a state where the contract allows it: NULL and never-issued handles come from PASSIVE
    callers only (pick_handle), and an init succeeds only while a slot is unissued (a worker
    beyond k has no key)."""
    head, ev = key.split(">", 1)
    parts = ev.split(":")
    if parts[0] in ("queue", "free") and parts[1] in ("null", "bad") and parts[2] in ("dispatch", "dirql"):
        return False
    if parts[0] == "init" and parts[-1] == "SUCCESS" and "u" not in head.split(";", 1)[0].split(","):
        return False
    return True


def walk_reach(k: int, nthreads: int, ops: int | None = None) -> dict[str, int]:
    """Every pair the contract's walk reaches over the general miniport's events (with `ops`,
    only those a run reaches within that many calls), and for each the fewest calls a run
    makes up to it, its own event included."""
    def calls(ev: str) -> int:
        return 1 if ev.split(":", 1)[0] in ("init", "queue", "free") else 0

    dist = {RState(): 0}
    done: set[RState] = set()
    todo = collections.deque([(0, RState())])    # 0-1 breadth-first: calls weigh 1, others 0
    need: dict[str, int] = {}
    while todo:
        d, st = todo.popleft()
        if st in done or d > dist[st]:
            continue
        done.add(st)
        if st.released():
            continue
        codes = tuple(base_code(c) for c in st.codes(k))
        nrun = sum(c in RUNNING_CODES for c in codes)
        head = st.head(k)
        for e in _next_events(codes, st.phase, nrun, nthreads):
            key = f"{head}>{e}"
            nd = d + calls(e)
            if (ops is not None and nd > ops) or not miniport_makes(key):
                continue
            need[key] = min(need.get(key, nd), nd)
            to, _ = step(st, e, nthreads)
            if nd < dist.get(to, nd + 1):
                dist[to] = nd
                (todo.append if calls(e) else todo.appendleft)((nd, to))
    return need
