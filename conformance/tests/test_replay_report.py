"""A replay's results as SARIF (`replay --sarif`), a recorded run and a replay mismatch drawn by
`stork show`, and a replay's page from `stork report DIR` of its --record folder, rendered by
headless Chromium as a person sees it."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT
from stork.paths import in_testdata
from test_sarif import check_structure
from test_show_report import SVG, _ink, _render

LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
# twelve goal traces of an earlier corpus, kept still so the traces named below stay
GOALS = in_testdata("replay_report").relative_to(ROOT).as_posix()
BUSY_NOT_REPORTED = LIBEXEC / "mutants" / "stork-mutant-1.so"      # WI-Q2 (mutants.txt)
TRACES = sorted((ROOT / GOALS).glob("*.trace"))
# the goal traces in which a queue answers BUSY alone: the ones this mutant fails
FAILING = sum(1 for t in TRACES
              if any(ln.startswith("call ") and " queue " in ln and ln.endswith("-> BUSY")
                     for ln in t.read_text().splitlines()))
PASSING = len(TRACES) - FAILING

pytestmark = pytest.mark.skipif(not BUSY_NOT_REPORTED.exists(), reason="C harness not built")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> tuple[Path, Path]:
    """The goal corpus replayed against the mutant that never answers BUSY: its recordings
    (with the results) and its SARIF."""
    from conftest import run_stork
    out = tmp_path_factory.mktemp("replay")
    rec, sar = out / "rec", out / "replay.sarif"
    r = run_stork("replay", "--impl", str(BUSY_NOT_REPORTED), GOALS, "--record", str(rec),
                  "--sarif", str(sar))
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == f"{PASSING} passed, {FAILING} failed"
    return rec, sar


def test_replay_sarif_is_at_the_mismatched_trace_line_with_its_rule(replayed) -> None:
    _, sar = replayed
    doc = json.loads(sar.read_text())
    check_structure(doc)
    results = doc["runs"][0]["results"]
    assert len(results) == FAILING and {x["ruleId"] for x in results} == {"WI-Q2"}
    (rule,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == "WI-Q2" and "BUSY" in rule["shortDescription"]["text"]
    for x in results:
        phys = x["locations"][0]["physicalLocation"]
        uri, line = phys["artifactLocation"]["uri"], phys["region"]["startLine"]
        assert uri.startswith(GOALS + "/") and uri.endswith(".trace")
        event = (ROOT / uri).read_text().splitlines()[line - 1]
        assert "queue" in event and event.endswith("-> BUSY"), (uri, line, event)
        assert "expected BUSY, got SUCCESS [WI-Q2]" in x["message"]["text"]
        flows = x["codeFlows"][0]["threadFlows"]
        steps = sorted((s for tf in flows for s in tf["locations"]), key=lambda s: s["executionOrder"])
        last = steps[-1]["location"]["physicalLocation"]["region"]["startLine"]
        assert last == line                                  # the flow ends at the mismatch
        for tf in flows:                                     # one thread flow per context
            for s in tf["locations"]:
                text = s["location"]["message"]["text"]
                assert tf["id"] in text.split()[:2] or tf["id"] in ("teardown", "runtime"), (tf["id"], text)
    assert len({x["partialFingerprints"]["storkFinding/v1"] for x in results}) == FAILING


def test_replay_sarif_names_errors_and_rules_beyond_the_first(stork, tmp_path: Path) -> None:
    trace = f"{GOALS}/009-race-requeue-vs-callback.trace"
    hang, leak = tmp_path / "hang.sarif", tmp_path / "leak.sarif"
    r = stork("replay", "--impl", str(LIBEXEC / "bad_impls" / "bad_hang_on_removal.so"), trace,
              "--timeout", "2", "--sarif", str(hang))
    assert r.returncode == 1
    (res,) = json.loads(hang.read_text())["runs"][0]["results"]
    assert res["ruleId"] == "STORK-REPLAY-ERROR" and "timed out" in res["message"]["text"]
    r = stork("replay", "--impl", str(LIBEXEC / "bad_impls" / "bad_leaks.so"), trace, "--sarif", str(leak))
    (res,) = json.loads(leak.read_text())["runs"][0]["results"]
    assert res["ruleId"] == "WI-F1" and "[WI-F1, WI-R3]" in res["message"]["text"]
    clean = tmp_path / "clean.sarif"
    assert stork("replay", "--impl", "reference", trace, "--sarif", str(clean)).returncode == 0
    assert json.loads(clean.read_text())["runs"][0]["results"] == []


def test_replay_sarif_only_where_asked(stork, tmp_path: Path) -> None:
    r = stork("replay", "--impl", "reference", GOALS, "--sarif", str(tmp_path / "no" / "x.sarif"))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "--sarif" in r.stderr
    assert not list((ROOT / GOALS).glob("*.sarif")) and not list(ROOT.glob("*.sarif"))
    junit, rec = tmp_path / "mine.xml", tmp_path / "rec"
    r = stork("replay", "--impl", "reference", f"{GOALS}/009-race-requeue-vs-callback.trace",
              "--junit", str(junit), "--record", str(rec))
    assert r.returncode == 0 and (rec / "replay.junit.xml").read_text() == junit.read_text()


def test_show_draws_a_replay_mismatch_from_its_recording(stork, replayed, tmp_path: Path) -> None:
    rec, _ = replayed
    failed = rec / "006-pair-queue-busy-free-busy.trace"
    assert "end" not in failed.read_text().split()                # truncated at the failure
    r = stork("show", str(failed), "--svg", str(tmp_path / "f.svg"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "006-pair-queue-busy-free-busy.trace as run by reference"
    assert "✗ step 3 the replay failed here: expected BUSY, got SUCCESS [WI-Q2]; WI-Q2: Queueing a queued worker returns BUSY" in r.stdout
    assert lines[-1] == "  ┄ the trace stops here without `end`: what would have happened next is not known"
    assert "posted w1" in r.stdout                                 # the recording's notes
    root = ET.parse(tmp_path / "f.svg").getroot()
    assert [g.get("data-lane") for g in root.iter(f"{SVG}g") if g.get("class") == "lane"] == ["passive", "runtime"]
    assert {t.get("class") for t in root.iter(f"{SVG}text")} >= {"violation", "ending"}
    passed = stork("show", str(rec / "001-call-queue-running-queued-other-callback-invalid-device-state-busy.trace"))
    assert passed.returncode == 0 and "✗" not in passed.stdout and "┄ the trace stops" not in passed.stdout
    assert len([ln for ln in passed.stdout.splitlines() if ln[:4].strip().isdigit()]) == 14


def test_show_of_a_truncated_trace_still_refuses_a_bad_line(stork, tmp_path: Path) -> None:
    bad = tmp_path / "bad.trace"
    bad.write_text("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\nstart sys0\n")
    r = stork("show", str(bad))
    assert r.returncode == 2 and "bad.trace:3" in r.stderr and "Traceback" not in r.stderr
    cut = tmp_path / "cut.trace"
    cut.write_text("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\n")
    r = stork("show", str(cut))
    assert r.returncode == 0 and "✗" not in r.stdout and "stops here without `end`" in r.stdout


def test_report_of_a_replay_folder_renders_results_and_charts(stork, replayed, tmp_path: Path) -> None:
    rec, _ = replayed
    r = stork("report", str(rec), "--output", str(tmp_path / "replay.html"))
    assert r.returncode == 0, r.stderr
    charts = FAILING + min(PASSING, 10)            # every failed run, the first 10 passed ones
    assert r.stdout.endswith(f"0 verify table(s), 1 replay table(s), {charts} chart(s)\n"), r.stdout
    page = (tmp_path / "replay.html").read_text()
    assert f"{len(TRACES)} trace(s): {PASSING} passed, {FAILING} failed" in page
    assert page.count('<td class="FAIL">FAIL</td>') == FAILING
    assert page.count('class="violation"') == FAILING             # each failed run's chart
    assert f"{PASSING - 10} more run(s) passed" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    empty = _ink(_render(blank, tmp_path / "blank.png"))
    full = _ink(_render(tmp_path / "replay.html", tmp_path / "replay.png"))
    assert full > 0.01 and full > 20 * empty, (full, empty)


def test_report_refuses_results_that_are_not_a_replays(stork, tmp_path: Path) -> None:
    (tmp_path / "replay.junit.xml").write_text("<testsuite name='pytest'/>")
    r = stork("report", str(tmp_path))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "replay.junit.xml:1" in r.stderr
    (tmp_path / "replay.junit.xml").write_text("<testsuite")
    r = stork("report", str(tmp_path))
    assert r.returncode == 2 and "not XML" in r.stderr and "Traceback" not in r.stderr
