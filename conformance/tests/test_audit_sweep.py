"""stork audit --sweep: bounds raised one at a time, each kept while its search is complete,
with the findings that came or went on the way (spec/environment.md, bounds that say what they
cover)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_audit_driver import LIBEXEC, ROOT, miniport

pytestmark = pytest.mark.skipif(not (LIBEXEC / "check").is_dir(), reason="C harness not built")

# HwStartIo completes the first SRB it receives and keeps every later one: clean with one SRB,
# ENV-Q6 (a request never completed) from the second.  (Counted in the extension: a global would
# keep its count from run to run.)
SECOND_STRANDED = dict(
    globals="struct count { struct ext e; int received; };",
    find="ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex; return SP_RETURN_FOUND;",
    register="d.DeviceExtensionSize = sizeof(struct count);",
    startio="int *received = &((struct count *)DeviceExtension)->received;\n"
            "    if (Srb->Function == SRB_FUNCTION_PNP || (*received)++ == 0) {\n"
            "        Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
            "        StorPortNotification(RequestComplete, DeviceExtension, Srb);\n"
            "    }")


def rows(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if ln.startswith("  srbs=") or ln.startswith("  threads=")]


def test_a_finding_that_needs_a_second_srb_appears_at_srbs_2(stork, tmp_path: Path) -> None:
    src = miniport(tmp_path, **SECOND_STRANDED)
    r = stork("audit", str(src), "--sweep", "60", "--max-schedules", "20000")
    assert r.returncode == 1, r.stdout + r.stderr
    first, second = rows(r.stdout)[:2]
    assert first.startswith("  srbs=1 threads=1 stops=0 ioctls=0") and " clean " in first
    assert second.startswith("  srbs=2 threads=1 stops=0 ioctls=0") and "ENV-Q6" in second
    line = 1 + next(i for i, ln in enumerate(src.read_text().splitlines())  # its HwStartIo's
                    if "StorPortInitialize(" in ln)                          # registration
    assert f"findings that changed: from srbs=2: ENV-Q6 at m.c:{line}" in r.stdout, r.stdout
    # the raise that found it is complete, so it is kept and the others go on from it
    assert "largest bounds searched completely: srbs=" in r.stdout
    assert "threads: at threads=1 no callback ran: one more changes no run" in r.stdout


def test_the_template_stays_clean_as_far_as_the_budget_goes(stork, tmp_path: Path) -> None:
    r = stork("audit", str(miniport(tmp_path)), "--sweep", "60", "--max-schedules", "50000")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "findings that changed: none" in r.stdout
    assert "ioctls: stork audit's ceiling, ioctls=2" in r.stdout
    # the SRBs' orders grow past the budget before their ceiling: said so, and the last
    # complete search is the largest claimed
    stop = next(ln for ln in r.stdout.splitlines() if ln.startswith("  srbs: "))
    assert "incomplete at srbs=" in stop and "(the budget of 50,000 schedules)" in stop
    last = int(stop.split("srbs=")[1].split()[0]) - 1
    assert f"largest bounds searched completely: srbs={last} " in r.stdout


def test_a_shipped_miniport_clean_at_one_srb_breaks_env_r7_at_two(stork) -> None:
    """miniport_isr_dpc is clean as shipped (one SRB); from the second its ISR may issue the
    DPC again while it runs, and that second run may still be running at the release.  With a
    small budget the raise is incomplete, and still shows what it found."""
    r = stork("audit", "miniport_isr_dpc", "--sweep", "60", "--max-schedules", "3000")
    assert r.returncode == 1, r.stdout + r.stderr
    assert " clean " in rows(r.stdout)[0]
    changed = next(ln for ln in r.stdout.splitlines() if ln.startswith("findings that changed"))
    source = (ROOT / "c-harness" / "check" / "scenarios" / "miniport_isr_dpc.c").read_text()
    take, read, empty = (1 + source.splitlines().index(ln) for ln in (
        "    StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);",
        "        done[i] = a->Done[i];",
        "        a->Done[i] = NULL;"))
    assert f"from srbs=2 (its search incomplete): ENV-R7 at miniport_isr_dpc.c:{take}, " \
           f"ENV-R7 at miniport_isr_dpc.c:{read}, ENV-R7 at miniport_isr_dpc.c:{empty}" \
           in changed, r.stdout
    assert "srbs: incomplete at srbs=2 (the budget of 3,000 schedules)" in r.stdout


def test_threads_are_raised_while_a_callback_waits_for_one(stork) -> None:
    """A scenario of routines and callbacks has its threads only; they are raised until no
    callback waits for a thread, which is exact: a callback takes the first idle thread."""
    r = stork("audit", "persistent_busy_handled", "--sweep", "60")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [ln.split()[0] for ln in rows(r.stdout)] == ["threads=1", "threads=2"]
    assert "srbs, stops, ioctls: a scenario of routines and callbacks" in r.stdout
    assert "threads: at threads=2 no callback waited for a thread (at most 1 busy at once)" \
        in r.stdout


def test_an_incomplete_start_is_incomplete(stork) -> None:
    r = stork("audit", "miniport_isr_dpc", "--sweep", "60", "--max-schedules", "10")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "largest bounds searched completely: none" in r.stdout
    assert "the starting bounds are not searched completely" in r.stdout


@pytest.mark.parametrize("extra", [("--json",), ("--pct",), ("--format", "gcc"),
                                   ("--sweep", "0"), ("--sweep", "inf")])
def test_sweep_refuses_what_it_cannot_honour(stork, extra: tuple[str, ...]) -> None:
    r = stork("audit", "miniport_isr_dpc", "--sweep", "10", *extra)
    assert r.returncode == 2 and "--sweep" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_each_step_keeps_to_the_time_limit(stork) -> None:
    """--time-limit bounds each step (the sweep's S bounds them all): a step it cuts is
    incomplete and says why."""
    r = stork("audit", "miniport_isr_dpc", "--sweep", "60", "--time-limit", "1",
              "--max-schedules", "100000000")  # the time, not the budget, cuts it
    assert r.returncode == 1, r.stdout + r.stderr
    assert "srbs: incomplete at srbs=2 (the time ran out: 1 s for the step)" in r.stdout, r.stdout


def test_a_step_a_crash_stops_says_so(stork) -> None:
    """miniport_main_thread keeps one SRB at a time: a second (an IOCTL SRB here) makes its
    Finish run on NULL, a STORK-CRASH, which ends that step's search with no count."""
    r = stork("audit", "miniport_main_thread", "--sweep", "60", "--max-schedules", "20000")
    assert r.returncode == 1, r.stdout + r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.startswith("  srbs=1 threads=2 stops=1 ioctls=1"))
    assert "STORK-CRASH, incomplete" in row and " - schedules" in row, row
    assert "ioctls: incomplete at ioctls=1 (a STORK-CRASH stopped it: the report has no count)" \
        in r.stdout, r.stdout
