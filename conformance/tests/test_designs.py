"""Every shipped design verifies exactly as its header says, and no property is vacuous."""

from __future__ import annotations

from functools import lru_cache

import pytest

from stork.properties import all_properties
from stork.suite import DesignOutcome, shipped_designs, verify_all


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
