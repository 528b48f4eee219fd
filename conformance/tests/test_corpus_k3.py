"""The corpus's k = 3 part (spec/coverage.md): the shipped pack takes every pair over three
workers a run of at most 6 calls reaches and every pair with three pending a run of at most 7
calls reaches, each of its traces is a run of the contract (the
reference passes all), a pack missing a run is seen to miss pairs (by the test's own count and
by `stork coverage --k3`, which measures traces against the part's goals), and a pack this
stork cannot read is bad input. That the pack is what `stork gen` writes is test_gen's byte test;
which mutants only it kills is test_mutate's."""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from stork import cli, corpus_k3, exitcodes, packs
from stork import trace as tracefmt
from stork import transitions as tr
from stork.spin import PanOptions

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "conformance" / "traces" / corpus_k3.PACK
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
needs_harness = pytest.mark.skipif(not (LIBEXEC / "stork-replay").exists(),
                                   reason="C harness not built")


@pytest.fixture(scope="module")
def shipped() -> list[tracefmt.Trace]:
    return packs.traces_of(PACK)


@pytest.fixture(scope="module")
def want() -> set[str]:
    """The part's goals from the walk, not from the model's restricted search: every pair
    within 6 calls, and every pair with three pending within 7 (the walk's sets are SPIN's
    whole ones at OPS=6 and 7, docs/benchmarks.md; gen plans over SPIN's own)."""
    need = tr.walk_reach(corpus_k3.K, 2, corpus_k3.OPS + 1)
    return {k for k, n in need.items()
            if n <= corpus_k3.OPS or tr.pending_count(k) == corpus_k3.K}


@pytest.fixture(scope="module")
def within7() -> set[str]:
    return set(tr.walk_reach(corpus_k3.K, 2, corpus_k3.OPS + 1))


def unmet(traces: list[tracefmt.Trace], want: set[str], bound: set[str]) -> set[str]:
    got = set().union(*(tr.keys_of(t, corpus_k3.K) for t in traces))
    assert got <= bound, sorted(got - bound)[:3]    # no pair beyond 7 calls, none unreachable
    return want - got


def test_the_pack_takes_every_k3_pair_within_6_calls_and_three_pending_within_7(
        shipped, want, within7) -> None:
    assert len(shipped) < 5000 and PACK.stat().st_size < 8 * 2**20
    assert len(want) == 15391 + 1884 and unmet(shipped, want, within7) == set()
    assert all(p.path.split(":")[-1].startswith(f"{corpus_k3.FOLDER}/") for p in shipped)


def test_a_pack_missing_a_run_misses_its_pairs(shipped, want, within7) -> None:
    """The check can fail: drop the first run that alone takes some pair."""
    count = collections.Counter(k for t in shipped for k in tr.keys_of(t, corpus_k3.K))
    i = next(i for i, t in enumerate(shipped) if any(count[k] == 1 for k in tr.keys_of(t, 3)))
    assert unmet(shipped[:i] + shipped[i + 1:], want, within7)
    # and a run taking a pair with three pending that needs 7 calls
    late = want - set(tr.walk_reach(corpus_k3.K, 2, corpus_k3.OPS))
    i = next(i for i, t in enumerate(shipped)
             if any(count[k] == 1 and k in late for k in tr.keys_of(t, 3)))
    assert unmet(shipped[:i] + shipped[i + 1:], want, within7) & late


def coverage_k3(stork, *paths: Path) -> tuple[dict[str, list[str]], set[str]]:
    """`stork coverage --k3 --json`: the k = 3 part's goal families, and the goals met."""
    r = stork("coverage", "--k3", "--json", *map(str, paths))
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    fams = {f: g for f, g in report["goals"].items() if f.startswith("k=3 ")}
    return fams, set(report["met"])


def test_coverage_measures_the_pack_against_the_parts_goals_from_spin(stork, want) -> None:
    """The goal list is SPIN's (gen's two searches), and the walk's sets agree with it."""
    fams, met = coverage_k3(stork, PACK)
    assert list(fams) == ["k=3 within 6 calls", "k=3 3 pending in 7"]
    assert [len(g) for g in fams.values()] == [15391, 1884]
    goals = set().union(*fams.values())
    assert goals == {f"tr:{k}" for k in want} and goals <= met
    r = stork("coverage", "--k3", str(PACK))
    assert re.search(r"k=3 within 6 calls\s+15391 / 15391", r.stdout), r.stdout
    assert re.search(r"k=3 3 pending in 7\s+1884 / 1884", r.stdout), r.stdout


@needs_harness
def test_coverage_of_a_pack_missing_runs_reports_the_pairs_only_they_took(
        stork, shipped, want, tmp_path: Path) -> None:
    """Drop the first run that alone takes a pair within 6 calls and the first that alone
    takes a pair with three pending at 7 calls, pack the rest: `stork coverage --k3` reports
    exactly those runs' own pairs unmet, in both families."""
    count = collections.Counter(k for t in shipped for k in tr.keys_of(t, corpus_k3.K))
    late = want - set(tr.walk_reach(corpus_k3.K, 2, corpus_k3.OPS))

    def alone(t: tracefmt.Trace) -> set[str]:
        return {k for k in tr.keys_of(t, corpus_k3.K) if count[k] == 1 and k in want}
    early_run = next(i for i, t in enumerate(shipped) if alone(t) - late)
    late_run = next(i for i, t in enumerate(shipped) if alone(t) & late)
    dropped = {early_run, late_run}
    folder = tmp_path / corpus_k3.FOLDER
    folder.mkdir()
    for i, t in enumerate(shipped):
        if i not in dropped:
            (folder / f"{i:04d}.trace").write_text(t.text())
    pack = tmp_path / "cut.pack"
    r = stork("pack", str(pack), str(folder))
    assert r.returncode == 0, r.stderr
    fams, met = coverage_k3(stork, pack)
    unmet = {g for gs in fams.values() for g in gs} - met
    assert unmet == {f"tr:{k}" for i in dropped for k in alone(shipped[i])}
    assert all(set(gs) & unmet for gs in fams.values())


def test_coverage_with_a_k3_search_cut_short_is_incomplete(monkeypatch, capsys) -> None:
    monkeypatch.setattr(tr, "_opts", lambda opts: PanOptions(depth=15, cc_opt="-O0"))
    assert cli.main(["coverage", "--k3", str(PACK)]) == exitcodes.INCOMPLETE == 3
    err = capsys.readouterr().err
    assert "cut short" in err and "depth" in err and len(err.splitlines()) == 1


def test_coverage_s_time_limit_cuts_the_search_and_says_so(stork) -> None:
    r = stork("coverage", "--k3", "--time-limit", "0.01", str(PACK))
    assert r.returncode == 3 and "cut short (time limit reached)" in r.stderr, r.stderr
    r = stork("coverage", "--k3", "--time-limit", "0", str(PACK))
    assert r.returncode == 2 and "--time-limit" in r.stderr


def test_the_contract_s_walk_stops_growing_at_13_calls() -> None:
    # the fixpoint `--k3-ops full` searches at: SPIN's search there reaches exactly these
    # (docs/benchmarks.md; gen checks it on every full run, the next tests that it does)
    ops, pairs = corpus_k3.fixpoint(2)
    assert (ops, len(pairs)) == (13, 715273)


def test_full_is_the_whole_criterion_only_when_spin_reaches_the_walk_s_pairs(monkeypatch) -> None:
    # The whole run takes minutes: here the walk is cut at 5 calls, where SPIN's search at
    # OPS=5 must give the same pairs, and then one pair more, which SPIN cannot give.
    at5 = frozenset(tr.walk_reach(corpus_k3.K, 2, 5))
    monkeypatch.setattr(corpus_k3, "fixpoint", lambda nthreads: (5, at5))
    part = corpus_k3.search(corpus_k3.FULL, 2, 120)
    assert part.complete and part.criterion and part.ops == 5
    assert set(part.whole.keys) == at5 and set(part.goals) >= at5
    monkeypatch.setattr(corpus_k3, "fixpoint", lambda nthreads: (5, at5 | {"no-such>pair"}))
    with pytest.raises(corpus_k3.K3Error, match="reach other k = 3 pairs"):
        corpus_k3.search(corpus_k3.FULL, 2, 120)
    assert not corpus_k3.search(5, 2, 120).criterion     # a number is a slice, never "whole"


def test_k3_ops_takes_a_number_or_full(stork) -> None:
    r = stork("gen", "--out", "unused", "--k3-ops", "all")
    assert r.returncode == 2 and "expected a number or full" in r.stderr


@needs_harness
def test_the_reference_passes_every_run_of_the_pack() -> None:
    p = subprocess.run([str(LIBEXEC / "stork-replay"), "--impl",
                        str(LIBEXEC / "stork-reference.so"), "--", str(PACK)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-2000:]
    assert p.stdout.splitlines()[-1] == "3586 passed, 0 failed"


@needs_harness
def test_the_corpus_folder_gives_its_k3_part_with_the_text_traces(stork, tmp_path: Path) -> None:
    # A runtime author replays `conformance/traces` as the README says: the pack in the folder
    # is part of it (it alone kills mutants 58-61), and naming it again takes it once.
    text = len(list(PACK.parent.rglob("*.trace")))
    link = tmp_path / "again.pack"              # the same file by another path: taken once
    link.symlink_to(PACK)
    r = stork("replay", "--impl", "reference", str(PACK.parent), str(PACK), str(link))
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert r.stdout.splitlines()[-1] == f"{text + 3586} passed, 0 failed"
    m61 = LIBEXEC / "mutants" / "stork-mutant-61.so"
    r = stork("replay", "--impl", str(m61), str(PACK.parent))
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr
    r = stork("coverage", "--json", str(PACK.parent), str(link))
    assert r.returncode == 0 and json.loads(r.stdout)["traces"] == text + 3586
    # a folder holding a pack and a trace, and check-trace reading the pack's texts
    (tmp_path / "in").mkdir()
    one = sorted((PACK.parent / "goals").glob("*.trace"))[:2]
    packed = subprocess.run([str(LIBEXEC / "stork-replay"), "--pack", str(tmp_path / "in" / "two.pack"),
                             "--", *map(str, one)], capture_output=True, text=True)
    assert packed.returncode == 0, packed.stderr
    (tmp_path / "in" / one[0].name).write_bytes(one[0].read_bytes())
    c = stork("check-trace", "--json", str(tmp_path / "in"))
    assert c.returncode == 0, c.stdout[-2000:] + c.stderr
    paths = [t["file"] for t in json.loads(c.stdout)["traces"]]
    assert len(paths) == 3 and sum(".pack:" in p for p in paths) == 2, paths


def test_a_damaged_pack_is_one_line_of_bad_input(stork, tmp_path: Path) -> None:
    bad = tmp_path / "cut.pack"
    bad.write_bytes(PACK.read_bytes()[:100_000])
    with pytest.raises(packs.PackError, match="cut.pack"):
        packs.traces_of(bad)
    r = stork("coverage", str(bad))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
