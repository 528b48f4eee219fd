"""Coverage goals: computed from the contract, met by the traces that exercise them."""

from __future__ import annotations

import re

from pathlib import Path

from stork import coverage, trace
from stork.paths import in_testdata

ONE_SHOT = """stork-trace 1
call dpc DISPATCH init -> SUCCESS w1
call dpc DISPATCH queue w1 cb1 ctx1 -> SUCCESS
start sys0 w1 cb1 ctx1
call sys0 PASSIVE free w1 -> SUCCESS
return sys0 w1
remove begin
remove end
end
"""


def test_goal_families_are_nonempty_and_unique() -> None:
    goals = coverage.all_goals()
    flat = [g for gs in goals.values() for g in gs]
    assert len(flat) == len(set(flat))
    assert all(goals[f] for f in ("rules", "calls", "pairs", "interleavings"))
    assert "rule:WI-I3" not in goals["rules"]          # listed as unreachable, with a reason


def test_one_shot_trace_meets_exactly_its_goals() -> None:
    met = coverage.goals_of(trace.parse(ONE_SHOT))
    assert "call:init:new:dispatch:SUCCESS" in met
    assert "call:queue:idle:dispatch:SUCCESS" in met
    assert "call:free:running:own-callback:SUCCESS" in met
    assert "pair:start>free:ok" in met and "pair:free:ok>return" in met
    assert {"rule:WI-C7", "rule:WI-F6", "rule:WI-M7"} <= met
    assert "call:queue:queued:dispatch:BUSY" not in met
    assert "race:removal-vs-running" not in met


def test_races_and_allowed_sets_are_recognised() -> None:
    t = trace.parse("""stork-trace 1
call findadapter PASSIVE init -> SUCCESS w1
call dpc DISPATCH queue w1 cb1 null -> SUCCESS
start sys0 w1 cb1 null
call dpc DISPATCH queue w1 cb1 null -> SUCCESS
remove begin
call isr DIRQL queue w1 cb1 null -> INVALID_IRQL|INVALID_DEVICE_STATE|BUSY
call teardown PASSIVE free w1 -> BUSY
return sys0 w1
end
""")
    met = coverage.goals_of(t)
    assert "race:queue-vs-callback" in met
    assert "race:removal-vs-running" in met and "race:removal-vs-queued" in met
    assert "call:queue:running+queued:dirql:INVALID_IRQL|INVALID_DEVICE_STATE|BUSY" in met
    assert "call:queue:running+queued:dirql:INVALID_IRQL|INVALID_DEVICE_STATE|BUSY" in coverage.all_goals()["calls"]
    assert "call:free:running+queued:passive:BUSY" in met
    assert "rule:WI-M7" not in met                      # w1 never freed


HEX = """stork-trace 2
call findadapter PASSIVE init -> SUCCESS w1
call dpc DISPATCH queue w1 cb1 null -> SUCCESS
call dpc DISPATCH queue w1 cb1 null -> {status}
start sys0 w1 cb1 null
return sys0 w1
call teardown PASSIVE free w1 -> SUCCESS
end
"""
BUSY_GOAL = "call:queue:queued:dispatch:BUSY"


def test_a_hex_status_counts_as_its_stor_status_and_any_other_as_not_one() -> None:
    """Trace version 2: 0xC100000C is BUSY for coverage as for the readers; 0xC0000002 (an
    NTSTATUS) is the one outcome NOT_STOR_STATUS, which no goal has: a call answered with it,
    alone or beside BUSY, meets no calls or transitions goal, and is not counted as BUSY."""
    from stork import transitions
    named, busy = (trace.parse(HEX.format(status=s)) for s in ("0xC100000C", "BUSY"))
    assert coverage.goals_of(named) == coverage.goals_of(busy)
    assert transitions.keys(named, 2) == transitions.keys(busy, 2)
    for status in ("0xC0000002", "BUSY|0xC0000002", "0xC0000002|0x80000011"):
        t = trace.parse(HEX.format(status=status))
        met = coverage.goals_of(t)
        assert BUSY_GOAL not in met, status
        assert f"{BUSY_GOAL.rsplit(':', 1)[0]}:{'BUSY|' if 'BUSY' in status else ''}NOT_STOR_STATUS" in met
        key = transitions.keys(t, 2)[2]
        assert key.endswith(f":dispatch:{'BUSY|' if 'BUSY' in status else ''}NOT_STOR_STATUS"), key
        assert key not in transitions.keys(busy, 2)
    assert BUSY_GOAL in coverage.goals_of(busy)


def test_coverage_command(stork, tmp_path: Path) -> None:
    (tmp_path / "a.trace").write_text(ONE_SHOT)
    r = stork("coverage", str(tmp_path), "--unmet")
    assert r.returncode == 0, r.stderr
    assert "1 traces" in r.stdout and "unmet: " in r.stdout
    (tmp_path / "b.trace").write_text("stork-trace 1\ncall x Y init\nend\n")
    r = stork("coverage", str(tmp_path))
    assert r.returncode == 2 and "b.trace:2:" in r.stderr


def test_coverage_command_measures_the_transitions_family(stork) -> None:
    root = Path(__file__).resolve().parents[2]
    goals = root / "conformance" / "traces" / "goals"
    r = stork("coverage", str(goals), "--transitions", "2")
    assert r.returncode == 0, r.stderr
    assert re.search(r"transitions \(k=2\)\s+19599 / 19599", r.stdout), r.stdout
    hand = in_testdata("survivors")
    r = stork("coverage", str(hand), "--transitions", "2", "--unmet")
    assert r.returncode == 0, r.stderr
    assert "unmet: tr:" in r.stdout and "transitions (k=2)" in r.stdout
