"""Coverage goals over traces (spec/coverage.md) and which of them a set of traces meets.

Goals are computed from the contract, not from any generator, so `stork coverage` works on
traces recorded from an implementation or written by hand as well as on generated ones.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from stork import allowed, status_rules
from stork import lifecycle as lc
from stork.properties import contract_rule_ids
from stork.trace import Trace, outcomes

CALLERS = ("passive", "dispatch", "dirql", "own-callback", "other-callback")
STATES = (lc.IDLE, lc.QUEUED, lc.RUNNING, lc.RUNNING_QUEUED, lc.FREED, lc.FREED_RUNNING)

# Rules that version 1 of the trace format cannot exercise, with the reason.
UNREACHABLE_RULES = {
    "WI-I3": "a NULL HwDeviceExtension or NULL Worker pointer cannot be written in trace v1",
    "WI-M11": "a trace carries no memory access of the miniport; `stork audit` checks data races on its C code",
}


def call_goals() -> list[str]:
    """API x worker state x caller x allowed statuses, for each combination the contract makes
    possible, before and after removal began (goal names carry the allowed set as the trace
    does). own-callback needs the worker's callback running on the caller's thread; the
    freed+running state is reached only by a callback that freed its own worker.
    """
    goals = []
    running_states = (lc.RUNNING, lc.RUNNING_QUEUED, lc.FREED_RUNNING)
    for api, state, caller, removing in itertools.product(
            ("queue", "free"), STATES, CALLERS, (False, True)):
        if caller == "own-callback" and state not in running_states:
            continue
        if state == lc.FREED_RUNNING and caller != "own-callback":
            continue
        dirql = caller == "dirql"
        if api == "queue":
            st = allowed.queue(state, dirql, removing, "w1", "cb1")
        else:
            if removing and state not in (lc.IDLE, lc.RUNNING):
                continue        # removal changes nothing for free but WI-F7's SUCCESS
            st = allowed.free(state, dirql, "w1")
        goals.append(call_goal(api, state, caller, st))
    for caller in CALLERS:
        if caller == "own-callback":
            continue
        goals.append(call_goal("init", lc.NEW, caller, allowed.init(caller == "dirql", False)))
        if caller != "dirql":
            goals.append(call_goal("init", lc.NEW, caller, allowed.init(False, True)))
    for api, state in itertools.product(("queue", "free"), (lc.NONE, lc.UNISSUED)):
        goals.append(call_goal(api, state, "passive", ("INVALID_PARAMETER",)))
    return sorted(set(goals))


def call_goal(api: str, state: str, caller: str, statuses: tuple[str, ...]) -> str:
    return f"call:{api}:{state}:{caller}:{'|'.join(statuses)}"


TRANSITIONS = ("init:ok", "queue:ok", "queue:BUSY", "queue:INVALID_DEVICE_STATE", "start",
               "return", "free:ok", "free:BUSY", "free:UNSUCCESSFUL")


def pair_goals() -> list[str]:
    """Consecutive lifecycle transitions of one worker that the contract allows."""
    # A return follows any call its callback made on its own worker; after a return the
    # worker may still be queued (re-queued while it ran) or freed (by the callback).
    follows = {
        "init:ok": ("queue:ok", "free:ok", "queue:INVALID_DEVICE_STATE"),
        "queue:ok": ("queue:BUSY", "free:BUSY", "start", "return"),
        "queue:BUSY": ("queue:BUSY", "free:BUSY", "start", "return"),
        "free:BUSY": ("queue:BUSY", "free:BUSY", "start", "return"),
        "queue:INVALID_DEVICE_STATE": ("queue:INVALID_DEVICE_STATE", "free:ok", "return"),
        "start": ("queue:ok", "free:ok", "return", "queue:INVALID_DEVICE_STATE"),
        "return": ("queue:ok", "queue:BUSY", "free:ok", "free:BUSY", "free:UNSUCCESSFUL",
                   "start", "queue:INVALID_DEVICE_STATE"),
        "free:ok": ("free:UNSUCCESSFUL", "return"),
        "free:UNSUCCESSFUL": ("free:UNSUCCESSFUL", "return"),
    }
    return [f"pair:{a}>{b}" for a in TRANSITIONS for b in follows.get(a, ())]


INTERLEAVINGS = {
    "race:queue-vs-callback": "a queue of a worker while its callback runs on another thread",
    "race:requeue-vs-callback": "a re-queue from inside the callback while another callback runs",
    "race:free-vs-callback": "a free of a worker while its callback runs on another thread",
    "race:removal-vs-queued": "removal begins while a callback is queued",
    "race:removal-vs-running": "removal begins while a callback runs",
    "alloc-fail:passive": "an allocation failure at a PASSIVE initialization",
    "alloc-fail:dispatch": "an allocation failure at a DISPATCH initialization",
    "alloc-fail:callback": "an allocation failure at an initialization inside a callback",
}


@dataclass
class GoalSet:
    """All goals by family, and what met them (goal -> first trace that met it)."""

    goals: dict[str, list[str]] = field(default_factory=dict)
    met: dict[str, str] = field(default_factory=dict)

    def family_counts(self) -> list[tuple[str, int, int]]:
        return [(fam, sum(g in self.met for g in gs), len(gs)) for fam, gs in self.goals.items()]

    def unmet(self) -> list[str]:
        return [g for gs in self.goals.values() for g in gs if g not in self.met]


def all_goals() -> dict[str, list[str]]:
    rules = [f"rule:{r}" for r in contract_rule_ids() if r not in UNREACHABLE_RULES]
    return {
        "rules": rules,
        "calls": call_goals(),
        "pairs": pair_goals(),
        "interleavings": list(INTERLEAVINGS),
    }


def statuses_exercised(step: lc.Step) -> set[str]:
    """The statuses whose rules a call exercises: an error its context makes the answer (the
    IRQL, a NULL or never-issued handle), the others it lists, and SUCCESS when it is the whole
    answer (for init, when a worker came of it)."""
    ev, s = step.event, set(step.event.statuses)
    out = s & {"INSUFFICIENT_RESOURCES", "INVALID_DEVICE_STATE", "BUSY", "UNSUCCESSFUL"}
    if step.caller == "dirql":
        out.add("INVALID_IRQL")
    bad = ev.handle.startswith("bad")
    if ev.api == "init":
        if ev.worker:
            out.add("SUCCESS")
        return out
    if ev.handle == "null" or bad or (ev.api == "queue" and (
            ev.routine == "null" or step.state in (lc.FREED, lc.FREED_RUNNING))):
        out.add("INVALID_PARAMETER")
    if s == {"SUCCESS"}:
        out.add("SUCCESS")
    return out


def _rules_of(step: lc.Step, restarted: set[str]) -> set[str]:
    """The rules one step exercises; `restarted`: the workers whose callback starts more than
    once in the whole trace. For a call, the rule of each status it exercises is the one the
    model names where it allows that status (stork.status_rules: contract.pml's ALLOW lines);
    the rest are the obligations and guarantees the step's context shows."""
    ev, st = step.event, step.state
    out: set[str] = set()
    if len(ev.statuses) > 1:
        out.add("WI-P1")
    if ev.kind == "call":
        for status in statuses_exercised(step):
            out.update(status_rules.rules_of_status(ev.api, status, step))
        if step.others_running or step.running_elsewhere:
            out.add("WI-P2")
        if step.caller == "dirql":
            out.add("WI-M1")
        if step.caller == "other-callback":
            out.add("WI-M10")
        s = set(ev.statuses)
        if ev.api == "init":
            if ev.worker and step.removing:
                out.add("WI-I5")
        elif ev.api == "queue":
            if ev.handle.startswith("bad") or st in (lc.FREED, lc.FREED_RUNNING):
                out.add("WI-M3")
            if st == lc.FREED_RUNNING and step.caller == "own-callback":
                out.add("WI-M4")
            if "INVALID_DEVICE_STATE" in s:
                out.add("WI-R1")
        elif ev.api == "free":
            if ev.handle.startswith("bad"):
                out.add("WI-M3")
            if "BUSY" in s:
                out.add("WI-M5")
            if "UNSUCCESSFUL" in s:
                out.add("WI-M2")
            if s == {"SUCCESS"}:
                if st in (lc.RUNNING, lc.RUNNING_QUEUED):
                    out.add("WI-F6")
                if step.running_elsewhere:
                    out.add("WI-M6")
                if step.removing:
                    out.add("WI-F7")
    elif ev.kind == "start":
        out |= {"WI-C1", "WI-C2", "WI-C3", "WI-C5"}
        if step.others_running:
            out.add("WI-C6")
        if step.removing:
            out.add("WI-R2")
        if ev.handle in restarted:
            out.add("WI-C4")
    elif ev.kind == "return":
        if st == lc.FREED_RUNNING:
            out.add("WI-C7")
    elif ev.kind == "remove" and ev.api == "end":
        out |= {"WI-R4", "WI-M9"}
    return out


def goals_of(trace: Trace) -> set[str]:
    """Every goal this one trace meets."""
    walk = lc.walk(trace)
    restarted = {h for h, seq in walk.transitions.items() if seq.count("start") > 1}
    met: set[str] = set()
    removal_ended = False
    for step in walk.steps:
        ev = step.event
        met |= {f"rule:{r}" for r in _rules_of(step, restarted)}
        if ev.kind == "remove" and ev.api == "end":
            removal_ended = True
        if removal_ended and ev.kind in ("start", "return"):
            met |= {"rule:WI-R3", "rule:WI-M8"}
        if ev.kind == "call":
            met.add(call_goal(ev.api, step.state, step.caller, outcomes(ev.statuses)))
            if ev.api == "init" and step.after_fail_alloc and step.caller != "dirql":
                cls = {"passive": "passive", "dispatch": "dispatch"}.get(step.caller, "callback")
                met.add(f"alloc-fail:{cls}")
            if step.running_elsewhere and ev.api in ("queue", "free"):
                met.add(f"race:{ev.api}-vs-callback")
            if ev.api == "queue" and step.caller == "own-callback" and step.others_running:
                met.add("race:requeue-vs-callback")
        elif ev.kind == "remove" and ev.api == "begin":
            if step.any_queued:
                met.add("race:removal-vs-queued")
            if step.any_running:
                met.add("race:removal-vs-running")
    for seq in walk.transitions.values():
        met |= {f"pair:{a}>{b}" for a, b in zip(seq, seq[1:])}
    if trace.events and all(w.live is False for w in walk.workers.values()):
        met.add("rule:WI-M7")
    return met


def measure(traces: list[Trace]) -> GoalSet:
    gs = GoalSet(goals=all_goals())
    known = {g for gs_ in gs.goals.values() for g in gs_}
    for t in traces:
        for g in sorted(goals_of(t)):
            if g in known and g not in gs.met:
                gs.met[g] = t.path
    return gs


@contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Reading and classifying traces makes a few objects per event and no reference cycles;
    Python's cycle collector would walk all of them again each time the heap grows by a
    quarter: a fifth of the time at 1 MB of trace, and more as traces grow (bench/
    coverage_bench.py).  It is off while they are made; reference counting frees as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
