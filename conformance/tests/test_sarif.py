"""SARIF 2.1.0 from `stork verify --sarif`: the fields the standard requires, ids from the
contract, locations in the design (never in stork's model), flows a viewer can show."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT
from stork import sarif
from stork.properties import contract_rule_ids
from stork.paths import in_testdata

MODEL_FILES = {"model/storport.pml", "model/contract.pml", "model/lifecycle.pml"}


def check_structure(doc: dict) -> None:
    """The properties SARIF 2.1.0 requires (sarifLog, run, tool, result, codeFlow, threadFlow,
    threadFlowLocation, physicalLocation), and GitHub's limits."""
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(doc["runs"], list) and doc["runs"]
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] == "stork"
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids))
        for rule in driver["rules"]:
            for key in ("shortDescription", "fullDescription", "help"):
                assert rule[key]["text"].strip(), (rule["id"], key)
        for res in run["results"]:
            assert res["message"]["text"].strip()
            assert ids[res["ruleIndex"]] == res["ruleId"]
            assert res["level"] in ("error", "warning", "note", "none")
            for loc in res["locations"]:
                check_physical(loc["physicalLocation"])
            assert res["partialFingerprints"]
            total = 0
            for flow in res.get("codeFlows", []):
                assert flow["threadFlows"]
                for tf in flow["threadFlows"]:
                    assert tf["locations"]
                    total += len(tf["locations"])
                    for tfl in tf["locations"]:
                        assert isinstance(tfl["executionOrder"], int)
                        if "physicalLocation" in tfl["location"]:
                            check_physical(tfl["location"]["physicalLocation"])
            assert total <= sarif.MAX_STEPS <= 10_000


def check_physical(phys: dict) -> None:
    uri = phys["artifactLocation"]["uri"]
    assert uri and uri not in MODEL_FILES, uri
    if "region" in phys:
        assert phys["region"]["startLine"] >= 1


OVERWRITTEN = "model/designs/spcnvme_fixed.pml -D DEFECT_OVERWRITTEN_HANDLE=1"


def verify_sarif(stork, design: str, out: Path) -> dict:
    r = stork("verify", *design.split(), "--sarif", str(out))
    assert r.returncode in (0, 1), r.stderr
    return json.loads(out.read_text())


def test_violations_are_results_located_in_the_design(stork, tmp_path: Path) -> None:
    doc = verify_sarif(stork, OVERWRITTEN, tmp_path / "a.sarif")
    check_structure(doc)
    results = doc["runs"][0]["results"]
    assert len(results) == 4
    assert {r["ruleId"] for r in results} <= set(contract_rule_ids())
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "model/designs/spcnvme_fixed.pml"
        threads = [tf["id"] for tf in r["codeFlows"][0]["threadFlows"]]
        assert len(threads) == len(set(threads)) and "teardown" in threads
    leak = next(r for r in results if r["ruleId"] == "WI-M7")
    assert leak["locations"][0]["physicalLocation"]["region"]["startLine"] == 68   # its init


def test_fingerprints_stable_across_runs_and_holds_has_no_results(stork, tmp_path: Path) -> None:
    one = verify_sarif(stork, OVERWRITTEN, tmp_path / "1.sarif")["runs"][0]["results"]
    two = verify_sarif(stork, OVERWRITTEN, tmp_path / "2.sarif")["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in one] == [r["partialFingerprints"] for r in two]
    fine = verify_sarif(stork, "model/designs/spcnvme_fixed.pml", tmp_path / "3.sarif")
    check_structure(fine)
    assert fine["runs"][0]["results"] == []


def test_design_assertion_is_located_at_the_assert(stork, tmp_path: Path) -> None:
    doc = verify_sarif(stork, "model/designs/own_invariant_wrong.pml", tmp_path / "d.sarif")
    check_structure(doc)
    (res,) = doc["runs"][0]["results"]
    assert res["ruleId"] == "design_assertion"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 29


def test_long_flows_keep_their_start_and_end(tmp_path: Path) -> None:
    steps = [sarif.Step("dpc" if i % 2 else "sys0", f"step {i}", str(ROOT / "x.pml"), 1)
             for i in range(25_000)]
    doc = sarif.document([sarif.Result("WI-M2", "m", str(ROOT / "x.pml"), 3, steps)])
    check_structure(doc)
    orders = sorted(tfl["executionOrder"] for tf in doc["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"]
                    for tfl in tf["locations"])
    assert orders[0] == 1 and orders[-1] == 25_000 and len(orders) == sarif.MAX_STEPS


def test_sarif_where_it_cannot_be_written_is_bad_input(stork, tmp_path: Path) -> None:
    for target in (tmp_path, tmp_path / "no" / "such" / "x.sarif", Path("/proc/stork.sarif")):
        r = stork("verify", "model/designs/double_free.pml", "--sarif", str(target))
        assert r.returncode == 2 and "--sarif" in r.stderr and "Traceback" not in r.stderr
    r = stork("check-trace", str(in_testdata("golden", "valid", "oneshot_free_in_callback.trace")),
              "--sarif", "/proc/stork.sarif")
    assert r.returncode == 2 and "stork check-trace: --sarif /proc/stork.sarif: cannot write it" in r.stderr


def test_gcc_format_lines_match_the_problem_matcher(stork) -> None:
    import re
    matcher = json.loads((ROOT / "examples" / "ci" / "stork-problem-matcher.json").read_text())
    pattern = re.compile(matcher["problemMatcher"][0]["pattern"][0]["regexp"])
    r = stork("verify", *OVERWRITTEN.split(), "--format", "gcc")
    lines = r.stdout.splitlines()
    assert r.returncode == 1 and len(lines) == 4
    for ln in lines:
        m = pattern.match(ln)
        assert m, ln
        assert m.group(1) == "model/designs/spcnvme_fixed.pml" and m.group(4) == "error"
    r = stork("verify", str(in_testdata("adversarial_designs", "vacuous_routine_never_run.pml")), "--format", "gcc")
    assert r.returncode == 5
    assert all(pattern.match(ln).group(4) == "warning" for ln in r.stdout.splitlines())


def test_all_counterexamples_gives_other_shapes_as_more_code_flows(stork, tmp_path: Path) -> None:
    from stork.verify import shape
    out = tmp_path / "m.sarif"
    r = stork("verify", *OVERWRITTEN.split(), "--property", "no_leak",
              "--all-counterexamples", "3", "--json", "--sarif", str(out))
    doc = json.loads(r.stdout)
    (leak,) = doc["properties"]
    traces = [leak["trace"]] + leak["other_traces"]
    assert 2 <= len(traces) <= 4
    assert len({shape(t) for t in traces}) == len(traces)       # each of a shape of its own
    sar = json.loads(out.read_text())
    check_structure(sar)
    assert len(sar["runs"][0]["results"][0]["codeFlows"]) == len(traces)


def test_audit_findings_as_sarif_at_the_miniports_lines(stork, tmp_path: Path) -> None:
    out = tmp_path / "audit.sarif"
    r = stork("audit", "c-harness/check/scenarios/spcnvme_as_published.c", "--sarif", str(out))
    assert r.returncode == 1, r.stderr
    assert f"SARIF written to {out}" in r.stdout
    doc = json.loads(out.read_text())
    check_structure(doc)
    results = doc["runs"][0]["results"]
    assert {x["ruleId"] for x in results} == {"WI-M3", "WI-M7", "WI-M8", "WI-M11"}
    for x in results:
        loc = x["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "c-harness/check/scenarios/spcnvme_as_published.c"
        assert loc["region"]["startLine"] >= 1
        flows = x["codeFlows"][0]["threadFlows"]
        assert all(tf["locations"] for tf in flows)
    crash = tmp_path / "crash.sarif"
    r = stork("audit", "c-harness/check/scenarios/adversarial/null_deref.c", "--sarif", str(crash))
    (res,) = json.loads(crash.read_text())["runs"][0]["results"]
    assert res["ruleId"] == "STORK-CRASH" and r.returncode == 1
    rules = json.loads(crash.read_text())["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["id"] == "STORK-CRASH" and "fault" in rules[0]["help"]["text"]


def test_check_trace_verdicts_as_sarif_at_the_traces_lines(stork, tmp_path: Path) -> None:
    out = tmp_path / "ct.sarif"
    golden = in_testdata("golden", "rejected", "double_free_answered_success.trace")
    r = stork("check-trace", str(golden), str(in_testdata("golden", "valid", "fail_alloc_bad_handle.trace")),
              "--sarif", str(out))
    assert r.returncode == 1, r.stdout + r.stderr
    doc = json.loads(out.read_text())
    check_structure(doc)
    results = doc["runs"][0]["results"]
    errors = [x for x in results if x["level"] == "error"]
    notes = [x for x in results if x["level"] == "note"]
    assert len(errors) == 1 and errors[0]["ruleId"].startswith("WI-")
    loc = errors[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == golden.relative_to(ROOT).as_posix()
    assert {x["ruleId"] for x in notes} == {"WI-M2", "WI-M3", "WI-M7"}   # the miniport's, noted


def test_audit_gcc_format_lines_match_the_problem_matcher(stork) -> None:
    import re
    matcher = json.loads((ROOT / "examples" / "ci" / "stork-problem-matcher.json").read_text())
    pattern = re.compile(matcher["problemMatcher"][0]["pattern"][0]["regexp"])
    r = stork("audit", "c-harness/check/scenarios/spcnvme_as_published.c", "--format", "gcc")
    lines = r.stdout.splitlines()
    assert r.returncode == 1 and lines
    for ln in lines:
        m = pattern.match(ln)
        assert m and m.group(1) == "c-harness/check/scenarios/spcnvme_as_published.c", ln
        assert m.group(5).startswith("WI-") and ". Fix: " in m.group(6), ln
    clean = stork("audit", "c-harness/check/scenarios/spcnvme_fixed.c", "--format", "gcc")
    assert clean.returncode == 0 and clean.stdout == ""
