"""The corpus's k = 3 part (spec/coverage.md): the shipped pack takes every pair over three
workers a run of at most 6 calls reaches and every pair with three pending a run of at most 7
calls reaches, each of its traces is a run of the contract (the
reference passes all), a pack missing a run is seen to miss pairs, and a pack this stork
cannot read is bad input. That the pack is what `stork gen` writes is test_gen's byte test;
which mutants only it kills is test_mutate's."""

from __future__ import annotations

import collections
import os
import subprocess
from pathlib import Path

import pytest

from stork import corpus_k3, packs
from stork import trace as tracefmt
from stork import transitions as tr

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


@needs_harness
def test_the_reference_passes_every_run_of_the_pack() -> None:
    p = subprocess.run([str(LIBEXEC / "stork-replay"), "--impl",
                        str(LIBEXEC / "stork-reference.so"), "--", str(PACK)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-2000:]
    assert p.stdout.splitlines()[-1] == "3586 passed, 0 failed"


def test_a_damaged_pack_is_one_line_of_bad_input(stork, tmp_path: Path) -> None:
    bad = tmp_path / "cut.pack"
    bad.write_bytes(PACK.read_bytes()[:100_000])
    with pytest.raises(packs.PackError, match="cut.pack"):
        packs.traces_of(bad)
    r = stork("coverage", str(bad))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
