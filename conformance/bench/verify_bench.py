"""Benchmark of `stork verify`: how states, memory and time grow with the model's bounds, and
what SPIN's storage and compiler options buy, each figure against a baseline from the same run.

Run with `cmake --build build --target bench` (or directly with Debian's python3). Prints
tables in Markdown, ready for README.

  --quick   a smaller grid (used by the test that keeps this script working)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork import pancache  # noqa: E402
from stork import verify as verify_mod  # noqa: E402
from stork.paths import DESIGNS_DIR, MODEL_DIR  # noqa: E402
from stork.spin import PanOptions  # noqa: E402
from stork.suite import shipped_designs, verify_all  # noqa: E402
from stork.verify import INCOMPLETE, verify  # noqa: E402

TIME_LIMIT = 120.0


def bench_designs() -> list[Path]:
    """The one-shot (storahci) design and the persistent adapter worker; both take NCALLERS."""
    return [DESIGNS_DIR / "oneshot_free_in_callback.pml",
            DESIGNS_DIR / "persistent_stop_flag_drain.pml"]


@contextmanager
def pan_searches():
    """The wall clock of each pan search verify makes in the block (one per pan run, however
    many properties it decides)."""
    searches: list[float] = []
    real = verify_mod.run_pan

    def timed(*a, **k):
        res = real(*a, **k)
        searches.append(res.seconds)
        return res
    verify_mod.run_pan = timed
    try:
        yield searches
    finally:
        verify_mod.run_pan = real


def run_one(design: Path, bounds: dict[str, int], opts: PanOptions) -> dict:
    defines = [f"{k}={v}" for k, v in bounds.items()]
    with pan_searches() as searches:
        t0 = time.monotonic()
        res = verify(design, defines, opts=opts)
        wall = time.monotonic() - t0
    safety = [r for r in res.results if r.prop.kind != "LTL"]
    return {
        "states": max(r.states for r in safety),
        "memory": max(r.memory_mb for r in safety),
        "pan_s": sum(searches),
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


def cpu_seconds() -> float:
    """CPU time of this process (every thread) and of the children it has waited for: what
    2 cores have to do, whatever else the machine is running."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def pan_cache(state: str):
    """verify's cache of compiled pans (stork.pancache): "off", or a fresh, empty one ("cold",
    what CI's fresh clone has) kept for the block's runs (warm after its first)."""
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", pancache.DISABLE_ENV)}
    with tempfile.TemporaryDirectory(prefix="stork-bench-cache-") as tmp:
        os.environ["XDG_CACHE_HOME"] = tmp
        if state == "off":
            os.environ[pancache.DISABLE_ENV] = "1"
        else:
            os.environ.pop(pancache.DISABLE_ENV, None)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _outcome(o) -> list[tuple]:
    return [(r.prop.name, r.verdict, r.states, r.depth) for r in o.result.results] if o.result else []


def all_designs_budget() -> None:
    print("## All shipped designs at default bounds (what `stork demo` does)\n")
    print("Every shipped design and variant verified on 2 jobs. The cache of compiled pans "
          "starts empty in each row (as on CI's fresh clone); the warm row runs again with "
          "what the cold row filed. Target: at most 5 s wall. CPU s is verify's and its "
          "children's CPU time: on a busy machine the wall clock measures the others' load as "
          "well, while the work 2 cores must do, CPU / 2, is what an idle machine's wall clock "
          "cannot beat.\n")
    rows, results = [], {}
    runs = (("tcc, no cache", "tcc", "off", 1), ("tcc, cold cache (default)", "tcc", "cold", 1),
            ("tcc, warm cache", "tcc", "cold", 2), ("gcc -O0, no cache", "gcc", "off", 1))
    for name, compiler, cache, times in runs:
        with pan_cache(cache):
            for _ in range(times):
                t0, c0 = time.monotonic(), cpu_seconds()
                outcomes = verify_all(jobs=2, opts=PanOptions(compiler=compiler))
                wall, cpu = time.monotonic() - t0, cpu_seconds() - c0
        rows.append((name, wall, cpu, sum(o.matches for o in outcomes), len(outcomes)))
        results[name] = [_outcome(o) for o in outcomes]
    print("| pan compiled by | designs as expected | wall s on 2 jobs | x the first row | x the 5 s target "
          "| CPU s | CPU / 2 cores, x the 5 s target |")
    print("|---|---|---|---|---|---|---|")
    for name, wall, cpu, ok, n in rows:
        print(f"| {name} | {ok}/{n} | {wall:.1f} | {wall / rows[0][1]:.2f} | {wall / 5:.2f} "
              f"| {cpu:.1f} | {cpu / 2 / 5:.2f} |")
    same = len({repr(v) for v in results.values()}) == 1
    print(f"\nVerdicts, state counts and depths of every property of every design: "
          f"{'identical in all four rows' if same else 'NOT identical across the rows'}.\n")


def floor_table() -> None:
    """verify against what SPIN itself needs: one `spin -a` and pan's searches."""
    print("## verify against bare SPIN\n")
    print("Per shipped design at default bounds, one job: `verify`'s wall clock (everything: "
          "checks, spin -a, compiles, searches, counterexample replays) against one bare "
          "`spin -a` plus the wall clock of the pan searches verify made. Cold: an empty "
          "cache of compiled pans; warm: the same run again. Target: at most 2x.\n")
    print("| design | spin -a s | pan searches s | cold verify s | x bare | warm verify s | x bare |")
    print("|---|---|---|---|---|---|---|")
    over = 0
    cold_sum = warm_sum = bare_sum = 0.0
    with pan_searches() as searches:
        for d in shipped_designs():
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.monotonic()
                subprocess.run(["spin", "-a", *[f"-D{c}" for c in d.defines], "-DSTORK_VERIFY",
                                str(d.path)], cwd=tmp, capture_output=True,
                               env=dict(os.environ, CPATH=str(MODEL_DIR)))
                spin_a = time.monotonic() - t0
            walls = []
            with pan_cache("cold"):
                for _ in range(2):
                    searches.clear()
                    t0 = time.monotonic()
                    verify(d.path, d.defines)
                    walls.append(time.monotonic() - t0)
            pan = sum(searches)                  # the warm run's; the same searches as cold
            bare = spin_a + pan
            over += walls[1] / bare > 2
            cold_sum, warm_sum, bare_sum = cold_sum + walls[0], warm_sum + walls[1], bare_sum + bare
            print(f"| {d.name} | {spin_a:.3f} | {pan:.3f} | {walls[0]:.2f} | {walls[0] / bare:.1f} "
                  f"| {walls[1]:.2f} | {walls[1] / bare:.1f} |", flush=True)
    print(f"| all ({over} warm over 2x) | | {bare_sum:.2f} (bare) | {cold_sum:.2f} | "
          f"{cold_sum / bare_sum:.1f} | {warm_sum:.2f} | {warm_sum / bare_sum:.1f} |")
    print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a smaller grid")
    args = ap.parse_args()
    designs = bench_designs()
    all_designs_budget()
    floor_table()
    with pan_cache("off"):               # these compare searches and compiles: no cache
        growth_table(designs, args.quick)
        options_table(designs, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
