"""Benchmark of the transitions family (spec/coverage.md) as the bounds grow: the pairs SPIN
reaches, the states it searches, the planned runs and their events, and the time of the
search and of the plan, each against the shipped corpus's bounds (OPS=9 MAXW=2 NTHREADS=2)
measured in the same run. (The replay rate of the shipped corpus against its direct-call
program is bench_corpus's: c-harness/README.md, "Benchmark".)

Run with `cmake --build build --target bench` (or directly with Debian's python3, after the C
harness is built). Prints Markdown tables.

  --quick   two configurations only (keeps the script working in the tests)

Each row also gives the pairs the contract's walk reaches within OPS calls
(transitions.walk_reach), which must equal SPIN's ("walk = SPIN"); the last table gives the
walk with no call bound: every pair SPIN's search would reach at k = 2 and 3, and the OPS at
which it would stop growing (where SPIN's own search at k = 3 does not fit: spec/coverage.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork import transitions as tr  # noqa: E402

DEFAULT = tr.Bounds()
GRID = [tr.Bounds(o, w, t) for o, w, t in
        ((4, 2, 2), (5, 2, 2), (6, 2, 2), (7, 2, 2), (8, 2, 2), (9, 2, 2), (10, 2, 2), (5, 3, 2),
         (6, 3, 2), (7, 3, 2), (8, 3, 2), (6, 2, 1), (6, 3, 3))]
QUICK = [tr.Bounds(4, 2, 2), tr.Bounds(5, 3, 2)]


def measure(b: tr.Bounds) -> dict:
    t0 = time.monotonic()
    ex = tr.explore(b, runs=False)
    search = time.monotonic() - t0
    t0 = time.monotonic()
    plans, untaken = tr.plan(set(ex.reach.keys), b.maxw, b.nthreads)
    plan_s = time.monotonic() - t0
    cand = len(tr.candidates(b.maxw, b.nthreads))
    walk = set(tr.walk_reach(b.maxw, b.nthreads, b.ops))
    return {"b": b, "keys": len(ex.reach.keys), "cand": cand, "states": ex.reach.states,
            "walk": walk == set(ex.reach.keys),
            "complete": ex.reach.complete, "search": search, "plan": plan_s,
            "runs": len(plans), "events": sum(len(p.lines) for p in plans),
            "untaken": len(untaken)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    base = measure(DEFAULT)
    rows = [measure(b) for b in (QUICK if args.quick else GRID)]
    print(f"transitions: {len(rows)} configurations against OPS={DEFAULT.ops} "
          f"MAXW={DEFAULT.maxw} NTHREADS={DEFAULT.nthreads}, measured in the same run\n")
    print("| OPS MAXW NTHREADS | pairs reached / possible | states searched (x default) | "
          "search s (x default) | planned runs (x default) | events | plan s | walk = SPIN |")
    print("|---|---|---|---|---|---|---|---|")
    ok = True
    for r in rows:
        b = r["b"]
        ok &= r["complete"] and r["untaken"] == 0 and r["walk"]
        print(f"| {b.ops} {b.maxw} {b.nthreads} | {r['keys']} / {r['cand']} | "
              f"{r['states']:,} ({r['states'] / base['states']:.2f}) | {r['search']:.1f} "
              f"({r['search'] / base['search']:.2f}) | {r['runs']} ({r['runs'] / base['runs']:.2f}) "
              f"| {r['events']} | {r['plan']:.1f} | {'yes' if r['walk'] else 'NO'} |"
              + ("" if r["complete"] else " INCOMPLETE") + (" UNTAKEN" if r["untaken"] else ""))
    print("\nthe contract's walk with no call bound (transitions.walk_reach)\n")
    print("| MAXW NTHREADS | pairs | OPS of the last new pair | walk s |")
    print("|---|---|---|---|")
    for maxw in ((2,) if args.quick else (2, 3)):
        t0 = time.monotonic()
        need = tr.walk_reach(maxw, 2)
        print(f"| {maxw} 2 | {len(need)} | {max(need.values())} | {time.monotonic() - t0:.1f} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
