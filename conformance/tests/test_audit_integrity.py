"""No false "clean" from `stork audit` (issue 10): a scenario program that exits, crashes, gets
stuck, fails its own assertion or livelocks comes out a finding, incomplete or refused, never
exit 0; the audit's bad input is one line with no traceback.  The adversarial scenarios of
c-harness/check/scenarios/adversarial/ are built by `stork audit` itself (normally and with
--sanitize), so the whole path, compiler to report, is what is tested."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from stork import audit as audit_mod
from stork import check_trace
from stork import trace as trace_reader

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "c-harness" / "check" / "scenarios"
ADVERSARIAL = SCENARIOS / "adversarial"
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
BUILT = LIBEXEC / "check" / "scenarios"

pytestmark = pytest.mark.skipif(not BUILT.is_dir(), reason="C harness not built (no audit programs)")

ADV = sorted(p.stem for p in ADVERSARIAL.glob("*.c"))


def line_of(src: Path, text: str) -> int:
    """The line of SRC that holds TEXT (the first)."""
    return next(i for i, ln in enumerate(src.read_text().splitlines(), 1) if text in ln)


def audit_json(stork, *args: str) -> tuple[int, dict]:
    r = stork("audit", *args, "--json", timeout=120)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, json.loads(r.stdout)


@pytest.mark.parametrize("sanitize", [False, True], ids=["normal", "sanitize"])
@pytest.mark.parametrize("name", ADV)
def test_adversarial_scenario_is_never_clean(stork, name: str, sanitize: bool) -> None:
    src = ADVERSARIAL / f"{name}.c"
    e = audit_mod.expectation(src)
    args = [str(src), "--seed", "1", *e.options] + (["--sanitize"] if sanitize else [])
    text = stork("audit", *args, timeout=120)
    assert "Traceback" not in text.stderr, text.stderr
    assert text.returncode != 0 and "clean" not in text.stdout, text.stdout
    if e.refused:
        assert text.returncode == 2 and text.stdout == "", text.stdout + text.stderr
        return
    rc, out = audit_json(stork, *args)
    assert rc == text.returncode and out["exit_status"] == rc
    found = {f["rule"] for f in out["findings"]}
    assert found == set(e.rules), out
    if e.rules:
        assert rc == 1
    else:
        assert e.incomplete and rc == 3 and not out["complete"]


def test_a_crash_is_the_miniports_finding_with_schedule_and_trace(stork, tmp_path: Path) -> None:
    src = ADVERSARIAL / "null_deref.c"
    rc, out = audit_json(stork, str(src), "--out", str(tmp_path))
    assert rc == 1 and out["crashed"] and not out["complete"]
    (f,) = out["findings"]
    assert f["rule"] == "STORK-CRASH" and f["why"] == "SIGSEGV"
    # the callback went on from here: the point before the write through NULL (points at writes)
    assert f["file"].endswith("null_deref.c") and f["line"] == 18
    assert "sys0" in f["message"] and "signal 11" in f["message"]
    assert "start sys0 w1 cb1 null" in f["history"] and "free w1 -> SUCCESS" in f["history"]
    trace = f["trace"]
    assert "meta schedule" in trace and "meta finding STORK-CRASH null_deref.c:18" in trace
    assert "\nend\n" not in trace and "truncated trace" in trace
    saved = Path(f["out"])
    assert saved.parent == tmp_path and saved.read_text() == trace
    # --replay repeats the run, and so the crash
    again = stork("audit", "--replay", str(saved))
    assert again.returncode == 1 and "FINDING 1: STORK-CRASH (SIGSEGV)" in again.stdout, again.stdout


def test_exit_in_the_miniport_is_a_finding_in_text_and_json(stork) -> None:
    src = ADVERSARIAL / "exits_mid_run.c"
    rc, out = audit_json(stork, str(src))
    assert rc == 1 and out["findings"][0]["why"] == "exit 0"
    assert "init -> SUCCESS w1" in out["findings"][0]["trace"]
    r = stork("audit", str(src))
    assert r.returncode == 1 and r.stdout.splitlines()[-1].startswith("1 finding(s): STORK-CRASH")


def test_a_loop_with_no_scheduling_point_is_killed_at_the_time_limit(stork) -> None:
    start = time.monotonic()
    rc, out = audit_json(stork, str(ADVERSARIAL / "busy_loop.c"), "--time-limit", "1")
    assert time.monotonic() - start < 30
    assert rc == 3 and out["stalled"] and out["timed_out"] and not out["findings"]
    assert "teardown" in out["message"] and "hang candidate" in out["message"]
    assert "meta schedule" in out["trace"]


def test_the_default_time_limit_is_stated(stork) -> None:
    r = stork("audit", "--help")
    assert r.returncode == 0 and "(default 300)" in " ".join(r.stdout.split())
    r = subprocess.run([str(BUILT / "storahci"), "--help"], capture_output=True, text=True)
    assert "(default 300)" in r.stdout


def test_a_program_that_writes_no_report_is_refused(stork, tmp_path: Path) -> None:
    fake = tmp_path / "fake-audit"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    for extra in ([], ["--json"]):
        r = stork("audit", str(fake), *extra)
        assert r.returncode == 2 and "without its report" in r.stderr, r.stdout + r.stderr
    (tmp_path / "killed").write_text("#!/bin/sh\nkill -9 $$\n")
    (tmp_path / "killed").chmod(0o755)
    r = stork("audit", str(tmp_path / "killed"))
    assert r.returncode == 2 and "signal 9" in r.stderr


def test_a_failed_stork_assert_is_a_finding_with_site_schedule_and_trace(stork, tmp_path: Path) -> None:
    src = ADVERSARIAL / "assert_fails.c"
    rc, out = audit_json(stork, str(src), "--out", str(tmp_path))
    assert rc == 1 and out["complete"]
    (f,) = out["findings"]
    line = line_of(src, "STORK_ASSERT(x->ran);")
    assert f["rule"] == "STORK-ASSERT" and f["line"] == line and f["file"].endswith("assert_fails.c")
    assert "STORK_ASSERT(x->ran)" in f["message"] and "teardown" in f["message"]
    assert f"meta finding STORK-ASSERT assert_fails.c:{line}" in f["trace"]
    assert "queue w1 cb1 null -> SUCCESS" in f["history"]  # the whole run, not one worker's
    again = stork("audit", "--replay", f["out"])
    assert again.returncode == 1 and "same run, 1 finding(s)" in again.stdout, again.stdout + again.stderr


def test_out_gives_every_finding_its_own_file_and_says_where(stork, tmp_path: Path) -> None:
    src = SCENARIOS / "spcnvme_as_published.c"
    r = stork("audit", str(src), "--seed", "1", "--out", str(tmp_path))
    assert r.returncode == 1
    files = sorted(tmp_path.glob("*.trace"))
    findings = r.stdout.count("\nFINDING ")
    # six lifecycle defects (three leaks, lost at three places), two data races (WI-M11); one
    # cause each, one trace each
    assert findings == 8 and len(files) == 8
    for f in files:
        assert f"trace written to {f}" in r.stdout
    rc, out = audit_json(stork, str(src), "--seed", "1", "--out", str(tmp_path / "j"))
    assert len(out["findings"]) == 8
    assert len({c["out"] for f in out["findings"] for c in f["causes"]}) == 8


def test_out_on_a_regular_file_is_bad_input_in_one_line(stork, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("")
    for opt in ("--out", "--record"):
        r = stork("audit", "rule_leak_bad", opt, str(target))
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.strip() == f"stork audit: {opt} {target}: not a folder"


def test_replay_json_is_json(stork, tmp_path: Path) -> None:
    stork("audit", "rule_free_running_bad", "--seed", "1", "--out", str(tmp_path))
    (saved,) = tmp_path.glob("*.WI-M6.*.trace")
    rc, out = audit_json(stork, "--replay", str(saved))
    assert rc == 1 and out["exit_status"] == 1 and out["same_run"]
    assert "WI-M6" in [f["rule"] for f in out["findings"]]
    assert "meta schedule" in out["trace"]


@pytest.mark.parametrize("name,at,cycle_event", [
    ("retry_livelock", "while (StorPortFreeWorker(", "call teardown PASSIVE free w1 -> UNSUCCESSFUL"),
    ("poll_never_set", "while (!__atomic_load_n(", None),  # the atomic load's point, the first of its cycle
])
def test_a_livelock_is_a_wi_m9_finding_with_its_cycle_shown_once(
        stork, tmp_path: Path, name: str, at: str, cycle_event: str | None) -> None:
    src = ADVERSARIAL / f"{name}.c"
    line = line_of(src, at)
    opts = ["--seed", "1", *audit_mod.expectation(src).options]
    text = stork("audit", str(src), *opts)
    assert text.returncode == 1 and len(text.stdout.splitlines()) < 400  # not every repetition
    rc, out = audit_json(stork, str(src), *opts, "--out", str(tmp_path))
    (f,) = [f for f in out["findings"] if f["rule"] == "WI-M9"]
    assert f["why"] == "livelock" and f["line"] == line and "teardown repeats" in f["message"]
    repeats = int(f["message"].split(" times")[0].split()[-1])
    assert repeats >= 8
    trace = f["trace"]
    cycle = trace.split("\nloop\n")[1]
    assert cycle.splitlines()[-1] == "end"
    if cycle_event:
        assert trace.count(cycle_event) == 1 and cycle_event in cycle
    # the trace is a valid one (a liveness counterexample), which the reference and the model take
    saved = Path(f["out"])
    trace_reader.load(saved)
    r = subprocess.run([str(LIBEXEC / "stork-replay"), "--impl", str(LIBEXEC / "stork-reference.so"),
                        str(saved)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert check_trace.check_all([str(saved)], 1, 60)[0].verdict == check_trace.CONFORMS
    again = stork("audit", "--replay", str(saved))
    assert again.returncode == 1 and "same run" in again.stdout, again.stdout + again.stderr


def test_the_search_dies_with_the_program_that_watches_it() -> None:
    """`stork audit` kills the audit program at its hard limit: the child running the search
    must not go on alone."""
    p = subprocess.Popen([str(BUILT / "pct_depth2_race"), "--exhaustive", "--max-schedules",
                          "100000000", "--time-limit", "60", "--no-reduction"],
                         stdout=subprocess.DEVNULL)
    try:
        children = Path(f"/proc/{p.pid}/task/{p.pid}/children")
        deadline = time.monotonic() + 10
        while not children.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = map(int, children.read_text().split())
    finally:
        p.kill()
        p.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.05)
    os.kill(child, 9)
    pytest.fail("the search went on after the audit program was killed")
