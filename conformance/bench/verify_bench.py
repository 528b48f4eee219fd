"""Benchmark of `stork verify`: how states, memory and time grow with the model's bounds, and
what SPIN's storage and compiler options buy, each figure against a baseline from the same run.

Run with `cmake --build build --target bench` (or directly with Debian's python3). Prints
tables in Markdown, ready for README.

  --quick   a smaller grid (used by the test that keeps this script working)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork.paths import DESIGNS_DIR  # noqa: E402
from stork.spin import PanOptions  # noqa: E402
from stork.suite import verify_all  # noqa: E402
from stork.verify import INCOMPLETE, verify  # noqa: E402

TIME_LIMIT = 120.0


def bench_designs() -> list[Path]:
    """The one-shot (storahci) design and the persistent adapter worker; both take NCALLERS."""
    return [DESIGNS_DIR / "oneshot_free_in_callback.pml",
            DESIGNS_DIR / "persistent_stop_flag_drain.pml"]


def run_one(design: Path, bounds: dict[str, int], opts: PanOptions) -> dict:
    defines = [f"{k}={v}" for k, v in bounds.items()]
    t0 = time.monotonic()
    res = verify(design, defines, opts=opts)
    wall = time.monotonic() - t0
    safety = [r for r in res.results if r.prop.kind != "LTL"]
    return {
        "states": max(r.states for r in safety),
        "memory": max(r.memory_mb for r in safety),
        "pan_s": sum({id(r): r.seconds for r in res.results}.values()),
        "wall": wall,
        "incomplete": any(r.verdict == INCOMPLETE for r in res.results),
        "verdicts": res.exit_status,
    }


def growth_table(designs: list[Path], quick: bool) -> None:
    print("## States, memory and time as the bounds grow\n")
    print("Full `verify` (every property; safety run `-DSAFETY` with partial-order reduction, "
          "exact storage; LTL run with weak fairness). Ratios are against the 1/1/1 row of the "
          "same design in this run.\n")
    workers = [1, 2, 3] if quick else [1, 2, 3, 4]
    threads = [1, 2] if quick else [1, 2, 3]
    callers = [1, 2] if quick else [1, 2, 3]
    print("| design | MAXW | NTHREADS | NCALLERS | states | x base | memory MB | wall s | x base |")
    print("|---|---|---|---|---|---|---|---|---|")
    opts = PanOptions(time_limit=TIME_LIMIT)
    for d in designs:
        base = None
        for w in workers:
            for t in threads:
                for c in callers:
                    r = run_one(d, {"MAXW": w, "NTHREADS": t, "NCALLERS": c}, opts)
                    base = base or r
                    mark = " (incomplete)" if r["incomplete"] else ""
                    print(f"| {d.stem} | {w} | {t} | {c} | {r['states']:,}{mark} | "
                          f"{r['states'] / max(base['states'], 1):.1f} | {r['memory']:.0f} | "
                          f"{r['wall']:.2f} | {r['wall'] / base['wall']:.2f} |", flush=True)
    print()


def options_table(designs: list[Path], quick: bool) -> None:
    print("## SPIN options on the largest configuration\n")
    bounds = {"MAXW": 3, "NTHREADS": 2, "NCALLERS": 2} if quick else {"MAXW": 4, "NTHREADS": 3, "NCALLERS": 3}
    print(f"Bounds {bounds}. Baseline: exact storage, pan compiled by tcc (stork's default where "
          "tcc is installed).\n")
    print("| design | options | states | memory MB | x base | pan s | x base | verify wall s | x base | complete |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    variants = [
        ("exact, tcc (default)", PanOptions(time_limit=TIME_LIMIT, compiler="tcc")),
        ("exact, gcc -O0", PanOptions(time_limit=TIME_LIMIT, compiler="gcc")),
        ("exact, gcc -O2", PanOptions(time_limit=TIME_LIMIT, compiler="gcc", cc_opt="-O2")),
        ("COLLAPSE, -O2", PanOptions(time_limit=TIME_LIMIT, cc_opt="-O2", compress="COLLAPSE")),
        ("HC4, -O2", PanOptions(time_limit=TIME_LIMIT, cc_opt="-O2", compress="HC4")),
    ]
    for d in designs:
        base = None
        for name, opts in variants:
            r = run_one(d, bounds, opts)
            base = base or r
            print(f"| {d.stem} | {name} | {r['states']:,} | {r['memory']:.0f} | "
                  f"{r['memory'] / max(base['memory'], 1e-9):.2f} | {r['pan_s']:.2f} | "
                  f"{r['pan_s'] / max(base['pan_s'], 1e-9):.2f} | {r['wall']:.2f} | "
                  f"{r['wall'] / max(base['wall'], 1e-9):.2f} | "
                  f"{'no (never reported as holds)' if r['incomplete'] else 'yes'} |", flush=True)
    print()


def all_designs_budget() -> None:
    print("## All shipped designs at default bounds (what `stork demo` does)\n")
    rows = []
    for name, opts in (("tcc (default)", PanOptions(compiler="tcc")),
                       ("gcc -O0 (the default before tcc)", PanOptions(compiler="gcc"))):
        t0 = time.monotonic()
        outcomes = verify_all(jobs=2, opts=opts)
        rows.append((name, time.monotonic() - t0, sum(o.matches for o in outcomes), len(outcomes)))
    print("| pan compiled by | designs as expected | wall s on 2 jobs | x tcc | x the 5 s target |")
    print("|---|---|---|---|---|")
    for name, wall, ok, n in rows:
        print(f"| {name} | {ok}/{n} | {wall:.1f} | {wall / rows[0][1]:.2f} | {wall / 5:.2f} |")
    print()


def floor_table() -> None:
    """verify against what SPIN itself needs: one `spin -a` and pan's search."""
    print("## verify against bare SPIN\n")
    print("Per design at default bounds: `verify`'s wall clock against one `spin -a` plus the "
          "searches pan made (the target is at most 2x).\n")
    print("| design | spin -a s | pan searches s | verify wall s | x bare SPIN |")
    print("|---|---|---|---|---|")
    import os
    import subprocess
    import tempfile
    from stork.design import read_header
    from stork.paths import MODEL_DIR
    for d in sorted(DESIGNS_DIR.glob("*.pml"))[:8]:
        config = read_header(d).config
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.monotonic()
            subprocess.run(["spin", "-a", *[f"-D{c}" for c in config], "-DSTORK_VERIFY", str(d)],
                           cwd=tmp, capture_output=True,
                           env=dict(os.environ, CPATH=str(MODEL_DIR)))
            spin_a = time.monotonic() - t0
        t0 = time.monotonic()
        res = verify(d, config)
        wall = time.monotonic() - t0
        pan = sum({id(r): r.seconds for r in res.results}.values())
        print(f"| {d.stem} | {spin_a:.3f} | {pan:.3f} | {wall:.2f} | {wall / (spin_a + pan):.1f} |")
    print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a smaller grid")
    args = ap.parse_args()
    designs = bench_designs()
    all_designs_budget()
    floor_table()
    growth_table(designs, args.quick)
    options_table(designs, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
