"""One finding per defect (c-harness/check/defects.c): a leak is one defect per worker and per
place its last handle was lost, the same in every schedule that shows it, mirrored ones
included; two leaks lost at two places are two findings, even made at one line and each shown
only by some schedules; a worker's repeated history is written once with its count."""

from __future__ import annotations

import json
from pathlib import Path

SCENARIOS = "c-harness/check/scenarios"


def findings(stork, name: str, *args: str, variant: bool = False) -> list[dict]:
    r = stork("audit", name if variant else f"{SCENARIOS}/{name}.c", "--json", *args)
    assert r.returncode == 1, r.stdout + r.stderr
    return json.loads(r.stdout)["findings"]


def leaks(found: list[dict]) -> list[tuple[int, str]]:
    """(worker, why) of each WI-M7 finding, each with one cause; a defect reported twice fails."""
    m7 = [f for f in found if f["rule"] == "WI-M7"]
    assert len({f["defect"] for f in m7}) == len(m7), [f["defect"] for f in m7]
    assert all([c["why"] for c in f["causes"]] == [f["why"]] for f in m7)
    return sorted((f["worker"], f["why"]) for f in m7)


def test_two_leaks_at_one_line_shown_by_different_schedules_are_two_findings(stork) -> None:
    # Whichever callback runs first leaks its worker: two workers made at one line, both lost
    # because their callback returned, never in the same run.  Keyed by rule, line and kind,
    # the second was hidden; keyed by where the handle was lost (which callback), it is not.
    found = findings(stork, "leak_first_callback_returns")
    assert [f["why"] for f in found] == ["callback returned", "callback returned"]
    assert len({(f["file"], f["line"]) for f in found}) == 1
    assert {f["defect"].rsplit("|", 1)[1] for f in found} == {
        "callback queued at leak_first_callback_returns.c:52 returned",
        "callback queued at leak_first_callback_returns.c:59 returned"}
    assert all(f["found_by"] == "exhaustive" for f in found)
    assert found[0]["run"] != found[1]["run"]            # each first shown by another schedule
    assert all(f["shown_by"] > 1 for f in found)         # and by many


def test_mirrored_schedules_of_one_leak_are_one_finding(stork, tmp_path: Path) -> None:
    # SpcNvme as published: dpc and dpc2 run the same code.  The worker the first of them made
    # is overwritten by the second's init (whichever runs first: one defect, not one per
    # routine); the survivor leaks because its callback frees the field's address, or because
    # its queue failed once the removal began: two more defects, each one place to fix (the
    # variants spcnvme_overwritten_handle, spcnvme_wrong_handle, spcnvme_queue_status_ignored).
    found = findings(stork, "spcnvme_as_published")
    assert [why for _, why in leaks(found)] == ["overwritten", "callback returned", "queue failed"]
    keys = [f["defect"] for f in found if f["rule"] == "WI-M7"]
    assert not any("dpc" in k for k in keys)             # no routine's name: mirror-stable
    m7 = {f["why"]: f for f in found if f["rule"] == "WI-M7"}
    assert "overwritten at spcnvme_as_published.c:42" in m7["overwritten"]["defect"]
    assert "queue failed at spcnvme_as_published.c:43" in m7["queue failed"]["defect"]
    text = stork("audit", f"{SCENARIOS}/spcnvme_as_published.c")
    assert text.stdout.splitlines()[-1].startswith("8 finding(s): ")
    assert text.stdout.count("\nFINDING ") == 8
    assert text.stdout.count("  shown by ") == 8
    sar = tmp_path / "a.sarif"
    stork("audit", f"{SCENARIOS}/spcnvme_as_published.c", "--sarif", str(sar))
    results = json.loads(sar.read_text())["runs"][0]["results"]
    assert len([x for x in results if x["ruleId"] == "WI-M7"]) == 3
    prints = [x["partialFingerprints"]["storkFinding/v1"] for x in results]
    assert len(set(prints)) == len(prints)


def test_workers_of_one_routine_at_one_line_stay_apart(stork) -> None:
    # What would fool a de-duplication by rule and call site, by routine and site, or by site
    # and kind of leak: one routine initialises three workers at the same line, and the first
    # two leak the same way in the same run.  Their turns tell them apart; the third is lost
    # two ways (its callback returned; its queue failed, in another schedule): two defects.
    found = findings(stork, "leak_workers_one_line")
    assert leaks(found) == [(1, "never queued"), (2, "never queued"), (3, "callback returned"),
                            (3, "queue failed")]
    assert len({(f["file"], f["line"]) for f in found}) == 1


def test_one_cause_of_a_defect_per_routine_is_still_one_finding(stork) -> None:
    # A break of another rule is one defect per call site: the SRB that io1 strands and the
    # one io2 strands (mirrored routines) are one ENV-Q6 finding naming both causes.
    found = findings(stork, "miniport_isr_dpc_one_slot", "--srbs", "2", "--max-schedules", "2000",
                     "--runs", "20", "--seed", "1", variant=True)
    (q6,) = [f for f in found if f["rule"] == "ENV-Q6"]
    assert sorted(c["why"] for c in q6["causes"]) == ["io1", "io2"]


def test_repeated_history_is_written_once_with_its_count(stork, tmp_path: Path) -> None:
    # Three defects (its callback returns at last without freeing it; the callback's re-queue at
    # line 17, or the DPC's at line 24, fails once the removal began), two of them with a
    # 600-event history and a 900-line trace: each written in a few lines.
    r = stork("audit", f"{SCENARIOS}/requeue_leak_long_history.c", "--out", str(tmp_path))
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert "       × 199: the events above, through #599" in lines
    assert len(lines) < 100, len(lines)
    # 811 lines of events and 101 of writes (the first and last 50, test_audit_writes.py)
    assert "has 912 lines: not shown here (--out DIR writes it, --json holds it)" in r.stdout
    found = findings(stork, "requeue_leak_long_history")
    assert sorted(f["why"] for f in found) == ["callback returned", "queue failed", "queue failed"]
    f = next(f for f in found if f["why"] == "callback returned")
    history = f["history"].splitlines()
    assert len(history) < 12 and "× 199" in f["history"]
    # the trace itself is whole (200 starts), in the JSON and in --out's file
    assert f["trace"].count("\nstart sys0 w1 cb1 null") == 200
    written = sorted(tmp_path.glob("*.trace"))
    assert len(written) == 3
    assert sum(p.read_text().count("\nstart sys0 w1 cb1 null") >= 199 for p in written) == 2
