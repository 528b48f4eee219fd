"""The shared memory each context wrote, between the events of an audit finding
(c-harness/check/writes.c): in its history, its trace (as `# wrote` comments that trace
readers skip, spec/trace-format.md), SARIF thread-flow locations and `stork show`."""

from __future__ import annotations

import json
import re
from pathlib import Path

SCENARIOS = "c-harness/check/scenarios"
PREEMPT = "preempt_free_after_signal"     # a variant of preempt_signal_before_return.c
SOURCE = f"{SCENARIOS}/preempt_signal_before_return.c"
SIGNAL = "sys0(w1) preempt_signal_before_return.c:34 x->inside [ext+0x8] = 0"
COUNT = "sys0(w1) preempt_signal_before_return.c:40 x->completions [ext+0xc] = 1"


def the_finding(stork, *args: str) -> dict:
    r = stork("audit", PREEMPT, "--preempt-at-accesses", "--json", *args)
    assert r.returncode == 1, r.stdout + r.stderr
    (f,) = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "WI-M6"]
    return f


def test_the_callbacks_signal_is_shown_with_its_line_before_the_free(stork, tmp_path: Path) -> None:
    # The case: the callback clears "inside" (the signal the remove handler waits for)
    # before it returns; the remove handler's free comes in between, and the callback then
    # frees its worker too (WI-M6).  The write is what explains the finding.
    f = the_finding(stork, "--out", str(tmp_path))
    assert f["rule"] == "WI-M6"
    trace = f["trace"].splitlines()
    assert f"# wrote {SIGNAL}" in trace and f"# wrote {COUNT}" in trace
    free = trace.index("call teardown PASSIVE free w1 -> SUCCESS")
    assert trace.index(f"# wrote {SIGNAL}") < trace.index("remove begin") < free
    assert free < trace.index(f"# wrote {COUNT}") < trace.index("return sys0 w1")
    assert f"   wrote {SIGNAL}" in f["history"].splitlines()
    assert "   wrote dpc preempt_signal_before_return.c:54 x->inside [ext+0x8] = 1" in f["history"]
    # still a trace every reader takes: check-trace, --replay, stork show
    (out,) = [t for t in tmp_path.glob("*.trace") if "meta finding WI-M6" in t.read_text()]
    assert out.read_text() == f["trace"]
    checked = stork("check-trace", str(out))
    assert checked.returncode == 0 and "conforms (8 events" in checked.stdout, checked.stdout
    again = stork("audit", "--replay", str(out), "--preempt-at-accesses")
    assert again.returncode == 1 and "same run" in again.stdout, again.stdout
    shown = stork("show", str(out))
    assert shown.returncode == 0 and f"wrote {SIGNAL}" in shown.stdout


def test_writes_are_sarif_locations_at_their_lines_with_their_state(stork, tmp_path: Path) -> None:
    sar = tmp_path / "a.sarif"
    r = stork("audit", PREEMPT, "--preempt-at-accesses", "--sarif", str(sar))
    assert r.returncode == 1, r.stderr
    (res,) = [r for r in json.loads(sar.read_text())["runs"][0]["results"] if r["ruleId"] == "WI-M6"]
    flows = {tf["id"]: tf["locations"] for tf in res["codeFlows"][0]["threadFlows"]}
    wrote = [loc for loc in flows["sys0"] if "state" in loc]
    assert [loc["location"]["physicalLocation"]["region"]["startLine"] for loc in wrote] == [34, 40]
    assert wrote[0]["state"] == {"x->inside [ext+0x8]": {"text": "0"}}
    assert wrote[0]["location"]["physicalLocation"]["artifactLocation"]["uri"] == SOURCE
    # the finding's own step keeps its line
    (free,) = [loc for loc in flows["teardown"] if "free w1" in loc["location"]["message"]["text"]]
    assert free["location"]["physicalLocation"]["region"]["startLine"] == 64


def test_nothing_shared_written_no_wrote_lines(stork) -> None:
    # leak_overwritten_handle's code writes no shared memory (the runtime stores the handles
    # into the field, which is no write of the miniport's): no line is made up.
    r = stork("audit", f"{SCENARIOS}/leak_overwritten_handle.c", "--json")
    (f,) = json.loads(r.stdout)["findings"]
    assert "wrote" not in f["trace"] and "wrote" not in f["history"]


def test_a_loops_writes_are_compressed_with_its_history_and_bounded_in_the_trace(stork) -> None:
    # 200 callback runs, each incrementing the extension's count: one write per run, 200 in
    # all, past the trace's bound (c-harness/check/run.h WRITES_KEPT: the first and last 50).
    r = stork("audit", f"{SCENARIOS}/requeue_leak_long_history.c", "--json")
    f = next(x for x in json.loads(r.stdout)["findings"] if x["why"] == "callback returned")
    history = f["history"].splitlines()
    assert len(history) < 14, history
    assert "   wrote sys0(w1) requeue_leak_long_history.c:16 *runs [ext+0x0] = 1" in history
    assert "   wrote sys0(w1) requeue_leak_long_history.c:16 *runs [ext+0x0] = 200" in history
    assert any("× 199" in ln for ln in history)
    wrote = [ln for ln in f["trace"].splitlines() if ln.startswith("# wrote")]
    values = [int(m.group(1)) for ln in wrote if (m := re.search(r"\*runs \[ext\+0x0\] = (\d+)$", ln))]
    assert values == list(range(1, 51)) + list(range(151, 201))   # the first and last 50
    assert "# wrote: 100 writes not shown from here on, up to the last 50" in wrote
    assert len(wrote) == 101
