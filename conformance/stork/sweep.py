"""verify --sweep: raise a design's bounds one at a time within a time budget, and say how far
each got and which verdicts changed on the way (spec/environment.md, "bounds that say what
they cover"). A bound is raised while every property stays decided (no incomplete result);
it stops at the model's ceiling, when the design refuses the value, when a raise reaches no
new state (the bound is saturated), or when the budget is spent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from dataclasses import replace as with_changes
from pathlib import Path
from typing import Iterator

from stork.design import DesignError, embeds_c
from stork.spin import PanCompileError, PanOptions, SpinInputError, SpinToolError
from stork.variants import read_variants
from stork.verify import (INCOMPLETE, VIOLATED, BadDefine, ModelError, VerifyResult,
                          model_bounds, verify)

# The model's own ceilings (lifecycle.pml: MAXW is at most 6); the rest go until refused,
# saturated or out of time. Switches (0/1 or DEFECT_*) are never raised.
CEILINGS = {"MAXW": 6}
SWITCHES = ("ALLOC_FAIL",)


@dataclass
class Step:
    bounds: dict[str, str]
    raised: str                       # the bound raised for this step ("" for the start)
    result: VerifyResult | None       # None: the design refused the value
    note: str = ""                    # why the bound stops here, if it does

    @property
    def states(self) -> int:
        """The states of the largest complete search (a property that holds: pan stops a
        violated property's search early, so its count is no measure of the state space)."""
        if self.result is None:
            return 0
        return max((r.states for r in self.result.results if r.verdict == "holds"), default=0)

    @property
    def decided(self) -> bool:
        return self.result is not None and all(r.verdict != INCOMPLETE for r in self.result.results)


@dataclass
class Sweep:
    steps: list[Step] = field(default_factory=list)
    stops: dict[str, str] = field(default_factory=dict)    # bound -> why it stopped

    @property
    def kept(self) -> list[Step]:
        """The steps whose bounds were kept: the start and every decided raise."""
        return [s for s in self.steps if s.decided and not s.note]

    def changes(self) -> list[str]:
        """'PROPERTY: holds -> VIOLATED at NAME=VALUE', one per change between kept steps."""
        out, prev = [], None
        for s in self.kept:
            if prev is not None:
                for r in s.result.results:
                    before = prev.result.verdict_of(r.prop.name)
                    if before and before != r.verdict:
                        out.append(f"{r.prop.name}: {before} -> {r.verdict} at "
                                   f"{s.raised}={s.bounds[s.raised]}")
            prev = s
        return out

    @property
    def exit_status(self) -> int:
        from stork import exitcodes
        if not self.kept:
            return exitcodes.INCOMPLETE
        if any(VIOLATED in {r.verdict for r in s.result.results} for s in self.kept):
            return exitcodes.VIOLATED
        return self.kept[0].result.exit_status


def _verdicts(step: Step) -> list[tuple[str, str]]:
    return [(r.prop.name, r.verdict) for r in step.result.results]


def in_turn(names: list[str], stops: dict[str, str], left, bounds) -> Iterator[str]:
    """Each bound not yet stopped, in turn, round after round, until every one has stopped (why,
    in `stops`); once `left()` seconds are out, each still going stops at `bounds()`'s value.
    The loop of both sweeps, verify's and audit's (stork.audit_sweep)."""
    while any(n not in stops for n in names):
        for name in names:
            if name in stops:
                continue
            if left() <= 0.5:
                for n in names:
                    stops.setdefault(n, f"the budget ran out at {n}={bounds()[n]}")
                return
            yield name


def variant_switches(design: Path) -> set[str]:
    """The macros a variant of this design sets (the variants.txt beside it): its defect and
    form switches, which are not bounds (raising REFIND_FAILS says nothing of the design)."""
    listing = design.parent / "variants.txt"
    try:
        lines = read_variants(listing, design.suffix) if listing.is_file() else []
    except (ValueError, OSError):
        return set()
    return {w.partition("=")[0] for v in lines if v.base.resolve() == design.resolve()
            for w in v.switches}


def raisable(bounds: dict[str, str], switches: set[str] = frozenset()) -> list[str]:
    return [k for k, v in bounds.items()
            if v.isdigit() and k not in SWITCHES and not k.startswith("DEFECT_")
            and k not in switches]


def _bounds(defines: list[str], design: Path) -> dict[str, str]:
    return dict(b.split("=", 1) for b in model_bounds(defines, design))


def sweep(design: Path, defines: list[str], budget: float, opts: PanOptions,
          host: str = "windows", progress=None) -> Sweep:
    """Raise each raisable bound in turn by one, keeping a raise while every property is
    decided; `progress(step)` is called after each verification."""
    started = time.monotonic()
    left = lambda: budget - (time.monotonic() - started)
    out = Sweep()
    switches = variant_switches(design)
    fixed = [d for d in defines
             if d.partition("=")[0] not in raisable(_bounds(defines, design), switches)]

    def run(bounds: dict[str, str], raised: str) -> Step:
        ds = fixed + [f"{k}={v}" for k, v in bounds.items() if k in raisable(bounds, switches)]
        try:
            res = verify(design, ds, None, with_changes(opts, time_limit=max(left(), 0.5)),
                         host=host)
        except (DesignError, BadDefine, SpinInputError, SpinToolError, ModelError) as e:
            if not raised or (isinstance(e, PanCompileError) and not embeds_c(design)):
                raise       # the design as given, or stork's own C: what verify says of it
            return Step(bounds, raised, None, f"refused at {raised}={bounds[raised]}: {e}")
        step = Step(bounds, raised, res)
        if not step.decided:
            step.note = f"incomplete at {raised}={bounds[raised]}" if raised else "incomplete"
        return step

    current = run(_bounds(defines, design), "")
    out.steps.append(current)
    if progress:
        progress(current)
    if not current.decided:
        out.stops["*"] = "the starting bounds are not decided"
        return out
    names = raisable(current.bounds, switches)
    for name in in_turn(names, out.stops, left, lambda: current.bounds):
        value = int(current.bounds[name]) + 1
        if value > CEILINGS.get(name, value):
            out.stops[name] = f"the model's ceiling, {name}={CEILINGS[name]}"
            continue
        if name == "NTHREADS" and value > int(current.bounds.get("MAXW", value)):
            # each worker's callback runs on one thread at a time (WI-C4): a thread more
            # than there are workers runs no more callbacks at once
            out.stops[name] = f"no more threads than workers, NTHREADS={value - 1}"
            continue
        step = run(dict(current.bounds, **{name: str(value)}), name)
        out.steps.append(step)
        if progress:
            progress(step)
        if step.note:
            out.stops[name] = step.note
        elif step.states and step.states == current.states \
                and _verdicts(step) == _verdicts(current):
            out.stops[name] = (f"{name}={value} reached no more states than "
                               f"{name}={value - 1}: taken as saturated")
            current = step
        else:
            current = step
    return out


def format_sweep(design: str, sw: Sweep, budget: float) -> str:
    lines = [f"sweep of {design} within {budget:g} s: bounds raised one at a time, each kept "
             "while every property is decided"]
    width = max(len(" ".join(f"{k}={v}" for k, v in s.bounds.items())) for s in sw.steps)
    for s in sw.steps:
        label = " ".join(f"{k}={v}" for k, v in s.bounds.items())
        if s.result is None:
            lines.append(f"  {label:<{width}}  {s.note}")
            continue
        bad = [r.prop.name for r in s.result.results if r.verdict == VIOLATED]
        what = ("VIOLATED " + " ".join(bad)) if bad else \
            ("holds (all)" if s.decided else s.note or "incomplete")
        lines.append(f"  {label:<{width}}  {what:<30} {s.states:>10,} states {s.result.seconds:6.2f} s")
    kept = sw.kept
    if kept:
        lines.append("largest bounds searched completely (every property decided): "
                     + " ".join(f"{k}={v}" for k, v in kept[-1].bounds.items()))
    changes = sw.changes()
    lines.append("verdicts that changed: " + ("; ".join(changes) if changes else "none"))
    for name, why in sw.stops.items():
        lines.append(f"  {name}: {why}")
    return "\n".join(lines)
