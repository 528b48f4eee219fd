"""The audit's default scheduling points (before each shared write and atomic of the scenario,
besides the StorPort calls and STORK_* points) reach what a point before every shared access
reaches, on a race-free scenario: the same findings (rule, site) and the same final states of
the exhaustive search.  Reads need no point of their own there: a read that another context's
write could come just before is unordered with that write, which is a race (WI-M11), found in
every schedule that runs both.  (Three events that write nothing a read reads change what it
means: the adapter's release, which marks a DPC or timer routine still running so that its next
use of the extension is ENV-R7's finding, an SRB's completion (ENV-Q2) and a pool block's free
(ENV-E22): such a routine's reads of the extension, and every read of an SRB or pool block, get
a point by default too.)  Shown on every shipped scenario whose search with every access's
points finds no race, and on the random scenarios of test_audit_reduction.py that are race-free;
and the comparison can fail: on a racy scenario the reads' points reach a state the default
does not (the race is reported either way)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stork import audit as audit_mod
from test_audit_reduction import (BUILT, DRIVER, SHIPPED, SEEDS, Search, audit_options,
                                  random_scenario, search)

pytestmark = pytest.mark.skipif(not BUILT.is_dir(), reason="C harness not built (no audit programs)")

RACES = "WI-M11"


def both(program: Path, *options: str) -> tuple[Search, Search] | None:
    """The default's search and every access's, both whole within 20,000 schedules (the
    larger ones are left out: this test's time); None when either is cut."""
    writes = search(program, "--max-schedules", "20000", *options)
    every = search(program, "--max-schedules", "20000", "--preempt-at-accesses", *options)
    return (writes, every) if writes.complete and every.complete else None


def race_free(s: Search) -> bool:
    return not any(f[0] == RACES for f in s.findings)


def agree_where_race_free(program: Path, what: object, *options: str) -> bool:
    """Both searches whole and race-free: they agree (asserted); else not compared (False)."""
    pair = both(program, *options)
    if pair is None or not race_free(pair[1]):
        return False
    writes, every = pair
    assert writes.findings == every.findings, what
    assert writes.states == every.states, what
    return True


def test_the_default_points_reach_what_every_access_reaches_on_race_free_shipped_scenarios() -> None:
    compared = 0
    for name in SHIPPED:
        if name == "polling_loop_cut" or name.startswith("miniport_"):
            continue  # a run never ends; DriverEntry miniports: the next test, with their options
        compared += agree_where_race_free(BUILT / name, name)
    assert compared >= 35, compared


def test_the_default_points_reach_what_every_access_reaches_on_race_free_driverentry_miniports(
        ) -> None:
    """The miniports audited from their DriverEntry (miniport_*), with their own `audit:` options
    but the points': 26 of the 31 are race-free and whole within 20,000 schedules both ways,
    about 11 s in all (2026-12-03; miniport_isr_dpc_dpc_after_release and _one_slot are past
    it)."""
    compared = 0
    for s in DRIVER:
        if not s.name.startswith("miniport_"):
            continue  # spcnvme_*, storahci_miniport: past 20,000 schedules
        options = [o for o in audit_options(s) if o != "--preempt-at-accesses"]
        compared += agree_where_race_free(BUILT / s.name, s.name, *options)
    assert compared >= 24, compared


def test_the_default_points_reach_what_every_access_reaches_on_race_free_random_scenarios(
        tmp_path: Path) -> None:
    compared = 0
    for seed in SEEDS:
        src = tmp_path / f"random_{seed}.c"
        src.write_text(random_scenario(seed))
        program = audit_mod.build(src)
        try:
            compared += agree_where_race_free(program.path, seed)
        finally:
            program.close()
    assert compared >= 5, compared


def test_on_a_racy_scenario_the_reads_points_reach_more(tmp_path: Path) -> None:
    """reader reads x->a twice with nothing between; writer writes it, unlocked.  Every access's
    points let the write come between the two reads (seen 0 then 1); the default's run the two
    reads as one step.  Both report the race."""
    src = tmp_path / "torn.c"
    src.write_text(
        "#include <storport.h>\n"
        "struct ext { int a, first, second; };\n"
        "static void writer(void *e) { struct ext *x = e; x->a = 1; }\n"
        "static void reader(void *e) { struct ext *x = e; volatile int *p = &x->a; int f = *p, s = *p;\n"
        "  STORK_YIELD(); x->first = f; x->second = s; }\n"
        "static const struct stork_routine routines[] = {{\"writer\", STORK_DISPATCH_LEVEL, "
        "writer}, {\"reader\", STORK_DISPATCH_LEVEL, reader}};\n"
        "const struct stork_scenario stork_scenario = {.name = \"torn\", .extension_size =\n"
        "    sizeof(struct ext), .routines = routines, .nroutines = 2};\n")
    program = audit_mod.build(src)
    try:
        pair = both(program.path)
    finally:
        program.close()
    assert pair is not None
    writes, every = pair
    assert not race_free(writes) and not race_free(every)
    assert writes.states < every.states
