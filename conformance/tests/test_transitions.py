"""The transitions family (spec/coverage.md): the trap and the classifier agree on SPIN's own
runs, SPIN's search gives the reachable pairs and nothing else, the planned runs take every
one, and a search cut short is never taken for complete."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from stork import trace as tracefmt
from stork import transitions as tr
from stork.spin import PanOptions
from stork.paths import in_testdata

ROOT = Path(__file__).resolve().parents[2]
HAND = in_testdata("survivors")
SHIPPED = ROOT / "conformance" / "traces"


def test_trap_and_classifier_agree_event_by_event_on_every_spin_witness() -> None:
    """A SPIN run for every reachable pair at OPS=4, each replayed with the trap printing its
    keys, which must equal the Python classifier's (explore raises if they differ)."""
    ex = tr.explore(tr.Bounds(ops=4))
    assert ex.reach.complete and len(ex.reach.keys) > 300
    assert ex.unmet == set()
    assert set().union(*(w.keys for w in ex.runs)) == set(ex.reach.keys)
    assert all(w.hit in w.keys for w in ex.runs)
    # ... the run counts among them: a slot's second run, and past it
    assert any(k.startswith("r2,") for k in ex.reach.keys)
    assert any(k.startswith("i2,") for k in ex.reach.keys)


def test_keys_count_each_slots_runs_up_to_twice() -> None:
    t = tracefmt.parse("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\n"
                       + "call dpc DISPATCH queue w1 cb1 ctx1 -> SUCCESS\nstart sys0 w1 cb1 ctx1\n"
                       + "call sys0 PASSIVE queue w1 cb2 ctx2 -> SUCCESS\nreturn sys0 w1\n"
                       + "start sys0 w1 cb2 ctx2\ncall sys0 PASSIVE queue w1 cb2 ctx2 -> SUCCESS\n"
                       + "return sys0 w1\nstart sys0 w1 cb2 ctx2\nreturn sys0 w1\n"
                       + "call dpc DISPATCH free w1 -> SUCCESS\nremove begin\nremove end\nend\n", "t")
    assert tr.keys(t, 1) == [
        "u;-;live>init:dispatch:SUCCESS", "i;-;live>queue:w1:dispatch:SUCCESS",
        "q;w1:1;live>start:w1", "r1;-;live>queue:w1:own-callback:SUCCESS",
        "rq1;w1:1;live>return:w1", "q1;w1:1;live>start:w1",
        # the re-queue in the second run (mutant 54 loses it) is a pair of its own
        "r2;-;live>queue:w1:own-callback:SUCCESS", "rq2;w1:1;live>return:w1",
        "q2;w1:1;live>start:w1", "r2;-;live>return:w1",    # a third run counts as two
        "i2;-;live>free:w1:dispatch:SUCCESS", "f2;-;live>remove:begin", "f2;-;removing>remove:end"]
    assert set(x for x in tr.keys(t, 1) if x) <= tr.candidates(1, 1)


def test_a_classifier_that_disagrees_with_the_trap_stops_the_search() -> None:
    def wrong(trace: tracefmt.Trace, k: int) -> list[str | None]:
        return [x.replace(";live>", ";removing>") if x else x for x in tr.keys(trace, k)]
    with pytest.raises(tr.TransitionsError, match="disagree"):
        tr.explore(tr.Bounds(ops=2), classify=wrong)


def test_two_pending_needs_four_calls_so_spin_shows_it_unreachable_at_three() -> None:
    later_first = "q,q;w1:1,w2:1;live>start:w2"
    small = tr.explore(tr.Bounds(ops=3), runs=False).reach
    big = tr.explore(tr.Bounds(ops=4), runs=False).reach
    assert small.complete and big.complete
    assert later_first not in small.keys and later_first in big.keys
    assert later_first in tr.candidates(2, 2)
    assert set(small.keys) < set(big.keys) <= tr.candidates(2, 2)


@pytest.mark.parametrize("extra", [["-DREACH"], []])
def test_a_search_cut_short_is_incomplete_and_plans_nothing(extra: list[str]) -> None:
    """With or without -DREACH (the default searches have none): a search cut by pan's depth
    limit says so, and is never taken for complete."""
    opts = dataclasses.replace(tr._opts(None), depth=15, extra_cc=extra)
    ex = tr.explore(tr.Bounds(ops=4), opts)
    assert not ex.reach.complete and "depth" in ex.reach.reason
    assert ex.runs == []


def test_reach_changes_nothing_in_a_search_its_depth_limit_does_not_cut() -> None:
    """-DREACH only re-searches from states met again at a smaller depth, which matters only
    where the depth limit cuts a path; uncut, the same states and pairs. The depths stay far
    below the limit (under 100 at the shipped bounds: docs/benchmarks.md)."""
    b = tr.Bounds(ops=5, maxw=3)
    plain = tr.explore(b, runs=False).reach
    reach = tr.explore(b, dataclasses.replace(tr._opts(None), extra_cc=["-DREACH"]),
                       runs=False).reach
    assert plain.complete and reach.complete
    assert plain.keys == reach.keys and plain.states == reach.states
    assert 0 < plain.depth == reach.depth < tr._opts(None).depth // 1000


@pytest.mark.parametrize("maxw", [2, 3])
def test_the_planned_runs_take_every_reachable_pair_and_classify_as_planned(maxw: int) -> None:
    b = tr.Bounds(ops=5, maxw=maxw)
    reach = set(tr.explore(b, runs=False).reach.keys)
    plans, untaken = tr.plan(reach, maxw, b.nthreads)
    assert untaken == set()
    assert set().union(*(p.keys for p in plans)) == reach
    for p in plans:
        t = tracefmt.parse("\n".join([tracefmt.HEADER, *p.lines, "end"]) + "\n", p.goal)
        assert [x for x in tr.keys(t, maxw) if x] == list(p.keys)
        # a whole run: removal ended and every callback started has returned
        assert any(e.kind == "remove" and e.api == "end" for e in t.events)
        assert sum(e.kind == "start" for e in t.events) == sum(e.kind == "return" for e in t.events)


@pytest.mark.parametrize("ops,maxw", [(4, 2), (5, 3)])
def test_the_contract_walk_reaches_what_spin_does_within_the_same_calls(ops: int, maxw: int) -> None:
    """walk_reach(k, n, OPS) is SPIN's reachable set at those bounds, pair for pair; one call
    fewer is not (the count is tight), nor is a walk that lets the miniport pass a NULL
    handle at DISPATCH (the filter is what makes it exact)."""
    b = tr.Bounds(ops=ops, maxw=maxw)
    spin = tr.explore(b, runs=False).reach
    assert spin.complete
    assert set(tr.walk_reach(maxw, b.nthreads, ops)) == set(spin.keys)
    assert set(tr.walk_reach(maxw, b.nthreads, ops - 1)) < set(spin.keys)


def test_a_walk_without_the_miniports_restrictions_is_not_spins(monkeypatch) -> None:
    spin = set(tr.explore(tr.Bounds(ops=4), runs=False).reach.keys)
    monkeypatch.setattr(tr, "miniport_makes", lambda key: True)
    assert set(tr.walk_reach(2, 2, 4)) > spin


def test_the_unbounded_walk_at_k2_is_the_shipped_corpus_fixpoint() -> None:
    """At k = 2 SPIN stops growing at OPS=9; the walk with no call bound gives exactly its
    pairs (the candidates less the shipped unreachable list), the last of them at 9 calls."""
    text = (SHIPPED / "transitions-unreachable.txt").read_text()
    listed = {ln for ln in text.splitlines() if ln and not ln.startswith("#")}
    need = tr.walk_reach(2, 2)
    assert set(need) == tr.candidates(2, 2) - listed
    assert max(need.values()) == 9


def test_keys_of_hand_written_traces_name_the_pending_order_and_request_classes() -> None:
    later = tr.keys_of(tracefmt.load(HAND / "two_pending_later_started_first.trace"), 2)
    assert "q,q;w1:1,w2:2;live>start:w2" in later
    earlier = tr.keys_of(tracefmt.load(HAND / "two_pending_earlier_started_first.trace"), 2)
    assert "q,q;w1:1,w2:2;live>start:w1" in earlier
    freed = tr.keys_of(tracefmt.load(HAND / "init_while_freed_callback_runs.trace"), 2)
    assert "fr1,u;-;live>init:dispatch:SUCCESS" in freed
    again = tr.keys_of(tracefmt.load(HAND / "init_after_free.trace"), 2)
    assert "f,u;-;live>init:passive:SUCCESS" in again


def test_events_beyond_k_workers_have_no_key() -> None:
    t = tracefmt.parse("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\n"
                       "call dpc DISPATCH init -> SUCCESS w2\nfail-alloc\n"
                       "call dpc DISPATCH init -> INSUFFICIENT_RESOURCES\nremove begin\nend\n", "t")
    assert tr.keys(t, 1) == ["u;-;live>init:dispatch:SUCCESS", None, None, None, None]
    assert tr.keys(t, 2)[3] == "i,i;-;live>init:dispatch:INSUFFICIENT_RESOURCES"


def test_the_shipped_corpus_lists_what_spin_could_not_reach() -> None:
    text = (SHIPPED / "transitions-unreachable.txt").read_text()
    listed = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert "SPIN's verdict: unreachable" in text and listed
    goal_keys = set().union(*(tr.keys_of(tracefmt.load(p), 2)
                              for p in (SHIPPED / "goals").glob("*.trace")))
    assert not goal_keys & set(listed)
    assert len(goal_keys) + len(listed) == len(tr.candidates(2, 2))


def test_the_bench_script_runs() -> None:
    import subprocess
    import sys
    r = subprocess.run([sys.executable, str(ROOT / "conformance" / "bench" / "transitions_bench.py"),
                        "--quick"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "| 5 3 2 |" in r.stdout and "INCOMPLETE" not in r.stdout


def test_the_ordering_goals_issue_13_names_are_met_by_the_shipped_goal_part() -> None:
    met = set().union(*(tr.keys_of(tracefmt.load(p), 2) for p in (SHIPPED / "goals").glob("*.trace")))
    for key in ("q,q;w1:1,w2:1;live>start:w2",         # two pending, the later started first
                "q1,q;w1:1,w2:2;live>start:w1",        # ... with different requests
                "fr1,u;-;live>init:dispatch:SUCCESS",  # a handle issued while a freed one runs
                "r1,q;w2:1;live>queue:w1:own-callback:SUCCESS",  # a re-queue while another pends
                "q,r1;w1:1;live>remove:begin",         # removal between two pending starts
                "f,u;-;live>init:passive:SUCCESS",     # a handle issued after a free
                "f1,u;-;live>init:passive:SUCCESS",    # ... of a worker that ran
                "i1,u;-;live>init:passive:SUCCESS",    # ... while one that ran is live
                "r2,u;-;live>queue:w1:own-callback:SUCCESS"):  # a re-queue in a second run
        assert key in met, key
