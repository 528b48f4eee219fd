"""verify --sweep: bounds raised within a budget, the largest decided and the verdicts that
changed on the way (spec/environment.md: bounds that say what they cover)."""

from __future__ import annotations

import re

from stork.paths import in_testdata

SECOND_CALLER = str(in_testdata("sweep_second_caller.pml"))


def test_a_defect_only_a_second_caller_shows_is_found_and_named(stork) -> None:
    plain = stork("verify", SECOND_CALLER)
    assert plain.returncode == 0, plain.stdout           # the default bounds miss it
    r = stork("verify", "--sweep", "60", SECOND_CALLER)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "no_leak: holds -> VIOLATED at NCALLERS=2" in r.stdout
    assert "largest bounds searched completely" in r.stdout and "NCALLERS=" in r.stdout


def test_a_holding_design_says_how_far_each_bound_went(stork) -> None:
    r = stork("verify", "--sweep", "60", "model/designs/persistent_stop_flag_drain.pml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verdicts that changed: none" in r.stdout
    for bound in ("MAXW", "NTHREADS", "MAXSRB", "NCALLERS"):
        assert f"  {bound}: " in r.stdout                 # why each one stopped


def test_sweep_bad_input(stork) -> None:
    for extra in (["--sweep", "0"], ["--sweep", "10", "--json"], ["--sweep", "nan"]):
        r = stork("verify", *extra, "model/designs/persistent_stop_flag_drain.pml")
        assert r.returncode == 2 and "--sweep" in r.stderr and "Traceback" not in r.stderr


def test_sweep_of_a_design_refused_at_its_own_bounds_is_verify_s_bad_input(stork, tmp_path) -> None:
    # once an internal error (KeyError) for any design SPIN refuses: the starting bounds'
    # failure is the design's, reported as verify reports it
    bad = tmp_path / "bad.pml"
    bad.write_text("int x;\nactive proctype p() { x = ; }\n")
    r = stork("verify", "--sweep", "10", str(bad))
    assert r.returncode == 2 and r.stderr.startswith(f"stork verify: {bad}:2: syntax error"), r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_a_variant_s_switches_are_not_raised(stork) -> None:
    """restart_by_find_adapter's variants set REFIND_FAILS and FREE_ON_REFIND_FAILURE (and
    WORKER_IN_PASSIVE): switches of its defects and forms, not bounds, so the sweep leaves them
    as given; raising them reported a verdict change that says nothing of the design."""
    r = stork("verify", "model/designs/restart_by_find_adapter.pml", "--sweep", "60")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verdicts that changed: none" in r.stdout
    stops = {m.group(1) for m in re.finditer(r"^  ([A-Z_]+): ", r.stdout, re.M)}
    assert stops == {"MAXW", "NTHREADS", "MAXSRB"}, r.stdout
