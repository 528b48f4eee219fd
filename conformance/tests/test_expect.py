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
