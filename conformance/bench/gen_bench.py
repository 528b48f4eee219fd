"""Benchmark of `stork gen` and of replaying what it generates: how the witness search, the
corpus and its replay grow with the model's bounds, each figure against the default bounds
measured in the same run.

Run with `cmake --build build --target bench` (or directly with Debian's python3, after the C
harness is built). Prints a Markdown table.

  --quick   two configurations only (keeps the script working in the tests)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork import coverage, gen, mutate  # noqa: E402
from stork.paths import libexec_dir  # noqa: E402
from stork.trace import load  # noqa: E402

DEFAULT = gen.GenConfig()
GRID = [gen.GenConfig(ops=o, maxw=w, nthreads=t, walks=40)
        for o, w, t in ((4, 2, 2), (5, 2, 2), (6, 2, 2), (7, 2, 2), (6, 3, 2), (6, 2, 1), (6, 2, 3))]
QUICK = [gen.GenConfig(ops=4), DEFAULT]


def measure(cfg: gen.GenConfig) -> dict:
    goals = [g for fam in coverage.all_goals().values() for g in fam if gen.encode(g) is not None]
    t0 = time.monotonic()
    ws = gen.search_witnesses(goals, cfg)
    search = time.monotonic() - t0
    found = [w for w in ws if w.verdict == "found"]
    chosen = gen.minimise(found)
    t0 = time.monotonic()
    walks = [(cfg.seed + i, gen.random_walk(cfg.seed + i, cfg)) for i in range(cfg.walks)]
    walk_s = time.monotonic() - t0
    with tempfile.TemporaryDirectory() as tmp:
        c = gen.Corpus(cfg, ws, chosen, walks)
        gen.write_corpus(c, Path(tmp))
        events = sum(len(load(p).events) for p in Path(tmp).rglob("*.trace"))
        t0 = time.monotonic()
        res = mutate.replay(libexec_dir() / "stork-reference.so", [Path(tmp) / "goals",
                                                                   Path(tmp) / "random"])
        replay_s = time.monotonic() - t0
    return {"cfg": cfg, "search": search, "walks": walk_s, "found": len(found),
            "unreachable": sum(w.verdict == "unreachable" for w in ws),
            "unknown": sum(w.verdict == "unknown" for w in ws),
            "states": sum(w.states for w in ws), "traces": len(chosen) + len(walks),
            "events": events, "replay": replay_s, "replay_ok": res.failed == 0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    base = measure(DEFAULT)
    rows = [measure(c) for c in (QUICK if args.quick else GRID)]
    print(f"stork gen: {len(rows)} configurations against the default "
          f"({' '.join(DEFAULT.witness_bounds())}) measured in the same run\n")
    print("| OPS MAXW NTHREADS | witnesses / unreachable / unknown | states searched (x default) "
          "| search s (x default) | 40 walks s | traces | events | replay s (x default) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["cfg"]
        print(f"| {c.ops} {c.maxw} {c.nthreads} | {r['found']} / {r['unreachable']} / "
              f"{r['unknown']} | {r['states']:,} ({r['states'] / base['states']:.2f}) | "
              f"{r['search']:.1f} ({r['search'] / base['search']:.2f}) | {r['walks']:.1f} | "
              f"{r['traces']} | {r['events']} | {r['replay']:.3f} "
              f"({r['replay'] / base['replay']:.2f}){'' if r['replay_ok'] else ' FAILED'} |")
    return 0 if all(r["replay_ok"] for r in rows + [base]) else 1


if __name__ == "__main__":
    sys.exit(main())
