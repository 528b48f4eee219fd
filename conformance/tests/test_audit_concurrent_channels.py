"""StorPortInitializePerfOpts and concurrent channels (spec/environment.md ENV-E8): a physical
miniport that applies STOR_PERF_CONCURRENT_CHANNELS has its HwStartIo called without the StartIo
lock, up to ConcurrentChannels at once; Storport's count of the calls running orders one that
ended before one that starts, and nothing else.  The answers of the call itself, as the page
gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_audit_driver import LIBEXEC, audit, miniport, rules
from test_audit_host import miniport as neptune_miniport

pytestmark = pytest.mark.skipif(not (LIBEXEC / "check").is_dir(), reason="C harness not built")

APPLY = """PERF_CONFIGURATION_DATA p;
    RtlZeroMemory(&p, sizeof p);
    p.Version = STOR_PERF_VERSION;
    p.Size = sizeof p;
    if (StorPortInitializePerfOpts(DeviceExtension, TRUE, &p) != STOR_STATUS_SUCCESS)
        return FALSE;
    p.Flags = STOR_PERF_CONCURRENT_CHANNELS;
    p.ConcurrentChannels = NCHANNELS;
    return StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) == STOR_STATUS_SUCCESS;"""

# HwStartIo counts the SRBs it received in a global, taking the StartIo lock itself or not.
COUNT = """if (Srb->Function != SRB_FUNCTION_PNP) {
        LOCK
        received++;
        UNLOCK
    }
    Srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);"""
LOCKED = ("STOR_LOCK_HANDLE h;\n        StorPortAcquireSpinLock(DeviceExtension, StartIoLock, "
          "NULL, &h);", "StorPortReleaseSpinLock(DeviceExtension, &h);")


def counting(tmp_path: Path, init: str, locked: bool = False, template=miniport) -> Path:
    lock, unlock = LOCKED if locked else ("", "")
    return template(tmp_path, globals="static int received;", init=init,
                    startio=COUNT.replace("LOCK", lock, 1).replace("UNLOCK", unlock, 1))


@pytest.mark.parametrize("init, locked, expected", [
    ("return TRUE;", False, set()),                           # the StartIo lock orders them
    (APPLY.replace("NCHANNELS", "2"), False, {"WI-M11"}),      # two at once, unlocked: a race
    (APPLY.replace("NCHANNELS", "2"), True, set()),            # the miniport takes the lock itself
    (APPLY.replace("NCHANNELS", "1"), False, set()),           # one at a time: ordered
])
def test_concurrent_channels_lift_the_startio_lock(stork, tmp_path: Path, init: str,
                                                   locked: bool, expected: set[str]) -> None:
    rc, out, err = audit(stork, counting(tmp_path, init, locked), "--srbs", "2", "--exhaustive")
    assert rules(out) == expected and out["complete"], (err, out.get("findings"))
    assert rc == (1 if expected else 0)


def test_a_race_between_two_channels_names_both_hwstartio(stork, tmp_path: Path) -> None:
    src = counting(tmp_path, APPLY.replace("NCHANNELS", "4"))
    rc, out, err = audit(stork, src, "--srbs", "2", "--exhaustive")
    race = next(f for f in out["findings"] if f["rule"] == "WI-M11")
    line = 1 + src.read_text().splitlines().index("        received++;")
    assert race["line"] == line and "io1" in race["message"] and "io2" in race["message"], race


def test_neptune_answers_success_and_applies_nothing(stork, tmp_path: Path) -> None:
    """[NEP] storport.c StorExtInitializePerfOpts: SUCCESS, the data untouched; HwStartIo runs on
    the main thread, one at a time, whatever the flags."""
    init = ("PERF_CONFIGURATION_DATA p;\n    RtlZeroMemory(&p, sizeof p);\n"
            "    p.Version = STOR_PERF_VERSION;\n"
            "    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, TRUE, &p) == "
            "STOR_STATUS_SUCCESS && p.Flags == 0);\n"
            "    p.Flags = STOR_PERF_CONCURRENT_CHANNELS;\n    p.ConcurrentChannels = 2;\n"
            "    return StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) == "
            "STOR_STATUS_SUCCESS;")
    rc, out, err = audit(stork, counting(tmp_path, init, template=neptune_miniport), "--srbs",
                         "2", "--exhaustive", "--host", "neptune")
    assert rc == 0 and not out["findings"], (err, out.get("findings"))


# Each answer, asserted in HwInitialize (a failed STORK_ASSERT is a finding).
ANSWERS = """PERF_CONFIGURATION_DATA p;
    RtlZeroMemory(&p, sizeof p);
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, TRUE, NULL) ==
                 STOR_STATUS_INVALID_PARAMETER);
    p.Version = 1;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, TRUE, &p) ==
                 STOR_STATUS_UNSUCCESSFUL);
    p.Version = STOR_PERF_VERSION_2;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, TRUE, &p) == STOR_STATUS_SUCCESS &&
                 p.Flags == (STOR_PERF_DPC_REDIRECTION | STOR_PERF_CONCURRENT_CHANNELS |
                             STOR_PERF_INTERRUPT_MESSAGE_RANGES));
    p.Version = STOR_PERF_VERSION;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, TRUE, &p) == STOR_STATUS_SUCCESS &&
                 p.Flags == 0x3F);
    p.Flags = 0x80;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) ==
                 STOR_STATUS_UNSUCCESSFUL);
    p.Flags = STOR_PERF_INTERRUPT_MESSAGE_RANGES;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) ==
                 STOR_STATUS_UNSUCCESSFUL);
    p.Flags = STOR_PERF_DPC_REDIRECTION | STOR_PERF_ADV_CONFIG_LOCALITY;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) ==
                 STOR_STATUS_UNSUCCESSFUL);
    p.Flags = STOR_PERF_DPC_REDIRECTION | STOR_PERF_INTERRUPT_MESSAGE_RANGES |
              STOR_PERF_ADV_CONFIG_LOCALITY;
    STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) == STOR_STATUS_SUCCESS);
    return TRUE;"""


def test_the_answers_of_the_call(stork, tmp_path: Path) -> None:
    rc, out, err = audit(stork, miniport(tmp_path, init=ANSWERS), "--exhaustive")
    assert rc == 0 and not out["findings"], (err, out.get("findings"))


def test_a_call_outside_the_initialisation_is_unsuccessful_and_applies_nothing(
        stork, tmp_path: Path) -> None:
    """Only HwInitialize and HwPassiveInitializeRoutine may call it: from HwStartIo it answers
    UNSUCCESSFUL and the StartIo lock stays (the unlocked count is no race)."""
    late = ("PERF_CONFIGURATION_DATA p;\n        RtlZeroMemory(&p, sizeof p);\n"
            "        p.Version = STOR_PERF_VERSION;\n"
            "        p.Flags = STOR_PERF_CONCURRENT_CHANNELS;\n        p.ConcurrentChannels = 2;\n"
            "        STORK_ASSERT(StorPortInitializePerfOpts(DeviceExtension, FALSE, &p) == "
            "STOR_STATUS_UNSUCCESSFUL);")
    src = miniport(tmp_path, globals="static int received;",
                   startio=COUNT.replace("LOCK", late, 1).replace("UNLOCK", "", 1))
    rc, out, err = audit(stork, src, "--srbs", "2", "--exhaustive")
    assert rc == 0 and not out["findings"], (err, out.get("findings"))


@pytest.mark.parametrize("host", ["windows", "neptune"])
@pytest.mark.parametrize("init, expected", [
    ("return TRUE;", {"ENV-L2"}),                    # Storport holds it: a second take
    (APPLY.replace("NCHANNELS", "2"), set()),        # it holds none around HwStartIo
])
def test_the_startio_lock_taken_in_hwstartio_is_a_re_take_only_under_storport_s_hold(
        stork, tmp_path: Path, host: str, init: str, expected: set[str]) -> None:
    """Under NeptuneOS, whose call applies nothing, the StartIo lock is held nominally as
    Windows would hold it (ENV-H2), so the re-take is judged there as on Windows."""
    src = counting(tmp_path, init, locked=True, template=neptune_miniport)
    rc, out, err = audit(stork, src, "--srbs", "2", "--exhaustive", "--host", host)
    assert rules(out) == expected, (err, out.get("findings"))


@pytest.mark.parametrize("copy", ["StorPortCopyMemory", "StorPortMoveMemory"])
def test_storport_s_copies_are_the_miniport_s_accesses(stork, tmp_path: Path, copy: str) -> None:
    """StorPortCopyMemory and StorPortMoveMemory write as the miniport's own memcpy would: two
    channels copying into one global race (WI-M11 at the copy); StorPortDebugPrint does
    nothing, its arguments read at the call."""
    startio = ("if (Srb->Function != SRB_FUNCTION_PNP) {\n"
               "        StorPortDebugPrint(0, \"srb %p status %d\\n\", (void *)Srb, (int)Srb->SrbStatus);\n"
               f"        {copy}(&last, &Srb, sizeof last);\n"
               "    }\n"
               "    Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
               "    StorPortNotification(RequestComplete, DeviceExtension, Srb);")
    src = miniport(tmp_path, globals="static PSCSI_REQUEST_BLOCK last;",
                   init=APPLY.replace("NCHANNELS", "2"), startio=startio)
    rc, out, err = audit(stork, src, "--srbs", "2", "--exhaustive")
    line = 1 + next(i for i, ln in enumerate(src.read_text().splitlines()) if copy in ln)
    assert {(f["rule"], f["line"]) for f in out["findings"]} == {("WI-M11", line)}, \
        (err, out.get("findings"))
