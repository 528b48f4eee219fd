"""Benchmark of `stork gen` and of replaying what it generates: how the witness search, the
corpus and its replay grow with the model's bounds, each figure against the default bounds
measured in the same run.

Run with `cmake --build build --target bench` (or directly with Debian's python3, after the C
harness is built). Prints a Markdown table.

  --quick   two configurations only (keeps the script working in the tests)

A second table times the whole generator at the default bounds (what `stork demo` and
tests/test_gen.py run): each part made alone, one after another, against the whole
`generate_corpus` (the parts side by side) and its writing, with the output compared byte for
byte with the shipped corpus; and the transitions' search (OPS=9) with -DREACH and pan's
default table, as it was, against the search gen makes (transitions._opts).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork import coverage, gen, mutate, transitions  # noqa: E402
from stork.paths import ROOT, libexec_dir  # noqa: E402
from stork.trace import load  # noqa: E402
from verify_bench import cpu_seconds  # noqa: E402  (this folder: the same CPU clock)

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


def _timed(f, *a):
    w, c = time.monotonic(), cpu_seconds()
    r = f(*a)
    return r, time.monotonic() - w, cpu_seconds() - c


def whole_gen() -> bool:
    """The whole generator at the default bounds: its parts alone, then all of it; the REACH
    figure. Prints a table; True if the corpus is the shipped one and the searches agree."""
    cfg = gen.GenConfig()
    goals = [g for fam in coverage.all_goals().values() for g in fam if gen.encode(g) is not None]
    rows = []
    _, w, c = _timed(gen.search_witnesses, goals, cfg)
    rows.append(("the goals' witness searches (126 pans -i, 2 jobs)", w, c))
    _, w, c = _timed(gen.transition_witnesses, gen.Corpus(cfg), gen.TIME_LIMIT)
    rows.append(("the transitions, k = 2: search and plan", w, c))
    _, w, c = _timed(lambda: [gen.random_walk(cfg.seed + i, cfg) for i in range(cfg.walks)])
    rows.append((f"{cfg.walks} random walks", w, c))
    _, w, c = _timed(gen._k3_part, cfg, gen.TIME_LIMIT)
    rows.append(("the k = 3 part: two searches and the plan", w, c))
    alone = (sum(r[1] for r in rows), sum(r[2] for r in rows))
    corpus, w, c = _timed(gen.generate_corpus, cfg)
    with tempfile.TemporaryDirectory() as tmp:
        _, ww, wc = _timed(gen.write_corpus, corpus, Path(tmp))
        same = gen.differences(Path(tmp), ROOT / "conformance" / "traces") == []
    whole = (w + ww, c + wc)
    print(f"\nthe whole generator (default bounds), measured in the same run; the written corpus "
          f"is {'the shipped one byte for byte' if same else 'NOT the shipped one'}\n")
    print("| what | wall s | x parts alone | CPU s | x parts alone |")
    print("|---|---|---|---|---|")
    for name, w_, c_ in rows:
        print(f"| {name} | {w_:.1f} | | {c_:.1f} | |")
    print(f"| the parts alone, one after another | {alone[0]:.1f} | 1.00 | {alone[1]:.1f} | 1.00 |")
    print(f"| generate_corpus (the parts side by side) | {w:.1f} | {w / alone[0]:.2f} | {c:.1f} | "
          f"{c / alone[1]:.2f} |")
    print(f"| ... and write_corpus (k3.pack included) | {ww:.1f} | | {wc:.1f} | |")
    print(f"| the whole `stork gen`, written | {whole[0]:.1f} | | {whole[1]:.1f} | |")
    b = transitions.Bounds()
    old_opts = dataclasses.replace(transitions._opts(None), extra_cc=["-DREACH"], hash_bits=14)
    old, ow, _ = _timed(transitions.explore, b, old_opts, gen.TIME_LIMIT, None, False)
    new, nw, _ = _timed(transitions.explore, b, None, gen.TIME_LIMIT, None, False)
    agree = (old.reach.complete and new.reach.complete and old.reach.keys == new.reach.keys
             and old.reach.states == new.reach.states)
    print(f"\nthe transitions' search (OPS={b.ops} MAXW={b.maxw} NTHREADS={b.nthreads}): "
          f"-DREACH -w14 {ow:.1f} s, gen's (no REACH, -w20) {nw:.1f} s: x{nw / ow:.2f}; "
          f"{new.reach.states:,} states, {len(new.reach.keys)} pairs, depth {new.reach.depth} "
          f"(limit {transitions._opts(None).depth:,}): "
          + ("the same states and pairs" if agree else "THEY DIFFER"))
    return same and agree


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
    whole_ok = args.quick or whole_gen()
    return 0 if all(r["replay_ok"] for r in rows + [base]) and whole_ok else 1


if __name__ == "__main__":
    sys.exit(main())
