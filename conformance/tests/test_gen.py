"""stork gen: witnesses found by SPIN for every goal, the trap checked against the Python
classifier, unreachable and incomplete goals reported as such, and a reproducible corpus."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest

from stork import coverage, gen, packs, transitions
from stork import trace as tracefmt
from stork.spin import PanOptions

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "conformance" / "traces"


def test_every_goal_but_the_implied_rules_has_a_trap() -> None:
    goals = coverage.all_goals()
    for fam in ("calls", "pairs", "interleavings"):
        assert all(gen.encode(g) is not None for g in goals[fam]), fam
    assert set(gen.RULE_TRAPS) <= set(goals["rules"])


def test_shipped_corpus_is_what_gen_writes_byte_for_byte(stork, tmp_path: Path) -> None:
    """Regenerating with the default bounds and seed gives the checked-in corpus, its k = 3
    pack included: it is up to date and generation is deterministic."""
    r = stork("gen", "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 unreachable, 0 unknown" in r.stdout
    for sub in ("goals", "random"):
        ours = sorted(p.name for p in (tmp_path / sub).iterdir())
        shipped = sorted(p.name for p in (SHIPPED / sub).iterdir())
        assert ours == shipped, sub
        match, mismatch, errors = filecmp.cmpfiles(tmp_path / sub, SHIPPED / sub, ours, shallow=False)
        assert not mismatch and not errors, (sub, mismatch, errors)
    for name in ("COVERAGE.md", gen.UNREACHABLE_FILE):
        assert (tmp_path / name).read_text() == (SHIPPED / name).read_text(), name
    assert "19599 (abstract state, event) pairs reached" in r.stdout
    # the k = 3 part: SPIN's pairs within 6 calls, the runs packed as shipped
    assert (tmp_path / "k3.pack").read_bytes() == (SHIPPED / "k3.pack").read_bytes()
    assert "k = 3 part (OPS=6): 15391 pairs reached by SPIN's complete search" in r.stdout


def test_shipped_corpus_meets_every_goal() -> None:
    traces = [tracefmt.load(p) for p in sorted(SHIPPED.rglob("*.trace"))]
    assert coverage.measure(traces).unmet() == []
    goal_part = [tracefmt.load(p) for p in sorted((SHIPPED / "goals").glob("*.trace"))]
    assert coverage.measure(goal_part).unmet() == []


def test_each_witness_meets_its_goal_and_is_a_whole_run() -> None:
    for p in sorted((SHIPPED / "goals").glob("*.trace")):
        t = tracefmt.load(p)
        goal = t.meta_value("goal")
        met = coverage.goals_of(t) | {f"tr:{k}" for k in transitions.keys_of(t, 2)}
        assert goal in met, p.name
        assert [e.api for e in t.events if e.kind == "remove"][-2:] == ["begin", "end"], p.name


def test_goal_beyond_the_bounds_is_unreachable_with_spins_verdict() -> None:
    # Two BUSY answers in a row need init and three queues: four calls.
    w, = gen.search_witnesses(["pair:queue:BUSY>queue:BUSY"], gen.GenConfig(ops=3))
    assert w.verdict == "unreachable"
    assert "full search" in w.reason and w.states > 0
    w, = gen.search_witnesses(["pair:queue:BUSY>queue:BUSY"], gen.GenConfig(ops=4))
    assert w.verdict == "found"


def test_search_cut_short_is_unknown_not_unreachable() -> None:
    opts = PanOptions(depth=20, cc_opt="-O0", extra_cc=["-DREACH"])
    w, = gen.search_witnesses(["pair:queue:BUSY>queue:BUSY"], gen.GenConfig(ops=3), opts)
    assert w.verdict == "unknown"
    assert "depth limit" in w.reason


def test_trap_and_classifier_disagreeing_stops_generation(monkeypatch) -> None:
    monkeypatch.setattr(coverage, "goals_of", lambda trace: set())
    with pytest.raises(gen.GenError, match="disagree"):
        gen.search_witnesses(["call:free:idle:passive:SUCCESS"], gen.GenConfig(ops=2))


def test_random_walks_are_reproducible_and_differ_by_seed() -> None:
    cfg = gen.GenConfig()
    assert gen.random_walk(7, cfg) == gen.random_walk(7, cfg)
    assert gen.random_walk(7, cfg) != gen.random_walk(8, cfg)


def test_minimise_keeps_every_goal_with_fewer_traces() -> None:
    ws = [gen.Witness("a", "found", 0, 0, text="x\n", meets=frozenset({"a", "b"})),
          gen.Witness("b", "found", 0, 0, text="x\n", meets=frozenset({"b"})),
          gen.Witness("c", "found", 0, 0, text="x\n", meets=frozenset({"c", "b"}))]
    chosen = gen.minimise(ws)
    assert {w.goal for w in chosen} == {"a", "c"}


def test_bad_bounds_exit_2(stork, tmp_path: Path) -> None:
    r = stork("gen", "--out", str(tmp_path), "--maxw", "9")
    assert r.returncode == 2 and "--maxw" in r.stderr


def test_output_folder_it_cannot_create_exit_2(stork, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = stork("gen", "--out", str(blocker / "corpus"))
    assert r.returncode == 2 and "cannot create" in r.stderr and "Traceback" not in r.stderr


def test_the_model_as_oracle_accepts_every_shipped_trace(stork) -> None:
    """check-trace (the contract monitor run by SPIN) takes every generated event: the text
    traces and the k = 3 part's runs (the folder gives its pack too)."""
    r = stork("check-trace", str(SHIPPED))
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    runs = len(packs.traces_of(SHIPPED / "k3.pack"))
    assert r.stdout.count(": conforms (") == len(list(SHIPPED.rglob("*.trace"))) + runs
    assert r.stdout.count("k3.pack:k3/") >= runs


def test_the_generator_compiles_out_exactly_the_miniports_properties() -> None:
    """The properties the miniport keeps are the ones contract.pml can turn into notes for
    check-trace; the generator must leave every other (the runtime's) on."""
    text = (ROOT / "model" / "contract.pml").read_text()
    noted = set(re.findall(r"#define CHECK_(\w+)\(c, r\) STORK_NOTE", text))
    assert set(gen.MINIPORT_PROPERTIES) == noted


def test_the_pair_goals_are_every_pair_the_model_can_reach() -> None:
    """coverage.md promises every reachable pair of one worker's transitions: SPIN must find
    each pair goal (the corpus test) and show every other pair unreachable."""
    goals = set(coverage.pair_goals())
    others = [f"pair:{a}>{b}" for a in coverage.TRANSITIONS for b in coverage.TRANSITIONS
              if f"pair:{a}>{b}" not in goals]
    ws = gen.search_witnesses(others, gen.GenConfig())
    assert [w.goal for w in ws if w.verdict != "unreachable"] == []


def test_gen_time_limit_makes_goals_unknown_never_unreachable(stork, tmp_path) -> None:
    r = stork("gen", "--out", str(tmp_path / "c"), "--time-limit", "1", "--walks", "0")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "0 unreachable" in r.stdout and "gen's time limit reached" in r.stdout
    assert stork("gen", "--out", str(tmp_path / "c"), "--time-limit", "inf").returncode == 2
