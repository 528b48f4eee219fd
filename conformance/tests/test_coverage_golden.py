"""The coverage classifier gives the results it gave before it was made linear.

testdata/coverage_golden.json was written by the classifier as it was at commit 7d03d03
(quadratic: `seq.count("start")` at every start, a scan of every worker and every running
thread at every event), with `python3 tests/test_coverage_golden.py --write`: for every trace
of the repository, the goals it meets and a digest of every step of its walk; for the whole
shipped corpus, which trace first met each goal; and the same for large seeded traces from
the coverage benchmark (bench/coverage_bench.py).  Any change of a result fails here.
Rewritten (--write) when the shipped corpus was regenerated with run counts in the abstract
state: the results of every trace both versions hold, and of the large traces, unchanged."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1]
ROOT = CONFORMANCE.parent
sys.path.insert(0, str(CONFORMANCE))
sys.path.insert(0, str(CONFORMANCE / "bench"))

from coverage_bench import big_trace  # noqa: E402
from stork import lifecycle  # noqa: E402
from stork.coverage import goals_of, measure  # noqa: E402
from stork.paths import in_testdata  # noqa: E402
from stork.trace import TraceError, load, parse  # noqa: E402

GOLDEN = in_testdata("coverage_golden.json")
FOLDERS = (ROOT / "conformance" / "traces", in_testdata("golden", "valid"), in_testdata("golden", "rejected"),
           in_testdata("traces"))
# (size in bytes, seed, system threads, share of initialisations)
LARGE = [(300_000, 1, 4, 0.06), (300_000, 2, 2, 0.06), (200_000, 3, 64, 0.06),
         (200_000, 4, 4, 0.5), (100_000, 5, 1, 0.02)]


def repository_traces() -> list[Path]:
    return [p for d in FOLDERS for p in sorted(d.rglob("*.trace"))]


def walk_digest(trace) -> str:
    w = lifecycle.walk(trace)
    h = hashlib.sha256()
    for s in w.steps:
        h.update(repr((s.event.line, s.state, s.caller, s.removing, s.running_elsewhere,
                       s.others_running, s.any_queued, s.any_running,
                       s.after_fail_alloc)).encode())
    h.update(repr(sorted(w.transitions.items())).encode())
    h.update(repr(sorted((k, v.live, v.queued, v.runner) for k, v in w.workers.items())).encode())
    return h.hexdigest()


def result(trace) -> dict:
    return {"goals": sorted(goals_of(trace)), "walk": walk_digest(trace)}


def large_key(size: int, seed: int, threads: int, inits: float) -> str:
    return f"size={size} seed={seed} threads={threads} inits={inits}"


def repository_results() -> dict:
    """Every well-formed repository trace's result, by its path from the top folder."""
    out = {}
    for p in repository_traces():
        try:
            out[str(p.relative_to(ROOT))] = result(load(p))
        except TraceError:
            pass
    return out


def corpus_met() -> dict[str, str]:
    corpus = [load(p) for p in sorted((ROOT / "conformance" / "traces").rglob("*.trace"))]
    for t in corpus:
        t.path = str(Path(t.path).relative_to(ROOT))
    return measure(corpus).met


def compute() -> dict:
    large = {large_key(*k): result(parse(big_trace(*k), "big")) for k in LARGE}
    return {"traces": repository_results(), "corpus_met": corpus_met(), "large": large}


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text())


def test_every_repository_trace(golden):
    got = repository_results()
    assert got.keys() == golden["traces"].keys()
    for k in got:
        assert got[k] == golden["traces"][k], k


def test_which_trace_met_each_goal_of_the_corpus(golden):
    assert corpus_met() == golden["corpus_met"]


@pytest.mark.parametrize("key", LARGE, ids=lambda k: large_key(*k))
def test_large_generated_traces(golden, key):
    assert result(parse(big_trace(*key), "big")) == golden["large"][large_key(*key)]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: test_coverage_golden.py --write  (only with a classifier you trust)")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
