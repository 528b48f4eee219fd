"""The exhaustive search against a brute-force enumeration written without explore.c: small
scenarios whose routines make only calls that cannot interact (each initialises and frees its
own workers, no queue, so removal has one place, after the routines), whose schedules are
exactly the interleavings of the routines' steps.  The enumeration below lists those
interleavings one by one and the runs each gives (its events); the audit must run each once:
the same count, the same runs as often, each with its own schedule.  A search that left some
choice points out (backtracking over the last few only) gives fewer runs."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))

pytestmark = pytest.mark.skipif(not (LIBEXEC / "check").is_dir(), reason="C harness not built")

# (pairs of init+free) per routine
SHAPES = [(1, 1), (1, 2), (2, 2), (1, 1, 1), (0, 1, 2)]


def scenario(pairs: tuple[int, ...], own: bool = False) -> str:
    """`own`: each routine's Worker variable a static of its own, not a local (a routine that
    ends gives its fiber's stack to the next one to start: their locals share addresses)."""
    names = [f"r{i}" for i in range(len(pairs))]
    funcs = []
    for name, k in zip(names, pairs):
        body = "".join("    StorPortInitializeWorker(e, &w);\n    StorPortFreeWorker(e, w);\n"
                       for _ in range(k))
        var = "static PVOID w;" if own else "PVOID w = NULL;"
        funcs.append(f"static void {name}(void *e)\n{{\n    {var}\n    (void)w;\n"
                     f"    (void)e;\n{body}}}\n")
    table = ", ".join(f'{{"{n}", STORK_DISPATCH_LEVEL, {n}}}' for n in names)
    return ("#include <storport.h>\n" + "".join(funcs) +
            f"static const struct stork_routine routines[] = {{{table}}};\n"
            "const struct stork_scenario stork_scenario = {.name = \"shape\", .extension_size = 1,\n"
            f"    .routines = routines, .nroutines = {len(names)}}};\n")


def steps_of(name: str, pairs: int) -> list[str]:
    """A routine's steps: its start (it runs to the point before its first call), then each call
    (it runs the call and on to the point before the next)."""
    return ["start"] + ["init", "free"] * pairs


def enumerate_runs(pairs: tuple[int, ...]) -> Counter:
    """Every interleaving of the routines' steps, by brute force, as the events it gives."""
    names = [f"r{i}" for i in range(len(pairs))]
    steps = [steps_of(n, k) for n, k in zip(names, pairs)]
    runs: Counter = Counter()

    def walk(pos: list[int], events: tuple[str, ...], issued: int, held: dict[str, int]) -> None:
        if all(p == len(s) for p, s in zip(pos, steps)):
            runs[events] += 1
            return
        for i, name in enumerate(names):
            if pos[i] == len(steps[i]):
                continue
            step = steps[i][pos[i]]
            pos[i] += 1
            if step == "init":
                walk(pos, events + (f"call {name} DISPATCH init -> SUCCESS w{issued + 1}",),
                     issued + 1, {**held, name: issued + 1})
            elif step == "free":
                walk(pos, events + (f"call {name} DISPATCH free w{held[name]} -> SUCCESS",),
                     issued, held)
            else:
                walk(pos, events, issued, held)
            pos[i] -= 1

    walk([0] * len(pairs), (), 0, {})
    return runs


def test_the_enumeration_counts_what_the_formula_says() -> None:
    from math import factorial
    for pairs in SHAPES:
        lengths = [1 + 2 * k for k in pairs]
        expected = factorial(sum(lengths))
        for n in lengths:
            expected //= factorial(n)
        assert sum(enumerate_runs(pairs).values()) == expected


@pytest.mark.parametrize("pairs", SHAPES, ids=lambda p: "-".join(map(str, p)))
def test_exhaustive_search_runs_every_interleaving_once(stork, tmp_path: Path, pairs) -> None:
    src = tmp_path / "shape.c"
    src.write_text(scenario(pairs))
    rec = tmp_path / "runs"
    r = stork("audit", str(src), "--json", "--exhaustive", "--no-reduction", "--record", str(rec))
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    want = enumerate_runs(pairs)
    assert out["complete"] and out["schedules"] == sum(want.values()), out
    got: Counter = Counter()
    schedules = set()
    for f in rec.glob("*.trace"):
        lines = f.read_text().splitlines()
        schedules.add(next(ln for ln in lines if ln.startswith("meta schedule")))
        got[tuple(ln for ln in lines if ln.startswith("call "))] += 1
        assert lines[-3:] == ["remove begin", "remove end", "end"], f  # removal has one place
    assert len(schedules) == sum(want.values())  # each run its own schedule
    assert got == want


@pytest.mark.parametrize("pairs", SHAPES, ids=lambda p: "-".join(map(str, p)))
def test_reduced_search_runs_one_of_the_interleavings(stork, tmp_path: Path, pairs) -> None:
    """With the partial-order reduction (the default) every step here commutes with every other
    routine's: a routine's start touches nothing shared, its calls touch only its own workers
    (por.h: the worker each names; their handles' numbers follow the order of the inits, the
    final state names them by their init's context and rank), and two routines' ends commute.
    So all the interleavings above are one class: the search runs one of them to its end and
    prunes the rest early (when the calls all wrote one runtime object, it ran one per order of
    the calls).  Each routine's Worker variable is its own static: locals of a routine that
    ended and of one that started after it share an address (the stack pool), a dependence
    that gives a few more classes (two here for two routines), not fewer."""
    src = tmp_path / "shape.c"
    src.write_text(scenario(pairs, own=True))
    rec = tmp_path / "runs"
    r = stork("audit", str(src), "--json", "--exhaustive", "--record", str(rec))
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    want = enumerate_runs(pairs)
    got: Counter = Counter()
    for f in rec.glob("*.trace"):
        lines = f.read_text().splitlines()
        assert lines[-1] == "end", f  # the pruned runs leave no trace
        got[tuple(ln for ln in lines if ln.startswith("call "))] += 1
    assert out["complete"] and out["reduced"] and out["complete_runs"] == sum(got.values()) == 1, out
    assert out["schedules"] < sum(want.values()) and set(got) <= set(want)
