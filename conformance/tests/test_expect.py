"""One expectation grammar (spec/expectations.md, stork/expect.py): every shipped file's
`expect:` line reads, and every bad one is an error at its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from stork import expect, scenarios, suite
from stork.design import DesignError, read_header

ROOT = Path(__file__).resolve().parents[2]
KIND_FILES = {
    "design": ["model/designs/*.pml", "testdata/adversarial_designs/*.pml"],
    "scenario": ["c-harness/check/scenarios/*.c", "c-harness/check/scenarios/adversarial/*.c"],
    "trace": ["testdata/golden/rejected/*.trace"],
    "sidecar": ["testdata/golden/invalid/*.expect", "testdata/malformed/*.expect"],
}


@pytest.mark.parametrize("kind", sorted(KIND_FILES))
def test_every_shipped_file_states_an_expectation_in_the_one_grammar(kind: str) -> None:
    files = [p for g in KIND_FILES[kind] for p in sorted(ROOT.glob(g))]
    assert len(files) >= 10
    for p in files:
        e = expect.read(p, kind)
        assert e is not None and e.verdict in expect.KINDS[kind], p
        assert expect.parse(e.text(), kind, "here") == e, p       # the canonical form reads back
        if kind == "design":
            for host, h in expect.read_on_hosts(p).items():
                assert host in expect.HOSTS and expect.parse(h.text(), kind, "here") == h, p


def test_every_variant_states_an_expectation_in_the_one_grammar() -> None:
    assert all(v.header.expect_word for v in suite.variants())
    assert all(s.expectation() for s in scenarios.variants())


@pytest.mark.parametrize("kind, words, why", [
    ("design", "hold", "hold is no verdict"),
    ("design", "VIOLATED", "VIOLATED names the properties"),
    ("design", "VIOLATED no_leak rest violated", "rest holds | rest vacuous"),
    ("design", "holds no_leak", "holds takes no arguments"),
    ("design", "refused", "refused N"),
    ("design", "clean", "clean is not a design's verdict"),
    ("design", "WI-M3", "finds is not a design's verdict"),
    ("scenario", "holds", "holds is not a scenario's verdict"),
    ("scenario", "WI-M3 leak", "a list of rule ids"),
    ("scenario", "clean WI-M3", "clean takes no arguments"),
    ("scenario", "", "no verdict"),
    ("trace", "rejected at line seven breaking WI-Q3", "rejected at line N breaking"),
    ("trace", "rejected at line 7 breaking Q3", "rejected at line N breaking"),
    ("trace", "VIOLATED no_leak", "VIOLATED is not a trace's verdict"),
    ("sidecar", "malformed at line 3", "malformed at line N saying TEXT"),
    ("sidecar", "rejected at line 3 breaking WI-Q3", "rejected is not a sidecar's verdict"),
])
def test_a_bad_expectation_is_an_error_at_its_file_and_line(tmp_path: Path, kind: str, words: str,
                                                             why: str) -> None:
    p = tmp_path / "f"
    p.write_text(f"# expect: {words}\n" if kind in ("trace", "sidecar")
                 else f"/*\n * x\n * expect: {words}\n */\n")
    line = 1 if kind in ("trace", "sidecar") else 3
    with pytest.raises(expect.ExpectError, match=f"^{p}:{line}: expect: .*{why}"):
        expect.read(p, kind)


def test_a_second_expect_line_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "d.pml"
    p.write_text("/*\n * expect: holds\n * expect: VIOLATED no_leak\n */\n")
    with pytest.raises(expect.ExpectError, match=f"^{p}:3: a second expect: line"):
        expect.read(p, "design")


def test_verify_refuses_a_design_whose_expectation_is_bad_in_one_line(stork, tmp_path: Path) -> None:
    design = tmp_path / "typo.pml"
    design.write_text((ROOT / "model" / "designs" / "spcnvme_fixed.pml").read_text()
                      .replace(" * expect: holds", " * expect: hold"))
    with pytest.raises(DesignError):
        read_header(design)
    r = stork("verify", str(design))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"{design}:" in r.stderr and "hold is no verdict" in r.stderr


# ---- `expect on HOST:` (a design's, and a design's variant's, under `verify --host HOST`) ----

def test_a_design_states_what_it_gives_under_another_host(tmp_path: Path) -> None:
    p = tmp_path / "d.pml"
    p.write_text("/*\n * expect: VIOLATED requests_complete\n * expect on neptune: holds\n"
                 " * expect on reactos: VIOLATED no_leak rest vacuous\n */\n")
    head = read_header(p)
    assert head.expected_text() == "VIOLATED requests_complete"
    assert head.for_host("windows") is head
    assert head.for_host("neptune").expected_text() == "holds"
    assert head.for_host("reactos").expected_text() == "VIOLATED no_leak rest vacuous"
    p.write_text("/*\n * expect: holds\n */\n")
    assert read_header(p).for_host("neptune") is None      # nothing stated: nothing compared


@pytest.mark.parametrize("lines, line, why", [
    (["expect: holds", "expect on mars: holds"], 3, "expect on mars: no such host"),
    (["expect: holds", "expect on windows: holds"], 3, "the expect: line is Windows's"),
    (["expect: holds", "expect on: holds"], 3, r"expect on \(nothing\): no such host"),
    (["expect: holds", "expect on neptune: holds", "expect on neptune: vacuous"], 4,
     "a second expect on neptune: line"),
    (["expect: holds", "expect on neptune: hold"], 3, "hold is no verdict"),
    (["expect: holds", "expect on neptune: clean"], 3, "clean is not a design's verdict"),
    (["expect on neptune: holds"], 2, "beside no expect: line"),
])
def test_a_bad_per_host_expectation_is_an_error_at_its_file_and_line(
        tmp_path: Path, lines: list[str], line: int, why: str) -> None:
    p = tmp_path / "d.pml"
    p.write_text("/*\n" + "".join(f" * {ln}\n" for ln in lines) + " */\n")
    with pytest.raises(DesignError, match=f"^{p}:{line}: .*{why}"):
        read_header(p)


def test_a_per_host_expectation_is_a_design_s_only(tmp_path: Path) -> None:
    p = tmp_path / "s.c"
    p.write_text("/*\n * expect: clean\n * expect on neptune: clean\n */\n")
    with pytest.raises(expect.ExpectError, match=f"^{p}:3: expect on neptune: a scenario states "
                                                 "no expectation per host"):
        expect.read(p, "scenario")


@pytest.mark.parametrize("words, own, hosts", [
    ("holds", "holds", {}),
    ("VIOLATED requests_complete expect on neptune: holds", "VIOLATED requests_complete",
     {"neptune": "holds"}),
    ("holds expect on neptune: VIOLATED no_leak expect on reactos: VIOLATED design_assertion",
     "holds", {"neptune": "VIOLATED no_leak", "reactos": "VIOLATED design_assertion"}),
])
def test_a_variant_s_per_host_expectations_follow_its_own(words: str, own: str,
                                                          hosts: dict[str, str]) -> None:
    got_own, got = expect.split_hosts(words, "variants.txt:9")
    assert got_own == own and {h: e.text() for h, e in got.items()} == hosts


@pytest.mark.parametrize("words, why", [
    ("holds expect on neptune: holds expect on neptune: holds", "a second expect on neptune"),
    ("holds expect on pluto: holds", "no such host"),
    ("holds expect on neptune: VIOLATED", "VIOLATED names the properties"),
])
def test_a_bad_variant_per_host_expectation_is_an_error_at_its_line(words: str, why: str) -> None:
    with pytest.raises(DesignError, match=f"^variants.txt:9: .*{why}"):
        suite.header_of_expect(words, [], "variants.txt:9")


def test_a_wrong_per_host_line_is_a_mismatch(stork, tmp_path: Path) -> None:
    """halves_counted_without_lock holds under NeptuneOS: a line saying what Windows gives
    (VIOLATED requests_complete) there is a MISMATCH, in verify and in the suite's check."""
    base = ROOT / "model" / "designs" / "halves_counted_under_startio_lock.pml"
    design = tmp_path / base.name
    design.write_text(base.read_text().replace(
        " * expect on neptune: holds",
        " * expect on neptune: VIOLATED requests_complete"))
    r = stork("verify", str(design), "-D", "DEFECT_NO_LOCK=1", "--host", "neptune", "--json")
    assert r.returncode == 0, r.stderr                   # the exit status stays the verdicts'
    doc = __import__("json").loads(r.stdout)
    assert doc["expectation"] == {"expected": "VIOLATED requests_complete", "matches": False,
                                  "host": "neptune"}, doc["expectation"]
    r = stork("verify", str(design), "-D", "DEFECT_NO_LOCK=1", "--host", "neptune")
    assert "header expects on neptune: VIOLATED requests_complete -> MISMATCH" in r.stdout
    r = stork("verify", str(design), "-D", "DEFECT_NO_LOCK=1")       # Windows's line: as it was
    assert "header expects: holds -> MISMATCH" in r.stdout           # (the base's holds)
    shipped = suite.Shipped("wrong", design, ["MAXSRB=1", "DEFECT_NO_LOCK=1"],
                            read_header(design))
    assert not suite.verify_design(shipped, host="neptune").matches
    right = suite.Shipped("right", base, ["MAXSRB=1", "DEFECT_NO_LOCK=1"], suite.header_of_expect(
        "VIOLATED requests_complete expect on neptune: holds", [], "here:1"))
    assert suite.verify_design(right, host="neptune").matches
    assert suite.verify_design(right).matches


def test_a_scenario_variant_states_no_per_host_expectation(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "base.c").write_text("#if DEFECT_X\n#endif\n")
    listing = tmp_path / "variants.txt"
    listing.write_text("v base DEFECT_X=1 expect: clean expect on neptune: clean\n")
    monkeypatch.setattr(scenarios, "VARIANTS", listing)
    with pytest.raises(scenarios.AuditError, match=f"^{listing}:1: expect on HOST: a scenario's"):
        scenarios.variants()


def test_every_host_is_one_the_model_and_the_audit_know() -> None:
    # one list (stork/hosts.py) for verify, audit and `expect on HOST:`; the model and the C
    # audit spell the hosts on their own, so each name is looked for there
    from stork import hosts
    assert expect.HOSTS == hosts.OTHERS and hosts.HOSTS[0] == hosts.DEFAULT == "windows"
    model = (ROOT / "model" / "storport.pml").read_text(encoding="utf-8")
    audit = (ROOT / "c-harness" / "check" / "main.c").read_text(encoding="utf-8")
    for h in hosts.HOSTS:
        assert f'strcmp(v, "{h}")' in audit, h
        assert all(f"#ifdef {d}" in model or f"defined({d})" in model for d in hosts.defines(h)), h
