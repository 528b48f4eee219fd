"""The corpus's k = 3 part (spec/coverage.md, "The k = 3 part"): the transitions family over
three worker slots, cut at OPS calls, and beyond it the pairs with three workers pending
within OPS + 1 calls. Two complete SPIN searches of the general miniport at MAXW=3, run side
by side: at OPS, every (abstract state, event) pair a run of at most OPS calls reaches; at
OPS + 1 with GEN_LAST_CALL_PENDING (the last call made only where it can leave three queued:
model/gen/general_miniport.pml), every pair of those runs and of the runs whose last call can
leave three pending, which reaches every pair with three pending within OPS + 1 calls. The
goals are the first search's pairs and the second's with three pending; transitions.plan
writes runs taking every goal, walking over the second search's pairs; each run is
classified again and must give exactly the planned pairs. The runs are shipped as one pack
(conformance/traces/k3.pack), written by stork-replay --pack from the traces in a folder
named k3, so that a replay's reports name k3/NNNN-GOAL.trace:LINE. The pack keeps each
trace's text (meta lines aside), so stork.packs reads it back for `stork coverage` and the
tests.

Beyond that nothing is promised: the part is an exact slice, not the k = 3 criterion (which
stops growing only at OPS=13, 42,599 runs: docs/benchmarks.md). `stork gen --k3-ops full`
makes the whole criterion: OPS is where the contract's walk stops growing (`fixpoint`), and
SPIN's pairs there must be exactly the walk's, or gen fails."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from stork import trace as tracefmt
from stork import transitions
from stork.paths import libexec_dir

K = 3
OPS = 6                  # every pair within 6 calls, and those with three pending within 7
FULL = "full"            # --k3-ops full: the whole k = 3 criterion (`fixpoint`)
PACK = "k3.pack"
FOLDER = "k3"            # the folder the traces are packed from: their names in reports


def parse_ops(word: str) -> int | str:
    """--k3-ops N or full (argparse's type: a bad word is its usage error)."""
    if word == FULL:
        return word
    try:
        return int(word)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or {FULL}, got {word!r}") from None


class K3Error(Exception):
    """The walk and SPIN disagree, or the pack cannot be written or read."""


@dataclass
class K3Part:
    ops: int
    nthreads: int
    whole: transitions.Reach               # SPIN at OPS: every pair within ops calls
    sliced: transitions.Reach              # SPIN at OPS + 1, last call where it can leave K pending
    goals: list[str] = field(default_factory=list)   # whole's pairs, sliced's with K pending
    traces: list[tuple[str, str]] = field(default_factory=list)   # (file name, text)
    taken: set[str] = field(default_factory=set)                   # the pairs the runs take
    events: int = 0
    criterion: bool = False     # ops is the fixpoint: the goals are the whole k = 3 criterion

    @property
    def complete(self) -> bool:
        return self.whole.complete and self.sliced.complete

    @property
    def reason(self) -> str:
        return self.whole.reason or self.sliced.reason

    @property
    def states(self) -> int:
        return self.whole.states + self.sliced.states

    def full_pending(self) -> int:
        """The goals beyond ops calls: those with K pending that need ops + 1."""
        return len(self.goals) - len(self.whole.keys)

    def families(self) -> dict[str, list[str]]:
        """The goals as two families of `tr:KEY` goals (named as coverage names the
        transitions'): within ops calls, and the rest, with K pending within ops + 1."""
        within = set(self.whole.keys)
        return {f"k=3 within {self.ops} calls": [f"tr:{x}" for x in self.goals if x in within],
                f"k=3 3 pending in {self.ops + 1}": [f"tr:{x}" for x in self.goals
                                                        if x not in within]}


def _sliced_bounds(ops: int, nthreads: int) -> transitions.Bounds:
    """The second search's bounds: one call more, the last only where it can leave K pending."""
    return transitions.Bounds(ops + 1, K, nthreads, last_call_pending=True)


def fixpoint(nthreads: int) -> tuple[int, frozenset[str]]:
    """Where the k = 3 criterion stops growing: the fewest calls within which a run reaches
    every pair a run of any length reaches (the contract's walk, no call bound: 13 at
    NTHREADS=2, about 6 s), and those pairs."""
    need = transitions.walk_reach(K, nthreads)
    return max(need.values()), frozenset(need)


def search(ops: int | str, nthreads: int, time_limit: float) -> K3Part:
    """The part's goals, from SPIN's two complete searches (no runs yet): every pair within
    `ops` calls, and every pair with three pending within ops + 1. A search cut short leaves
    `complete` false and no goals. `stork gen` plans over them; `stork coverage --k3` measures
    traces against them. With ops FULL, ops is the fixpoint and SPIN's pairs there must be the
    walk's: the goals are then the whole criterion."""
    walk: frozenset[str] | None = None
    if ops == FULL:
        ops, walk = fixpoint(nthreads)
    assert isinstance(ops, int)
    whole = transitions.Bounds(ops, K, nthreads)
    sliced = _sliced_bounds(ops, nthreads)
    with ThreadPoolExecutor(max_workers=2) as pool:     # two pans, one a core
        runs = [pool.submit(transitions.explore, b, runs=False, time_limit=time_limit)
                for b in (whole, sliced)]
        ex_whole, ex_sliced = (f.result() for f in runs)
    part = K3Part(ops, nthreads, ex_whole.reach, ex_sliced.reach, criterion=walk is not None)
    if not part.complete:
        return part
    if walk is not None and set(ex_whole.reach.keys) != walk:
        odd = sorted(set(ex_whole.reach.keys) ^ walk)
        raise K3Error(f"SPIN's search at OPS={ops} and the contract's walk with no call bound "
                      f"reach other k = 3 pairs ({len(odd)} differ, e.g. {odd[0]})")
    reach = set(ex_sliced.reach.keys)
    within = set(ex_whole.reach.keys)
    if not within <= reach:
        raise K3Error("model/gen/general_miniport.pml's GEN_LAST_CALL_PENDING search lost pairs "
                      f"a run of {ops} calls reaches, e.g. {sorted(within - reach)[0]}")
    part.goals = sorted(within | {x for x in reach if transitions.pending_count(x) == K})
    return part


def generate(ops: int | str, nthreads: int, time_limit: float, trace_text, slug) -> K3Part:
    """SPIN's pairs at k = 3 (the goals: `search`) and the planned runs taking them (none
    when a search was cut short: `complete` is false). `trace_text(bounds, lines, goal)` (the
    text, unchecked) and `slug(goal)` are gen's, so both parts write traces alike."""
    part = search(ops, nthreads, time_limit)
    if not part.complete:
        return part
    reach = set(part.sliced.keys)
    sliced = _sliced_bounds(part.ops, nthreads)
    goals = set(part.goals)
    plans, untaken = transitions.plan(reach, K, nthreads, goals)
    if untaken:
        raise K3Error("model/gen/transition_trap.pml and stork/transitions.py disagree: the "
                      f"planned walk cannot take reachable k = 3 pairs, e.g. {sorted(untaken)[0]}")
    taken: set[str] = set()
    for i, p in enumerate(plans, 1):
        goal = f"tr:{p.goal}"
        text = trace_text(sliced.defines(), list(p.lines), goal)
        try:
            t = tracefmt.parse(text, goal)
        except tracefmt.TraceError as e:
            raise K3Error(f"the planned k = 3 run for {goal} is malformed: {e}") from None
        part.events += len(t.events)
        got = [x for x in transitions.keys(t, K) if x]
        if got != list(p.keys) or not set(got) <= reach:
            raise K3Error(f"the planned k = 3 run for {goal} classifies as other transitions "
                          f"than planned:\n{text}")
        taken |= set(got)
        part.traces.append((f"{i:04d}-{slug(goal)}.trace", text))
    part.taken = taken
    if not goals <= taken:
        raise K3Error(f"the planned k = 3 runs leave {len(goals - taken)} goals untaken, e.g. "
                      f"{sorted(goals - taken)[0]}")
    return part


SHM = Path("/dev/shm")


def _scratch() -> str | None:
    """Where the part's traces are written for stork-replay to pack: a memory file system
    where there is one (3,586 small files took 2.4 s to write into /tmp on ext4 here, 0.05 s
    into /dev/shm; the pack names them by the relative k3/..., so it is the same bytes), else
    the default temporary folder, and that one whenever TMPDIR names it."""
    if os.environ.get("TMPDIR") or not SHM.is_dir() or not os.access(SHM, os.W_OK | os.X_OK):
        return None
    return str(SHM)


def write_pack(part: K3Part, out: Path) -> Path:
    """out/k3.pack from the part's traces (packed from a folder k3; the same traces give the
    same bytes on the same machine and stork)."""
    program = libexec_dir() / "stork-replay"
    if not program.is_file():
        raise K3Error(f"{program} not found: the k = 3 part is written as a pack (build the C "
                      "harness first, or --k3-ops 0)")
    dest = out.resolve() / PACK
    with tempfile.TemporaryDirectory(prefix="stork-k3-", dir=_scratch()) as tmp:
        folder = Path(tmp) / FOLDER
        folder.mkdir()
        for name, text in part.traces:
            (folder / name).write_text(text, encoding="utf-8")
        p = subprocess.run([str(program), "--pack", str(Path(tmp) / PACK), "--", FOLDER],
                           cwd=tmp, capture_output=True, text=True, errors="replace")
        if p.returncode != 0:
            raise K3Error(f"stork-replay --pack failed: {(p.stderr or p.stdout).strip()}")
        shutil.move(str(Path(tmp) / PACK), dest)
    return dest
