"""One finding per defect (c-harness/check/defects.c): two causes of one leak are one finding
naming both; two leaking workers stay two findings, even when one routine initialised both at
the same line and they leak the same way; a worker's repeated history is written once with its
count."""

from __future__ import annotations

import json
from pathlib import Path

SCENARIOS = "c-harness/check/scenarios"


def findings(stork, name: str, *args: str) -> list[dict]:
    r = stork("audit", f"{SCENARIOS}/{name}.c", "--json", *args)
    assert r.returncode == 1, r.stdout + r.stderr
    return json.loads(r.stdout)["findings"]


def leaks(found: list[dict]) -> dict[int, list[str]]:
    """worker -> the causes (whys) of its WI-M7 finding; a worker reported twice fails."""
    out: dict[int, list[str]] = {}
    for f in found:
        if f["rule"] == "WI-M7":
            assert f["worker"] not in out, f"w{f['worker']} leaks in two findings"
            out[f["worker"]] = [c["why"] for c in f["causes"]]
    return out


def test_one_leak_by_two_causes_is_one_finding_naming_both(stork, tmp_path: Path) -> None:
    # SpcNvme as published: w2 leaks because its callback returns without freeing it, and
    # (another schedule) because its queue fails once the removal began: one defect.  w1, made
    # at the same line, leaks because its variable is overwritten: another one.
    found = findings(stork, "spcnvme_as_published")
    assert leaks(found) == {1: ["overwritten"], 2: ["callback returned", "queue failed"]}
    w2 = next(f for f in found if f["rule"] == "WI-M7" and f["worker"] == 2)
    assert all(c["trace"].startswith("stork-trace 1") for c in w2["causes"])
    assert w2["causes"][0]["run"] != w2["causes"][1]["run"]          # found by two schedules
    text = stork("audit", f"{SCENARIOS}/spcnvme_as_published.c")
    assert "WI-M7 (callback returned; queue failed) at" in text.stdout
    assert "the same defect, by another cause (queue failed):" in text.stdout
    assert text.stdout.splitlines()[-1].startswith("7 finding(s): ")
    assert text.stdout.count("\nFINDING ") == 7
    sar = tmp_path / "a.sarif"
    stork("audit", f"{SCENARIOS}/spcnvme_as_published.c", "--sarif", str(sar))
    m7 = [x for x in json.loads(sar.read_text())["runs"][0]["results"] if x["ruleId"] == "WI-M7"]
    assert len(m7) == 2
    both = next(x for x in m7 if "another cause (queue failed)" in x["message"]["text"])
    assert len(both["codeFlows"]) == 2                               # one code flow per cause


def test_workers_of_one_routine_at_one_line_stay_apart(stork) -> None:
    # What would fool a de-duplication by rule and call site, by routine and site, or by site
    # and kind of leak: one routine initialises three workers at the same line, and the first
    # two leak the same way in the same run.  Three leaks; the third worker's two causes are
    # still one finding.
    found = findings(stork, "leak_workers_one_line")
    assert leaks(found) == {1: ["never queued"], 2: ["never queued"],
                            3: ["callback returned", "queue failed"]}
    assert len({(f["file"], f["line"]) for f in found}) == 1


def test_repeated_history_is_written_once_with_its_count(stork, tmp_path: Path) -> None:
    r = stork("audit", f"{SCENARIOS}/requeue_leak_long_history.c", "--out", str(tmp_path))
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert "       × 199: the events above, through #599" in lines
    assert len(lines) < 60, len(lines)           # a 600-event history, an 811-line trace
    assert "has 811 lines: not shown here (--out DIR writes it, --json holds it)" in r.stdout
    (f,) = findings(stork, "requeue_leak_long_history")
    history = f["history"].splitlines()
    assert len(history) < 12 and "× 199" in f["history"]
    # the trace itself is whole (200 starts), in the JSON and in --out's file
    assert f["trace"].count("\nstart sys0 w1 cb1 null") == 200
    written = sorted(tmp_path.glob("*.trace"))
    assert len(written) == 2 and all(p.read_text().count("\nstart sys0 w1 cb1 null") >= 199
                                     for p in written)
