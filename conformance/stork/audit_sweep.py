"""audit --sweep: raise a miniport's bounds (--srbs, --threads, --stops, --ioctls) one at a time
within a time budget, each raise kept while its exhaustive search is complete, and say how far
each got and which findings came or went on the way (spec/environment.md, "bounds that say what
they cover"; verify's counterpart is stork.sweep).  A bound stops at the audit's ceiling, when
the audit program refuses the value, when a search is incomplete (budget, time, cut runs), when
a raise reaches no final state and no finding the bound below did not (taken as saturated), for
the threads when no callback ever waited for one (then one more changes no run), or when the
time is spent.  The switches (--early-removal, --reset-bus, --host) are never raised."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from stork import exitcodes
from stork.audit import GRACE, has_report
from stork.sweep import in_turn

# stork audit's own ceilings (its --help); a scenario of routines and callbacks (no
# DriverEntry) has only its threads to raise.
CEILINGS = {"srbs": 6, "threads": 4, "stops": 3, "ioctls": 2}
ENVIRONMENT = ("srbs", "stops", "ioctls")


@dataclass
class Step:
    bounds: dict[str, int]
    raised: str                  # the bound raised for this step ("" for the start)
    doc: dict | None             # the audit program's result; None: it refused the value
    seconds: float
    note: str = ""               # why the bound stops here, if it does

    @property
    def complete(self) -> bool:
        return self.doc is not None and bool(self.doc.get("complete"))

    @property
    def findings(self) -> frozenset[tuple[str, str, int]]:
        if self.doc is None:
            return frozenset()
        return frozenset((f["rule"], Path(f.get("file", "?")).name, int(f.get("line", 0)))
                         for f in self.doc.get("findings", []))

    @property
    def final_states(self) -> frozenset[str]:
        return frozenset(self.doc.get("final_states", [])) if self.doc else frozenset()

    @property
    def schedules(self) -> int | None:
        """None where the search gave no count (a crash stops it: the report has none)."""
        return int(self.doc["schedules"]) if self.doc and "schedules" in self.doc else None

    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.bounds.items())


@dataclass
class Sweep:
    steps: list[Step] = field(default_factory=list)
    stops: dict[str, str] = field(default_factory=dict)    # bound -> why it stopped

    @property
    def kept(self) -> list[Step]:
        """The start and every raise whose search was complete (a saturated one too)."""
        return [s for s in self.steps if s.complete]

    def changes(self) -> list[str]:
        """'from NAME=V: RULE at FILE:LINE, ...' (or 'gone at'), between each step and the last
        kept one before it; a step whose search was incomplete shows only what it found."""
        out, prev = [], None
        for s in self.steps:
            if s.doc is None:
                continue
            if prev is not None and s.raised:
                at = f"{s.raised}={s.bounds[s.raised]}"
                cut = "" if s.complete else " (its search incomplete)"
                new = [f"{r} at {n}:{ln}" for r, n, ln in sorted(s.findings - prev.findings)]
                gone = [f"{r} at {n}:{ln}" for r, n, ln in sorted(prev.findings - s.findings)]
                if new:
                    out.append(f"from {at}{cut}: " + ", ".join(new))
                if gone and s.complete:
                    out.append(f"gone at {at}: " + ", ".join(gone))
            if s.complete:
                prev = s
        return out

    @property
    def exit_status(self) -> int:
        """1 if any search found something (a finding is one, complete search or not), else 0
        if the starting bounds were searched completely, else 3."""
        if any(s.findings for s in self.steps):
            return exitcodes.VIOLATED
        return exitcodes.OK if self.kept else exitcodes.INCOMPLETE


class SweepError(Exception):
    """The audit program refused the starting bounds or gave no result: bad input."""


def _why_incomplete(doc: dict, max_schedules: int, limit: int) -> str:
    if doc.get("crashed"):
        return "a STORK-CRASH stopped it: the report has no count"
    if doc.get("cut_runs"):
        return f"{doc['cut_runs']} run(s) cut at --max-steps"
    if doc.get("timed_out") or doc.get("exhaustive_timed_out"):
        return f"the time ran out: {limit} s for the step"
    return f"the budget of {max_schedules:,} schedules"


def sweep(program: Path, base: list[str], start: dict[str, int | None], budget: float,
          max_schedules: int, step_limit: float, progress=None) -> Sweep:
    """Sweep the audit program (built once) from `start` (a bound None: the program's own
    default, read from its first result); `base` is its other arguments, without the four
    bounds, --time-limit, --json or --pct; each step has at most `step_limit` seconds (and what
    is left of `budget`)."""
    started = time.monotonic()
    left = lambda: budget - (time.monotonic() - started)
    out = Sweep()

    def run(bounds: dict[str, int | None], raised: str) -> Step:
        args = list(base)
        for k, v in bounds.items():
            if v is not None:
                args += [f"--{k}", str(v)]
        limit = max(1, int(min(left(), step_limit)))
        args += ["--exhaustive", "--json", "--final-states", "--time-limit", str(limit)]
        t = time.monotonic()
        try:
            r = subprocess.run([str(program), *args], capture_output=True, timeout=limit + GRACE)
        except subprocess.TimeoutExpired:
            return Step(dict(bounds), raised, {"complete": False, "findings": [],
                                               "timed_out": True}, time.monotonic() - t,
                        f"incomplete at {raised or 'the start'}: the audit program overran "
                        "its time limit")
        seconds = time.monotonic() - t
        text = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace").strip()
        if not has_report(text, r.returncode, True, False):
            why = err.splitlines()[-1] if err else f"exit status {r.returncode}, no result"
            if not raised:
                raise SweepError(why)
            return Step(dict(bounds), raised, None, seconds,
                        f"refused at {raised}={bounds[raised]}: {why}")
        step = Step(dict(bounds), raised, json.loads(text), seconds)
        if not step.complete:
            step.note = (f"incomplete at {raised}={bounds[raised]}" if raised else "incomplete") \
                + f" ({_why_incomplete(step.doc, max_schedules, limit)})"
        return step

    first = run(dict(start), "")
    env = first.doc.get("environment")
    if "threads" in first.doc:  # the values the program ran with: each raise is from a number
        known = {"threads": int(first.doc["threads"])}
        known.update({k: int(env[k]) for k in ENVIRONMENT} if env else {})
        first.bounds = {k: known[k] for k in CEILINGS if k in known}
    else:
        first.bounds = {k: v for k, v in start.items() if v is not None}
    out.steps.append(first)
    if progress:
        progress(first)
    if not first.complete:
        out.stops["*"] = f"the starting bounds are not searched completely: {first.note}"
        return out
    current = first
    names = list(first.bounds)
    if not env:
        out.stops["srbs, stops, ioctls"] = ("a scenario of routines and callbacks (no "
                                            "DriverEntry): only its threads are a bound")
    for name in in_turn(names, out.stops, left, lambda: current.bounds):
        value = current.bounds[name] + 1
        if value > CEILINGS[name]:
            out.stops[name] = f"stork audit's ceiling, {name}={CEILINGS[name]}"
            continue
        busy = current.doc.get("threads_busy")
        if name == "threads" and busy is not None and busy < current.bounds[name]:
            # a callback takes the first idle thread, so one that never waited for a thread
            # runs the same with one more (exact, not a guess)
            ran = "no callback ran" if busy == 0 else \
                f"no callback waited for a thread (at most {busy} busy at once)"
            out.stops[name] = f"at threads={value - 1} {ran}: one more changes no run"
            continue
        step = run(dict(current.bounds, **{name: value}), name)
        out.steps.append(step)
        if progress:
            progress(step)
        if step.note:
            out.stops[name] = step.note
            continue
        # (a final state names each context's runs, a thread's too: no measure for threads)
        if name != "threads" and step.final_states == current.final_states \
                and step.findings == current.findings:
            step.note = (f"{name}={value} reached no final state and no finding that "
                         f"{name}={value - 1} did not: taken as saturated")
            out.stops[name] = step.note
        current = step
    return out


def format_sweep(scenario: str, sw: Sweep, budget: float, max_schedules: int) -> str:
    lines = [f"sweep of {scenario} within {budget:g} s: bounds raised one at a time, each kept "
             f"while its exhaustive search is complete (at most {max_schedules:,} schedules)"]
    width = max(len(s.label()) for s in sw.steps)
    for s in sw.steps:
        if s.doc is None:
            lines.append(f"  {s.label():<{width}}  {s.note}")
            continue
        rules = sorted({f[0] for f in s.findings})
        what = " ".join(rules) if rules else "clean"
        if not s.complete:
            what += ", incomplete"
        count = f"{s.schedules:>10,}" if s.schedules is not None else f"{'-':>10}"
        lines.append(f"  {s.label():<{width}}  {what:<28} {count} schedules "
                     f"{len(s.final_states):>6,} final states {s.seconds:7.2f} s")
    kept = sw.kept
    if kept:
        lines.append("largest bounds searched completely: " + kept[-1].label())
    else:
        lines.append("largest bounds searched completely: none")
    changes = sw.changes()
    lines.append("findings that changed: " + ("; ".join(changes) if changes else "none"))
    for name, why in sw.stops.items():
        lines.append(f"  {name}: {why}")
    return "\n".join(lines)
