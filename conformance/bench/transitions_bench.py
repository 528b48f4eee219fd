"""Benchmark of the transitions family (spec/coverage.md) as the bounds grow: the pairs SPIN
reaches, the states it searches, the planned runs and their events, and the time of the
search and of the plan, each against the shipped corpus's bounds (OPS=7 MAXW=2 NTHREADS=2)
measured in the same run; then the replay of the shipped corpus, text and pack, against the
direct-call program of bench_replay, in events per second, measured in the same run.

Run with `cmake --build build --target bench` (or directly with Debian's python3, after the C
harness is built). Prints Markdown tables.

  --quick   two configurations only, no replay (keeps the script working in the tests)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork import transitions as tr  # noqa: E402
from stork.paths import ROOT, libexec_dir  # noqa: E402
from stork.trace import load  # noqa: E402

DEFAULT = tr.Bounds()
GRID = [tr.Bounds(o, w, t) for o, w, t in
        ((4, 2, 2), (5, 2, 2), (6, 2, 2), (7, 2, 2), (8, 2, 2), (5, 3, 2), (6, 3, 2), (7, 3, 2),
         (6, 2, 1), (6, 3, 3))]
QUICK = [tr.Bounds(4, 2, 2), tr.Bounds(5, 3, 2)]
CORPUS = ROOT / "conformance" / "traces"
COPIES = 50


def measure(b: tr.Bounds) -> dict:
    t0 = time.monotonic()
    ex = tr.explore(b, runs=False)
    search = time.monotonic() - t0
    t0 = time.monotonic()
    plans, untaken = tr.plan(set(ex.reach.keys), b.maxw, b.nthreads)
    plan_s = time.monotonic() - t0
    cand = len(tr.candidates(b.maxw, b.nthreads))
    return {"b": b, "keys": len(ex.reach.keys), "cand": cand, "states": ex.reach.states,
            "complete": ex.reach.complete, "search": search, "plan": plan_s,
            "runs": len(plans), "events": sum(len(p.lines) for p in plans),
            "untaken": len(untaken)}


def _replay_rate(paths: list[Path]) -> float:
    """Events per second of the whole stork-replay program on these traces or pack."""
    prog = libexec_dir() / "stork-replay"
    lib = libexec_dir() / "stork-reference.so"
    best = 0.0
    for _ in range(5):
        t0 = time.monotonic()
        p = subprocess.run([str(prog), "--impl", str(lib), "--", *map(str, paths)],
                           capture_output=True, text=True)
        dt = time.monotonic() - t0
        if p.returncode != 0:
            raise SystemExit(f"stork-replay failed: {p.stdout[-500:]}{p.stderr[-500:]}")
        best = max(best, 1 / dt)
    return best


def replay_table() -> list[str]:
    traces = sorted(CORPUS.rglob("*.trace"))
    events = sum(len(load(p).events) for p in traces)
    with tempfile.TemporaryDirectory() as tmp:
        pack = Path(tmp) / "corpus.pack"
        subprocess.run([str(libexec_dir() / "stork-replay"), "--pack", str(pack), "--",
                        str(CORPUS)], check=True, capture_output=True)
        text_rate = _replay_rate([CORPUS]) * events
        pack_rate = _replay_rate([pack]) * events
        # the same traces 50 times over in one pack: the program's start-up spread thin
        many = Path(tmp) / "many"
        for i in range(COPIES):
            for p in traces:
                d = many / f"{i:02d}" / p.parent.name
                d.mkdir(parents=True, exist_ok=True)
                (d / p.name).write_bytes(p.read_bytes())
        big = Path(tmp) / "many.pack"
        subprocess.run([str(libexec_dir() / "stork-replay"), "--pack", str(big), "--",
                        str(many)], check=True, capture_output=True)
        many_rate = _replay_rate([big]) * events * COPIES
    bench = libexec_dir() / "stork-bench-replay"
    out = subprocess.run([str(bench), "--traces", "200", "--rounds", "25"], capture_output=True,
                         text=True).stdout
    m = re.search(r"^\| direct calls[^|]*\|\s*(\d+)", out, re.M)
    direct = float(m.group(1)) if m else 0.0
    rows = ["", f"Replay of the shipped corpus ({len(traces)} traces, {events} events, best of 5) "
            "against bench_replay's direct-call program (200 traces of 714 events), same run:", "",
            "| what | events/s | x direct calls |", "|---|---|---|"]
    for name, rate in (("direct calls (bench_replay)", direct), ("stork-replay, text", text_rate),
                       ("stork-replay, pack", pack_rate),
                       (f"stork-replay, pack of the corpus {COPIES} times over", many_rate)):
        rows.append(f"| {name} | {rate:,.0f} | {rate / direct:.3f} |" if direct else
                    f"| {name} | {rate:,.0f} | ? |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    base = measure(DEFAULT)
    rows = [measure(b) for b in (QUICK if args.quick else GRID)]
    print(f"transitions: {len(rows)} configurations against OPS={DEFAULT.ops} "
          f"MAXW={DEFAULT.maxw} NTHREADS={DEFAULT.nthreads}, measured in the same run\n")
    print("| OPS MAXW NTHREADS | pairs reached / possible | states searched (x default) | "
          "search s (x default) | planned runs (x default) | events | plan s |")
    print("|---|---|---|---|---|---|---|")
    ok = True
    for r in rows:
        b = r["b"]
        ok &= r["complete"] and r["untaken"] == 0
        print(f"| {b.ops} {b.maxw} {b.nthreads} | {r['keys']} / {r['cand']} | "
              f"{r['states']:,} ({r['states'] / base['states']:.2f}) | {r['search']:.1f} "
              f"({r['search'] / base['search']:.2f}) | {r['runs']} ({r['runs'] / base['runs']:.2f}) "
              f"| {r['events']} | {r['plan']:.1f} |"
              + ("" if r["complete"] else " INCOMPLETE") + (" UNTAKEN" if r["untaken"] else ""))
    if not args.quick:
        print("\n".join(replay_table()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
