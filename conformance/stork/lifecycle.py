"""Walk a trace and know, at each event, every worker's state and who is calling.

This is the contract's view of a trace (spec/contract.md), used to classify events for
coverage. It does not judge the statuses; replay and check-trace do that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stork.trace import Event, Trace

# Worker states as the contract names them; a running callback is orthogonal to queued.
# NONE: a NULL handle; UNISSUED: a value the runtime never issued (bad<N>).
NEW, IDLE, QUEUED, RUNNING, RUNNING_QUEUED, FREED, FREED_RUNNING, NONE, UNISSUED = (
    "new", "idle", "queued", "running", "running+queued", "freed", "freed+running", "none",
    "unissued")


@dataclass
class WorkerState:
    live: bool = True
    queued: bool = False
    runner: str = ""            # the system thread running its callback, or ""

    def name(self) -> str:
        if not self.live:
            return FREED_RUNNING if self.runner else FREED
        if self.runner:
            return RUNNING_QUEUED if self.queued else RUNNING
        return QUEUED if self.queued else IDLE


@dataclass
class Step:
    """One event with the context it happened in (before the event took effect)."""

    event: Event
    state: str                  # the state of the worker the event concerns (NONE, UNISSUED)
    caller: str                 # passive / dispatch / dirql / own-callback / other-callback / runtime
    removing: bool              # removal had begun
    running_elsewhere: bool     # the worker's callback runs on another thread than the caller
    others_running: int         # callbacks of other workers running at this moment
    any_queued: bool            # some worker was queued
    any_running: bool           # some callback was running
    after_fail_alloc: bool      # a fail-alloc event came right before


@dataclass
class Walk:
    steps: list[Step] = field(default_factory=list)
    workers: dict[str, WorkerState] = field(default_factory=dict)
    # for each worker, the sequence of its lifecycle transitions (coverage T goals)
    transitions: dict[str, list[str]] = field(default_factory=dict)


def caller_class(ev: Event, running: dict[str, str]) -> str:
    """Who makes a call: a routine at its IRQL, or a callback (the worker's own or another's)."""
    if ev.ctx in running:
        if ev.handle and ev.handle == running[ev.ctx]:
            return "own-callback"
        return "other-callback"
    return {"PASSIVE": "passive", "APC": "passive", "DISPATCH": "dispatch"}.get(ev.irql, "dirql")


def transition_name(ev: Event) -> str:
    if ev.kind == "call":
        ok = ev.statuses == ("SUCCESS",)
        return f"{ev.api}:{'ok' if ok else '|'.join(ev.statuses)}"
    return ev.kind


def walk(trace: Trace) -> Walk:
    """Every step of the trace in one pass, in time linear in its events: what a step needs
    to know about all workers and threads is kept as counts, not searched for."""
    w = Walk()
    running: dict[str, str] = {}        # thread -> worker whose callback it runs
    runners: dict[str, int] = {}        # worker -> threads running its callback
    nqueued = 0                         # workers (live or freed) whose queued flag is set
    removing = False
    pending_fail = False
    for ev in trace.events:
        target = ev.worker if (ev.kind == "call" and ev.api == "init") else ev.handle
        ws = w.workers.get(target) if target else None
        if ev.kind == "call" and ev.api == "init":
            state = NEW
        else:
            state = ws.name() if ws else (UNISSUED if target.startswith("bad") else NONE)
        caller = caller_class(ev, running) if ev.kind == "call" else "runtime"
        elsewhere = bool(ws and ws.runner and ws.runner != ev.ctx)
        others = len(running) - runners.get(target, 0)
        w.steps.append(Step(ev, state, caller, removing, elsewhere, others, nqueued > 0,
                            bool(running), pending_fail))
        pending_fail = ev.kind == "fail-alloc"
        if target and (ev.kind != "call" or ev.api != "init" or ev.worker):
            w.transitions.setdefault(target, []).append(transition_name(ev))
        # apply the event (the allowed set's SUCCESS is what changes state)
        if ev.kind == "call":
            ok = ev.statuses == ("SUCCESS",)
            if ev.api == "init" and ev.worker:
                nqueued -= bool(ws and ws.queued)    # a name issued again: a new worker
                w.workers[ev.worker] = WorkerState()
            elif ev.api == "queue" and ok and ws:
                nqueued += not ws.queued
                ws.queued = True
            elif ev.api == "free" and ok and ws:
                ws.live = False
        elif ev.kind == "start" and ws:
            nqueued -= ws.queued
            ws.queued = False
            ws.runner = ev.ctx
            _stop_running(running, runners, ev.ctx)
            running[ev.ctx] = ev.handle
            runners[ev.handle] = runners.get(ev.handle, 0) + 1
        elif ev.kind == "return":
            if ws:
                ws.runner = ""
            _stop_running(running, runners, ev.ctx)
        elif ev.kind == "remove" and ev.api == "begin":
            removing = True
    return w


def _stop_running(running: dict[str, str], runners: dict[str, int], thread: str) -> None:
    """The thread no longer runs a callback (if it ran one)."""
    worker = running.pop(thread, None)
    if worker is not None:
        runners[worker] -= 1
