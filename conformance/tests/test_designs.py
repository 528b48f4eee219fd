"""Every shipped design verifies exactly as its header says, and no property is vacuous."""

from __future__ import annotations

from functools import lru_cache

import pytest

from stork.properties import all_properties
from stork.suite import DesignOutcome, host_checks, shipped_designs, verify_all, verify_on_hosts


@lru_cache(maxsize=1)
def outcomes() -> dict[str, DesignOutcome]:
    return {o.name: o for o in verify_all(jobs=2)}


def test_at_least_twelve_designs_each_with_an_expectation() -> None:
    designs = shipped_designs()
    assert len(designs) >= 12
    for o in outcomes().values():
        assert o.header.expect_holds is not None, f"{o.name}: no 'expect:' line"
        known = {p.name for p in all_properties()}
        assert set(o.header.expect_violated) <= known, o.name


@pytest.mark.parametrize("name", [p.name for p in shipped_designs()])
def test_design_verdicts_match_header(name: str) -> None:
    o = outcomes()[name]
    assert not o.incomplete, f"{name}: search incomplete for {o.incomplete}"
    got = sorted(o.violated)
    assert o.matches, f"{name}: expected {o.header.expected_text()}, got VIOLATED {got}"


def test_every_property_is_violated_by_some_design() -> None:
    violated = {p for o in outcomes().values() for p in o.violated}
    missing = [p.name for p in all_properties() if p.name not in violated]
    assert not missing, f"vacuous so far (no design breaks them): {missing}"


def test_some_designs_hold_everything() -> None:
    good = [o for o in outcomes().values() if o.header.expect_holds]
    assert len(good) >= 3
    assert all(o.matches for o in good)


@lru_cache(maxsize=1)
def host_outcomes() -> dict[tuple[str, str], DesignOutcome]:
    return {(o.name, o.host): o for o in verify_on_hosts(jobs=2)}


@pytest.mark.parametrize("name, host", [(d.name, h) for d, h in host_checks()])
def test_design_verdicts_under_another_host_match_its_expect_on_host_line(name: str,
                                                                          host: str) -> None:
    o = host_outcomes()[(name, host)]
    assert not o.incomplete, f"{name} on {host}: search incomplete for {o.incomplete}"
    assert o.matches, (f"{name} on {host}: expected {o.header.expected_text()}, got VIOLATED "
                       f"{sorted(o.violated)}")


def test_some_host_changes_what_a_design_gives() -> None:
    """The per-host lines are no copies of Windows's: the host changes what is checked."""
    checks = host_checks()
    assert len(checks) >= 8
    changed = [d.name for d, h in checks
               if d.header.for_host(h).expected_text() != d.header.expected_text()]
    assert len(changed) >= 5, changed
    assert "halves_counted_without_lock" in changed           # VIOLATED on Windows, holds there
