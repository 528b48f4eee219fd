"""Scenario variants (c-harness/check/scenarios/variants.txt): a base with defect switches, built
by CMake, audited by name, replayed from their traces, and refused when a line is wrong."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stork import scenarios
from stork.audit import AuditError

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
BUILT = LIBEXEC / "check" / "scenarios"


def test_every_variant_is_built_and_differs_from_its_base_by_its_expectation() -> None:
    found = scenarios.variants()
    assert {v.name for v in found} >= {"spcnvme_early_return", "spcnvme_teardown_no_drain"}
    for v in found:
        assert not (scenarios.SCENARIOS_DIR / f"{v.name}.c").exists(), f"{v.name}: a copy and a variant"
        assert v.expectation().rules != scenarios.resolve(v.path.stem).expectation().rules, v.name
        if BUILT.is_dir():
            assert (BUILT / v.name).is_file(), f"{v.name}: not built by check.cmake"


@pytest.mark.skipif(not BUILT.is_dir(), reason="C harness not built")
def test_stork_audit_runs_a_variant_by_name_and_replays_its_trace(stork, tmp_path: Path) -> None:
    r = stork("audit", "spcnvme_teardown_no_drain", "--seed", "1", "--json", "--out", str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["scenario"] == "spcnvme_teardown_no_drain" and out["complete"]
    assert {f["rule"] for f in out["findings"]} == {"WI-M8"}
    assert all(f["file"].endswith("spcnvme_fixed.c") for f in out["findings"])  # the base's lines
    # the same as the program the build made from the same line
    built = json.loads(subprocess.run([str(BUILT / "spcnvme_teardown_no_drain"), "--json", "--seed",
                                       "1"], capture_output=True, text=True, timeout=120).stdout)
    site = [(f["rule"], f["file"], f["line"], f["message"]) for f in out["findings"]]
    assert built["schedules"] == out["schedules"]
    assert [(f["rule"], f["file"], f["line"], f["message"]) for f in built["findings"]] == site
    trace = next(tmp_path.glob("*.WI-M8.*.trace"))
    assert "meta scenario spcnvme_teardown_no_drain\n" in trace.read_text()
    again = stork("audit", "--replay", str(trace))
    assert again.returncode == 1 and "same run" in again.stdout, again.stdout + again.stderr


def test_a_name_that_is_no_scenario_is_one_line_of_bad_input(stork) -> None:
    r = stork("audit", "spcnvme_no_such_defect")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "no such file, nor a shipped scenario or variant" in r.stderr


def test_a_bad_variant_line_is_refused_with_its_line(tmp_path: Path, monkeypatch) -> None:
    """A misspelt switch would build the base itself and pass for the variant: refused."""
    base = tmp_path / "base.c"
    base.write_text("/*\n * expect: clean\n */\n#if DEFECT_X\n#endif\n")
    monkeypatch.setattr(scenarios, "SCENARIOS_DIR", tmp_path)
    for line, error in [("v base DEFECT_Y=1 expect: WI-M7", "DEFECT_Y is no switch of base.c"),
                        ("v base DEFECT_X=1 WI-M7", "expected NAME BASE"),
                        ("v nobase DEFECT_X=1 expect: WI-M7", "expected NAME BASE")]:
        listing = tmp_path / "variants.txt"
        listing.write_text(f"# a comment\n{line}\n")
        monkeypatch.setattr(scenarios, "VARIANTS", listing)
        with pytest.raises(AuditError, match=f"^{listing}:2: {error}"):
            scenarios.variants()


def test_a_variant_adds_its_audit_options_to_its_base(tmp_path: Path, monkeypatch) -> None:
    """`audit: OPTION...` before `expect:` adds to the base's ` * audit:` options; an empty one is
    refused (it would say nothing); a design's variant may have none (suite.py)."""
    base = tmp_path / "base.c"
    base.write_text("/*\n * expect: clean\n * audit: --threads 2\n */\n#if DEFECT_X\n#endif\n")
    monkeypatch.setattr(scenarios, "SCENARIOS_DIR", tmp_path)
    listing = tmp_path / "variants.txt"
    listing.write_text("v base DEFECT_X=1 audit: --srbs 2 expect: ENV-Q6\n")
    monkeypatch.setattr(scenarios, "VARIANTS", listing)
    (v,) = scenarios.variants()
    assert v.expectation().options == ("--threads", "2", "--srbs", "2")
    assert v.expectation().rules == {"ENV-Q6"}
    listing.write_text("v base DEFECT_X=1 audit: expect: ENV-Q6\n")
    with pytest.raises(AuditError, match=f"^{listing}:1: expected NAME BASE"):
        scenarios.variants()


def test_the_shipped_one_slot_variant_takes_srbs_2_from_its_line() -> None:
    v = scenarios.resolve("miniport_isr_dpc_one_slot")
    assert v.is_variant and v.expectation().options == ("--srbs", "2")
    assert v.expectation().rules == {"ENV-Q6"}


def test_a_design_variant_with_audit_options_is_refused(tmp_path: Path, monkeypatch) -> None:
    from stork import suite
    from stork.design import DesignError
    (tmp_path / "base.pml").write_text("/* expect: holds */\n")
    listing = tmp_path / "variants.txt"
    listing.write_text("v base DEFECT_X=1 audit: --srbs 2 expect: holds\n")
    monkeypatch.setattr(suite, "VARIANTS", listing)
    with pytest.raises(DesignError, match=f"^{listing}:1: audit: options are for a scenario"):
        suite.variants()
