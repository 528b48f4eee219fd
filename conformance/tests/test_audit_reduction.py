"""The partial-order reduction of the exhaustive search (c-harness/check/por.h, explore.c) is
sound: the reduced search and the unreduced one (--no-reduction) find the same findings (rule,
site) and reach the same final states (--final-states digests), on every shipped scenario, with
the default points (before each shared write) and with --preempt-at-accesses, and on small
scenarios generated at random here (seeded), with those and with --preempt-at-calls.
Where the unreduced search cannot finish in its budget, what it saw must be a part of what the
reduced one saw.  And the reduction is not a no-op: it explores fewer schedules where steps
commute."""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from stork import audit as audit_mod
from stork import scenarios

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
BUILT = LIBEXEC / "check" / "scenarios"

pytestmark = pytest.mark.skipif(not BUILT.is_dir(), reason="C harness not built (no audit programs)")

SHIPPED = [s.name for s in scenarios.shipped()]   # files and variants (variants.txt)
BUDGET = "40000"  # schedules of the unreduced search (past it: the subset check)


def from_driver_entry(s: scenarios.Scenario) -> bool:
    """A miniport audited as it is: its file registers itself in DriverEntry."""
    text = s.path.read_text(encoding="utf-8", errors="replace")
    return "DriverEntry" in text and "stork_scenario stork_scenario" not in text and \
        "STORK_SCENARIO(" not in text


def audit_options(s: scenarios.Scenario) -> list[str]:
    """Its header's and variant line's `audit:` options (--srbs, --stop-restart, --host...),
    but the schedule budget, which the comparison sets."""
    opts, out = list(s.expectation().options), []
    while opts:
        o = opts.pop(0)
        if o == "--max-schedules":
            opts.pop(0)
        else:
            out.append(o)
    return out


DRIVER = [s for s in scenarios.shipped() if from_driver_entry(s)]


@dataclass
class Search:
    complete: bool
    schedules: int
    findings: set[tuple[str, str, str, int]]
    states: set[str]
    reduced: bool              # the reduction ran (not for a miniport run from its DriverEntry)


def search(program: Path, *args: str) -> Search:
    r = subprocess.run([str(program), "--json", "--exhaustive", "--final-states", "--seed", "1",
                        "--time-limit", "60", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1, 3), r.stdout + r.stderr
    out = json.loads(r.stdout)
    return Search(out["complete"], out["schedules"],
                  {(f["rule"], f.get("why", ""), f["file"], f["line"]) for f in out["findings"]},
                  set(out["final_states"]), bool(out.get("reduced")))


def compare(program: Path, *args: str, budget: str = BUDGET,
            reduced_budget: str = "200000") -> tuple[Search, Search]:
    """The reduced and the unreduced search agree (the unreduced one may be cut by its budget)."""
    reduced = search(program, "--max-schedules", reduced_budget, *args)
    full = search(program, "--no-reduction", "--max-schedules", budget, *args)
    assert reduced.complete or not full.complete, program  # the reduced one needs no more runs
    if full.complete:
        assert reduced.findings == full.findings, (program, args)
        assert reduced.states == full.states, (program, args)
        assert reduced.schedules <= full.schedules
    elif reduced.complete:
        assert full.findings <= reduced.findings and full.states <= reduced.states, (program, args)
    return reduced, full


@pytest.mark.parametrize("preempt", [False, True], ids=["writes", "accesses"])
def test_reduced_search_equals_unreduced_on_every_shipped_scenario(preempt: bool) -> None:
    extra = ["--preempt-at-accesses"] if preempt else []  # the default: points at writes
    fewer = equal = reducible = 0
    driver = {s.name for s in DRIVER}
    for name in SHIPPED:
        if name == "polling_loop_cut":  # a run of it never ends: cut either way, no end state
            continue
        if name in driver:  # with their own options: the next test
            continue
        reduced, full = compare(BUILT / name, *extra)
        fewer += reduced.schedules < full.schedules
        equal += full.complete
        reducible += reduced.reduced
    # compared whole (the unreduced search within its budget): with the default points 38 of
    # the 49 hand-made ones (the spcnvme ones, persistent_*, pct_depth2_race with about 8e15
    # schedules are past it; 2026-12-03); with every access's points about 24
    handmade = len(SHIPPED) - len(driver)
    assert equal >= (handmade - 12 if not preempt else 24), equal
    assert fewer >= reducible // 2 and reducible >= 25, (fewer, reducible)


# Past the default 200,000 reduced: since removal begins a step before its first notification
# (ENV-R4) and an unmarked miniport has the surprise orders of the control alone (ENV-R3),
# 130,267 became 210,491 (docs/benchmarks.md).
# miniport_isr_dpc_dpc_after_release: 214,509 since ENV-R7's mark is an object each use of the
# extension by the DPC reads (por.h POR_OBJ_OUTLIVED; docs/benchmarks.md: its classes rose too)
# miniport_isr_dpc_one_slot: 389,239 whole since a take after a wait is reversed with the last
# other take of its lock (2026-12-06, docs/benchmarks.md), past the default 200,000
REDUCED_BUDGET = {"spcnvme_miniport_wrong_handle": "300000",
                  "miniport_isr_dpc_dpc_after_release": "400000",   # 293,607 (2026-12-07)
                  "miniport_isr_dpc_one_slot": "400000"}
# The DriverEntry scenarios whose unreduced search (default points) is whole only past BUDGET:
# it gets 200,000 schedules there, and must be whole in them (2026-12-08: miniport_oneshot and
# its variants about 178,000, the miniport_teardown ones 44,537 to 66,353).  The others are
# whole within BUDGET or past 200,000 (about twenty): a longer cut search adds only orders of
# the last few steps to the subset check, at about 3 s each (test_audit_pct_states.py
# compares their final states with PCT's runs instead).
WHOLE_PAST_BUDGET = {"miniport_oneshot", "miniport_oneshot_no_resume_on_failure",
                     "miniport_oneshot_startio_lock", "miniport_oneshot_strand_on_failure",
                     "miniport_teardown", "miniport_teardown_frees_at_remove_srb",
                     "miniport_teardown_frees_at_surprise_control"}


@pytest.mark.parametrize("points", ["writes", "calls"])
def test_reduced_search_equals_unreduced_on_every_driverentry_scenario(points: str) -> None:
    """A miniport audited from its DriverEntry is reduced too (driver.c's footprints: its SRBs,
    the pause count, the stop, DPC and timer records, its on-demand routines' arming, start and
    end), with its own `audit:` options, with the default points (before each shared write,
    its default now) and with the calls' points (where most unreduced searches finish).  Each is
    exhaustive reduced within the default budget (200,000 schedules) with the default points but
    storahci_miniport and those of REDUCED_BUDGET (with the calls' points storahci_miniport is
    not: larger steps, fewer independent ones).
    The unreduced search is given 40,000 schedules (200,000 for those of WHOLE_PAST_BUDGET
    with the default points); past them (with the default points: miniport_host and its
    variants, miniport_dpc_drain and its variants, miniport_isr_dpc and its variants,
    miniport_main_thread, miniport_virtual and its variant, the spcnvme forms,
    storahci_miniport) the subset check.  Shown to fail (2026-12-03, then reverted): with a
    completion that does not write its SRB (driver.c complete()), the reduced search of
    miniport_oneshot_double_complete misses 4 of its 16 final states; with an arming that does
    not write its routine's object (arm()), miniport_host_startio_false's misses 4 of 10."""
    extra = [] if points == "writes" else ["--preempt-at-calls"]
    equal = found = 0
    not_fewer = set()
    for s in DRIVER:
        reduced, full = compare(BUILT / s.name, *audit_options(s), *extra,
                                budget="200000" if points == "writes" and
                                s.name in WHOLE_PAST_BUDGET else BUDGET,
                                reduced_budget=REDUCED_BUDGET.get(s.name, "200000"))
        assert reduced.reduced, s.name
        assert full.complete or points == "calls" or s.name not in WHOLE_PAST_BUDGET, s.name
        # storahci_miniport: past the budget (past 4,000,000, 2026-12-06, docs/benchmarks.md)
        assert reduced.complete or points == "calls" or s.name == "storahci_miniport", s.name
        equal += full.complete
        if not reduced.schedules < full.schedules:
            not_fewer.add(s.name)
            # no smaller only where the unreduced search was cut first (the subset check
            # compares them), or has nothing to reduce: under neptune the synchronized variant's
            # StorPortSynchronizeAccess runs no routine, and its 6 schedules have no two
            # independent steps
            assert not full.complete or full.schedules <= 6, (s.name, reduced.schedules,
                                                              full.schedules)
        found += bool(full.findings)
    assert len(DRIVER) >= 31, len(DRIVER)
    # compared whole: 22 of 49 with the points at writes (2026-12-08), 18 of 26 with the
    # calls' (2026-12-03)
    assert equal >= (20 if points == "writes" else 16), equal
    assert len(not_fewer) <= 4 and found >= 15, (sorted(not_fewer), found)


def test_a_use_after_the_release_is_ordered_with_env_r7s_mark() -> None:
    """ENV-R7's mark of a DPC running at the release (por.h POR_OBJ_OUTLIVED) is the only order
    between the release and that DPC's later uses of the extension: each use reads it.  Here the
    DPC signals, counts in the extension, then in a global (its last step: nothing released), so
    the release before or after the count is two final states, one with ENV-R7 at the count; the
    teardown that does not wait (no_wait) is the same at the signal.  With the default points
    (before each write, and before a read of the extension by a DPC or timer routine or of an
    SRB) the unreduced search of no_wait finishes (1,570,236 schedules since Storport's own
    takes are points of their own, 2026-12-08; 660,346 before; 10 final states, with ENV-R4's
    removal point; 10 s here), so the comparison is whole; use_then_count's (8,136,758, about
    a minute alone, past the time limit under a loaded ctest) is compared with PCT's runs
    instead (test_audit_pct_states.py), and its ENV-R7 site checked here.  Shown to fail
    (2026-12-03, before that point came, then reverted): with an unmarked use not reading the
    mark (driver.c driver_released_use), the reduced search of each took 124 and 66 schedules
    and reached 3 of the then 6 final states, ENV-R7 in none of them."""
    for name, line in (("miniport_dpc_drain_use_then_count", "a->DpcRuns++"),
                       ("miniport_dpc_drain_no_wait", "InterlockedExchange(&a->DpcOut, 0)")):
        if name.endswith("no_wait"):
            _, whole = compare(BUILT / name, budget="4000000")   # the unreduced one
        else:
            whole = search(BUILT / name, "--max-schedules", "200000")   # the reduced one
        assert whole.complete and len(whole.states) >= 6, name
        src = (ROOT / "c-harness/check/scenarios/miniport_dpc_drain.c").read_text().splitlines()
        at = {f[3] for f in whole.findings if f[0] == "ENV-R7"}
        assert at and all(line in src[n - 1] for n in at), (name, at)


# Random scenarios: two or three routines and their callbacks over four shared counters, a
# spinlock and a flag: plain and locked reads and writes, yields, branches on shared values,
# assertions on them (schedule-dependent findings), queues of callbacks that free their own
# worker, and a remove handler that may wait for the flag; in half of them each worker's
# allocation may be refused (a data choice inside a step, WI-I4).

def op(rng: random.Random, depth: int = 0) -> str:
    i, j, k = rng.randrange(4), rng.randrange(4), rng.randrange(1, 4)
    kind = rng.choice(["set", "add", "if", "yield", "lock", "assert", "flag"] if depth == 0
                      else ["set", "add", "if"])
    if kind == "set":
        return f"x->v[{i}] = {k};"
    if kind == "add":
        return f"x->v[{i}] += x->v[{j}] + 1;"
    if kind == "if":
        return f"if (x->v[{i}] == {k}) {{ {op(rng, depth + 1)} }}"
    if kind == "yield":
        return "STORK_YIELD();"
    if kind == "lock":
        return f"STORK_LOCK(&x->lock); {op(rng, 1)} STORK_UNLOCK(&x->lock);"
    if kind == "assert":
        return f"STORK_ASSERT(x->v[{i}] != {k + 3});"
    return "x->flag = 1;"


def body(rng: random.Random, n: int) -> str:
    return "\n".join("    " + op(rng) for _ in range(n))


def random_scenario(seed: int, two: bool = False) -> str:
    """`two`: each routine that queues queues two workers (w[2r], w[2r + 1]) with the same
    callback, and there are two system threads or one (the orders of two workers' calls, of
    their callbacks' starts and returns, which the per-worker dependence of por.h commutes)."""
    rng = random.Random(seed)
    nr = rng.choice([2, 2, 2, 3])
    parts = ["#include <storport.h>\n",
             "struct ext { PVOID w[6]; int v[4]; int flag; struct stork_lock lock; };\n"]
    for r in range(nr):
        queue = ""
        if rng.random() < 0.5:
            parts.append(f"static VOID cb{r}(PVOID e, PVOID context, PVOID worker)\n{{\n"
                         f"    struct ext *x = e;\n    (void)context;\n{body(rng, rng.randrange(1, 3))}\n"
                         "    StorPortFreeWorker(x, worker);\n}\n")
            for w in ([2 * r, 2 * r + 1] if two else [r]):
                queue += (f"    if (StorPortInitializeWorker(x, &x->w[{w}]) == STOR_STATUS_SUCCESS &&\n"
                          f"        StorPortQueueWorkItem(x, cb{r}, x->w[{w}], NULL) != STOR_STATUS_SUCCESS)\n"
                          f"        StorPortFreeWorker(x, x->w[{w}]);\n")
        parts.append(f"static void r{r}(void *e)\n{{\n    struct ext *x = e;\n"
                     f"{body(rng, rng.randrange(1, 3))}\n{queue}{body(rng, rng.randrange(0, 2))}\n}}\n")
    wait = "    STORK_WAIT_UNTIL(x->flag);\n" if rng.random() < 0.3 else ""
    parts.append(f"static void teardown(void *e)\n{{\n    struct ext *x = e;\n    (void)x;\n{wait}"
                 f"{body(rng, rng.randrange(0, 2))}\n}}\n")
    table = ", ".join(f'{{"r{r}", STORK_DISPATCH_LEVEL, r{r}}}' for r in range(nr))
    parts.append(f"static const struct stork_routine routines[] = {{{table}}};\n"
                 "const struct stork_scenario stork_scenario = {.name = \"random\",\n"
                 f"    .extension_size = sizeof(struct ext), .routines = routines, .nroutines = {nr},\n"
                 f"    .remove = teardown, .threads = {rng.choice([1, 2])},\n"
                 f"    .alloc_fail = {int(rng.random() < 0.5)}}};\n")  # each init refused or not
    return "".join(parts)


SEEDS = range(1, 31)
# The reduced search of a random scenario gets 50,000 schedules, not 200,000: the whole
# comparison needs the unreduced one whole within BUDGET, where the reduced one needs no more,
# and a reduced search cut too compares nothing.  Two of TWO_SEEDS' took 200,000 reduced
# schedules each way, cut, 28 s of the test's 38 s of reduced searches, for no check
# (2026-12-08); past 50,000 they lose only a subset check against a cut unreduced search.
RANDOM_REDUCED_BUDGET = "50000"


def test_reduced_search_equals_unreduced_on_random_scenarios(tmp_path: Path) -> None:
    equal = fewer = found = 0
    for seed in SEEDS:
        src = tmp_path / f"random_{seed}.c"
        src.write_text(random_scenario(seed))
        program = audit_mod.build(src)
        try:
            for extra in ([], ["--preempt-at-accesses"], ["--preempt-at-calls"]):
                reduced, full = compare(program.path, *extra,
                                        reduced_budget=RANDOM_REDUCED_BUDGET)
                equal += full.complete
                fewer += reduced.schedules < full.schedules
                found += bool(full.findings)
        finally:
            program.close()
    runs = 3 * len(SEEDS)
    # most of them are compared whole, and they are not trivial: findings, reduction
    assert equal >= runs * 2 // 3 and fewer >= runs // 2 and found >= runs // 4, (equal, fewer, found)


TWO_SEEDS = range(101, 121)


def test_reduced_search_equals_unreduced_with_two_workers_a_routine(tmp_path: Path) -> None:
    """Two workers queued by each routine that queues, one or two threads: the per-worker
    dependence (por.h: inits, queues and frees of different workers, a start and another
    worker's queue, commute) keeps every finding and final state."""
    equal = fewer = found = two_threads = 0
    for seed in TWO_SEEDS:
        text = random_scenario(seed, two=True)
        src = tmp_path / f"random2_{seed}.c"
        src.write_text(text)
        program = audit_mod.build(src)
        try:
            for extra in ([], ["--preempt-at-calls"]):
                reduced, full = compare(program.path, *extra,
                                        reduced_budget=RANDOM_REDUCED_BUDGET)
                equal += full.complete
                fewer += reduced.schedules < full.schedules
                found += bool(full.findings)
                two_threads += ".threads = 2" in text and "StorPortQueueWorkItem" in text
        finally:
            program.close()
    runs = 2 * len(TWO_SEEDS)
    # 17 of the 40 compared whole (four workers and their callbacks take the rest past the
    # unreduced budget: the subset check), every one reduced, 30 with findings (2026-12-02)
    assert equal >= runs // 3 and fewer >= runs // 2 and found >= runs // 4, (equal, fewer, found)
    assert two_threads >= 4, two_threads


REMOVAL_BEFORE_THE_FIRST_QUEUE = """#include <storport.h>
struct ext { PVOID w[6]; int v[4]; int flag; struct stork_lock lock; };
static void r0(void *e)
{
    struct ext *x = e;
    x->v[3] += x->v[2] + 1;

}
static VOID cb1(PVOID e, PVOID context, PVOID worker)
{
    struct ext *x = e;
    (void)context;
    x->v[1] = 1;
    StorPortFreeWorker(x, worker);
}
static void r1(void *e)
{
    struct ext *x = e;
    STORK_LOCK(&x->lock); if (x->v[2] == 1) { x->v[0] += x->v[3] + 1; } STORK_UNLOCK(&x->lock);
    if (StorPortInitializeWorker(x, &x->w[2]) == STOR_STATUS_SUCCESS &&
        StorPortQueueWorkItem(x, cb1, x->w[2], NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(x, x->w[2]);
    if (StorPortInitializeWorker(x, &x->w[3]) == STOR_STATUS_SUCCESS &&
        StorPortQueueWorkItem(x, cb1, x->w[3], NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(x, x->w[3]);
    x->flag = 1;
}
static void teardown(void *e)
{
    struct ext *x = e;
    (void)x;

}
static const struct stork_routine routines[] = {{"r0", STORK_DISPATCH_LEVEL, r0}, {"r1", STORK_DISPATCH_LEVEL, r1}};
const struct stork_scenario stork_scenario = {.name = "random",
    .extension_size = sizeof(struct ext), .routines = routines, .nroutines = 2,
    .remove = teardown, .threads = 1};
"""


def test_removal_is_asked_where_it_is_offered(tmp_path: Path) -> None:
    """Removal's beginning is offered only where it can matter (sched.c), and it is dependent
    only on a queue, the step before one and the remove handler's start (por.h). A race of it
    with a step whose decision does not offer it goes to the latest earlier decision that does
    (reduce.c reverse). Without that, this scenario (generated: random2_108 of the test above)
    lost the final state where removal comes before its first queue: the race with the step
    before the second queue asked for the callback's start instead, after which removal comes
    before that step in no schedule (2026-12-07, shown failing, then fixed)."""
    src = tmp_path / "removal_before_the_first_queue.c"
    src.write_text(REMOVAL_BEFORE_THE_FIRST_QUEUE)
    program = audit_mod.build(src)
    try:
        reduced, full = compare(program.path)
    finally:
        program.close()
    assert reduced.complete and len(full.states) == 3
    assert full.states <= reduced.states


def two_routines(tmp_path: Path, name: str, prelude: str, write: str) -> audit_mod.Program:
    """writer and reader, linked only by `write` (of x->a, which reader copies to x->seen), each
    between two yields (a routine's last step writes the runtime's state: its end)."""
    src = tmp_path / f"{name}.c"
    src.write_text(
        "#include <storport.h>\n#include <string.h>\n"
        "struct ext { char a[8]; char seen; };\n" + prelude +
        "static void writer(void *e) { struct ext *x = e; STORK_YIELD(); " + write + " STORK_YIELD(); }\n"
        "static void reader(void *e) { struct ext *x = e; STORK_YIELD(); x->seen = x->a[0]; STORK_YIELD(); }\n"
        "static const struct stork_routine routines[] = {{\"writer\", STORK_DISPATCH_LEVEL, "
        "writer}, {\"reader\", STORK_DISPATCH_LEVEL, reader}};\n"
        f"const struct stork_scenario stork_scenario = {{.name = \"{name}\", .extension_size =\n"
        "    sizeof(struct ext), .routines = routines, .nroutines = 2};\n")
    return audit_mod.build(src)


def test_a_dependency_the_instrumentation_does_not_see_is_caught_by_the_comparison(
        tmp_path: Path) -> None:
    """The comparison can fail: a write from code compiled without instrumentation (a function
    marked no_sanitize) is invisible to por.c, the reduced search takes writer and reader as
    independent, runs one order and misses a final state; the unreduced one sees both.  (This is
    the reduction's documented limit: it is exact only for what -fsanitize=thread instruments.)"""
    program = two_routines(
        tmp_path, "hidden",
        "__attribute__((no_sanitize(\"thread\"))) static void put(struct ext *x) { x->a[0] = 1; }\n",
        "put(x);")
    try:
        reduced, full = search(program.path), search(program.path, "--no-reduction")
    finally:
        program.close()
    assert full.complete and reduced.complete and len(full.states) == 2
    assert reduced.states < full.states


def test_two_takes_of_one_spinlock_are_reversed(tmp_path: Path) -> None:
    """A take of a spinlock at its own scheduling point is offered only while the lock is free
    (sched.c, run.h wants_lock), so it never blocks there and is never co-enabled with the
    holder's release, the one step before it that it depends on: the reduction reverses it with
    the holder's take instead (reduce.c reverse_take, por.h POR_MAX_ACQ).  Two routines that
    each set the same byte under one lock: either may take it first, two final states.  Shown
    to fail (2026-12-06, then reverted): without reverse_take the reduced search runs one
    schedule and reaches one of the two."""
    src = tmp_path / "two_takes.c"
    src.write_text(
        "#include <storport.h>\n"
        "struct ext { struct stork_lock lock; char last; };\n"
        "static void one(void *e) { struct ext *x = e; STORK_LOCK(&x->lock); x->last = 1; "
        "STORK_UNLOCK(&x->lock); }\n"
        "static void two(void *e) { struct ext *x = e; STORK_LOCK(&x->lock); x->last = 2; "
        "STORK_UNLOCK(&x->lock); }\n"
        "static const struct stork_routine routines[] = {{\"one\", STORK_DISPATCH_LEVEL, one}, "
        "{\"two\", STORK_DISPATCH_LEVEL, two}};\n"
        "const struct stork_scenario stork_scenario = {.name = \"two_takes\", .extension_size =\n"
        "    sizeof(struct ext), .routines = routines, .nroutines = 2};\n")
    program = audit_mod.build(src)
    try:
        for extra in ([], ["--preempt-at-calls"], ["--preempt-at-accesses"]):
            reduced, full = compare(program.path, *extra)
            assert full.complete and reduced.complete and len(full.states) == 2, extra
            assert reduced.states == full.states, extra
    finally:
        program.close()


def test_a_memset_of_unknown_length_is_a_write_the_reduction_sees(tmp_path: Path) -> None:
    """memset of a length the compiler does not know is a libc call that -fsanitize=thread leaves
    to the TSan runtime (not linked here): stork/check.h routes it through stork_memset, so it is
    a dependency (and a race with reader: WI-M11)."""
    program = two_routines(tmp_path, "memset", "static volatile size_t one = 1;\n",
                           "memset(x->a, 1, one);")
    try:
        reduced, full = compare(program.path)
    finally:
        program.close()
    assert full.complete and len(full.states) == 2 == len(reduced.states)
    assert {f[0] for f in full.findings} == {"WI-M11"}


def test_a_run_halted_by_an_assertion_is_a_cut_one_for_the_reduction(tmp_path: Path) -> None:
    """A failed STORK_ASSERT stops the run in the middle of its step: the other routine's steps
    never run, so nothing in the run races with them.  The reduction takes such a run as a cut one
    (every option of its decisions) and the halting step as dependent on every step (sched.c
    run_halt).  Shown to fail (2026-12-03, then reverted): as a run that ended, the reduced search
    took 1 schedule and missed r1's assertion; without the dependence on every step, it reached 1
    of the 3 final states (r1's writes before r0's halt, none, one or both)."""
    src = tmp_path / "halt.c"
    src.write_text(
        "#include <storport.h>\nstruct ext { int a, b; };\n"
        "static void r0(void *e) { struct ext *x = e; x->a = 1; STORK_ASSERT(x->a != 1); }\n"
        "static void r1(void *e) { struct ext *x = e; x->b = 1; STORK_YIELD(); x->b = 2;\n"
        "    STORK_ASSERT(x->b != 2); }\n"
        "static const struct stork_routine routines[] = {{\"r0\", STORK_DISPATCH_LEVEL, r0},\n"
        "    {\"r1\", STORK_DISPATCH_LEVEL, r1}};\n"
        "const struct stork_scenario stork_scenario = {.name = \"halt\", .extension_size =\n"
        "    sizeof(struct ext), .routines = routines, .nroutines = 2};\n")
    program = audit_mod.build(src)
    try:
        for extra in ([], ["--preempt-at-calls"]):
            reduced, full = compare(program.path, *extra)
            assert full.complete and {(f[0], f[3]) for f in full.findings} == \
                {("STORK-ASSERT", 3), ("STORK-ASSERT", 5)}, extra
            assert len(full.states) >= 3, extra
    finally:
        program.close()


def test_a_findings_digest_names_its_file_not_its_path(tmp_path: Path) -> None:
    """Final states are compared between builds of one scenario from two checkouts (a change
    against main): a finding enters the digest by its file's name, so the same scenario in two
    folders has the same final states (por.c por_final_state).  Before, the path was hashed
    and no state with a finding compared equal across folders."""
    src = ("#include <storport.h>\nstruct ext { int a; };\n"
           "static void r0(void *e) { struct ext *x = e; x->a = 1; STORK_ASSERT(x->a != 1); }\n"
           "static const struct stork_routine routines[] = {{\"r0\", STORK_DISPATCH_LEVEL, r0}};\n"
           "const struct stork_scenario stork_scenario = {.name = \"one\", .extension_size =\n"
           "    sizeof(struct ext), .routines = routines, .nroutines = 1};\n")
    found = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "one.c"
        path.write_text(src)
        program = audit_mod.build(path)
        try:
            found.append(search(program.path))
        finally:
            program.close()
    assert all(s.findings and s.states for s in found)
    assert found[0].findings != found[1].findings  # the paths differ ...
    assert found[0].states == found[1].states      # ... the states do not
