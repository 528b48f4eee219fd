"""ENV-R7 in the audit of a miniport as it is (c-harness/check/driver.c): a DPC's routine or the
HwStorTimer queued at the adapter's release, or starting after it, is a finding, and one running
at the release is a finding where it then uses the released extension (ENV-R7's position); a
miniport whose DPC and timer have ended, or are past their last use, before the release is clean.  Needs the C harness
built (ctest sets STORK_LIBEXEC_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_audit_driver import PARTS, audit, miniport, rules

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))

pytestmark = pytest.mark.skipif(not (LIBEXEC / "check").is_dir(), reason="C harness not built")

# HwStorTimer completes the SRB HwStartIo left; with `rearm` it asks for one more run after,
# which nothing cancels: the timer is pending at the release or runs after it.
TIMER = """static PSCSI_REQUEST_BLOCK Pending; /* under the StartIo lock */
static VOID Tick(PVOID DeviceExtension)
{
    PSCSI_REQUEST_BLOCK s = Pending;
    Pending = NULL;
    if (s) { s->SrbStatus = SRB_STATUS_SUCCESS; StorPortNotification(RequestComplete, DeviceExtension, s); }
    struct ext *e = DeviceExtension; /* Worker: a flag, "re-armed once" (no global: one per run) */
    if (REARM && !e->Worker) { e->Worker = e; StorPortNotification(RequestTimerCall, DeviceExtension, Tick, 1000); }
}"""


@pytest.mark.parametrize("rearm, expected", [(False, set()), (True, {"ENV-R7"})])
def test_a_timer_left_armed_at_the_release_is_env_r7(stork, tmp_path: Path, rearm: bool,
                                                      expected: set[str]) -> None:
    start = ("if (Srb->Function == SRB_FUNCTION_PNP) { " + PARTS["startio"] + " return TRUE; }\n"
             "    Pending = Srb; StorPortNotification(RequestTimerCall, DeviceExtension, Tick, 1000);")
    path = miniport(tmp_path, globals=TIMER.replace("REARM", "1" if rearm else "0"), startio=start)
    rc, out, err = audit(stork, path)
    assert rules(out) == expected and rc == (1 if expected else 0), (out, err)
    if expected:
        text = " ".join(f["message"] for f in out["findings"])
        assert "HwStorTimer of RequestTimerCall" in text, out


def test_a_dpc_issued_at_removal_is_env_r7_and_its_base_is_clean(stork) -> None:
    for name, expected in [("miniport_isr_dpc", set()),
                           ("miniport_isr_dpc_dpc_after_release", {"ENV-R7"})]:
        rc, out, err = audit(stork, name)
        assert rules(out) == expected and rc == (1 if expected else 0), (name, out, err)
        assert out["complete"] or expected, out  # the clean base is searched whole


@pytest.mark.parametrize("name, line", [
    ("miniport_dpc_drain", None),                      # past its signal it only returns: clean
    ("miniport_dpc_drain_use_after_signal", "a->DpcRuns++"),  # a store into the extension after it
    ("miniport_dpc_drain_no_wait", "InterlockedExchange"),    # the signal itself, not waited for
    ("miniport_dpc_drain_use_then_count", "a->DpcRuns++"),    # a use, then a step of its own
    ("miniport_dpc_drain_read_after_signal", "if (a->Pending)"),  # a read: the reads' point
])
def test_a_dpc_running_at_the_release_is_env_r7_only_where_it_uses_the_extension(
        stork, name: str, line: str | None) -> None:
    # ENV-R7's position (spec/environment.md): the release may fall between the DPC's signal
    # and its return (the default points: the signal's, the global's write and, before a DPC's
    # read of the extension, the reads' (race.c); without that one, the read after the signal
    # was clean); only a use after it counts.
    rc, out, err = audit(stork, name)
    if line is None:
        assert rc == 0 and rules(out) == set() and out["complete"], (out, err)
        return
    assert rc == 1 and rules(out) == {"ENV-R7"}, (out, err)
    (f,) = out["findings"]
    src = (ROOT / "c-harness" / "check" / "scenarios" / "miniport_dpc_drain.c").read_text()
    assert line in src.splitlines()[f["line"] - 1], f
    assert "was still running at the adapter's release" in f["message"], f


def test_neptune_releases_nothing_so_nothing_outlives_a_release(stork) -> None:
    rc, out, err = audit(stork, "miniport_isr_dpc_dpc_after_release", "--host", "neptune")
    assert "ENV-R7" not in rules(out), out
