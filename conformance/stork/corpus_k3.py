"""The corpus's k = 3 part (spec/coverage.md, "The k = 3 part"): the transitions family over
three worker slots, cut at OPS calls. SPIN's complete search of the general miniport at
MAXW=3 gives every (abstract state, event) pair a run of at most OPS calls reaches;
transitions.plan writes runs taking every one of them; each is classified again and must give
exactly the planned pairs. The runs are shipped as one pack (conformance/traces/k3.pack),
written by stork-replay --pack from the traces in a folder named k3, so that a replay's
reports name k3/NNNN-GOAL.trace:LINE. The pack keeps each trace's text (meta lines aside),
so stork.packs reads it back for `stork coverage` and the tests.

Beyond OPS calls nothing is promised: the part is an exact slice, not the k = 3 criterion
(which stops growing only at OPS=13, 42,599 runs: docs/benchmarks.md)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from stork import trace as tracefmt
from stork import transitions
from stork.paths import libexec_dir

K = 3
OPS = 6                  # the shipped part: 2,503 runs (OPS=7: 6,798, past a few MB)
PACK = "k3.pack"
FOLDER = "k3"            # the folder the traces are packed from: their names in reports


class K3Error(Exception):
    """The walk and SPIN disagree, or the pack cannot be written or read."""


@dataclass
class K3Part:
    ops: int
    nthreads: int
    reach: transitions.Reach
    traces: list[tuple[str, str]] = field(default_factory=list)   # (file name, text)
    events: int = 0


def generate(ops: int, nthreads: int, time_limit: float, trace_text, slug) -> K3Part:
    """SPIN's pairs at k = 3 within `ops` calls and the planned runs taking them (none when
    the search was cut short: reach.complete is false). `trace_text(bounds, lines, goal)`
    and `slug(goal)` are gen's, so both parts write traces alike."""
    tb = transitions.Bounds(ops, K, nthreads)
    ex = transitions.explore(tb, runs=False, time_limit=time_limit)
    part = K3Part(ops, nthreads, ex.reach)
    if not ex.reach.complete:
        return part
    reach = set(ex.reach.keys)
    plans, untaken = transitions.plan(reach, K, nthreads)
    if untaken:
        raise K3Error("model/gen/transition_trap.pml and stork/transitions.py disagree: the "
                      f"planned walk cannot take reachable k = 3 pairs, e.g. {sorted(untaken)[0]}")
    taken: set[str] = set()
    for i, p in enumerate(plans, 1):
        goal = f"tr:{p.goal}"
        text = trace_text(tb.defines(), list(p.lines), goal)
        t = tracefmt.parse(text, goal)
        part.events += len(t.events)
        got = [x for x in transitions.keys(t, K) if x]
        if got != list(p.keys) or not set(got) <= reach:
            raise K3Error(f"the planned k = 3 run for {goal} classifies as other transitions "
                          f"than planned:\n{text}")
        taken |= set(got)
        part.traces.append((f"{i:04d}-{slug(goal)}.trace", text))
    if taken != reach:
        raise K3Error(f"the planned k = 3 runs leave {len(reach - taken)} reachable pairs "
                      f"untaken, e.g. {sorted(reach - taken)[0]}")
    return part


def write_pack(part: K3Part, out: Path) -> Path:
    """out/k3.pack from the part's traces (packed from a folder k3; the same traces give the
    same bytes on the same machine and stork)."""
    program = libexec_dir() / "stork-replay"
    if not program.is_file():
        raise K3Error(f"{program} not found: the k = 3 part is written as a pack (build the C "
                      "harness first, or --k3-ops 0)")
    dest = out.resolve() / PACK
    with tempfile.TemporaryDirectory(prefix="stork-k3-") as tmp:
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
