"""`stork audit` of a miniport as it is (c-harness/check/driver.c): its DriverEntry run, the
entry points it registers driven per spec/environment.md.  Each check fails on a miniport built
to break it; bad registrations are bad input; a bound that cuts a run is incomplete, never
clean.  Needs the C harness built (ctest sets STORK_LIBEXEC_DIR)."""

from __future__ import annotations

import json
import re
import os
from pathlib import Path

import pytest

from stork import audit as audit_mod

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))

pytestmark = pytest.mark.skipif(not (LIBEXEC / "check").is_dir(), reason="C harness not built")

# A physical full-duplex miniport whose HwStartIo completes every SRB at once; each test replaces
# one of its parts.
PARTS = {
    "globals": "",
    "find": "ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex; return SP_RETURN_FOUND;",
    "init": "return TRUE;",
    "startio": "Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
               "    StorPortNotification(RequestComplete, DeviceExtension, Srb);",
    "isr": "",
    "register": "",
}

TEMPLATE = """#include <storport.h>
struct ext {{ PVOID Worker; STOR_DPC Dpc; }};
{globals}
static ULONG Find(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation, PCHAR Args,
                  PPORT_CONFIGURATION_INFORMATION ConfigInfo, PBOOLEAN Again)
{{
    (void)DeviceExtension; (void)HwContext; (void)BusInformation; (void)Args; (void)Again;
    {find}
}}
static BOOLEAN Init(PVOID DeviceExtension) {{ (void)DeviceExtension; {init} }}
static BOOLEAN StartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{{
    {startio}
    return TRUE;
}}
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{{
    HW_INITIALIZATION_DATA d;
    RtlZeroMemory(&d, sizeof d);
    d.HwInitializationDataSize = sizeof d;
    d.HwFindAdapter = Find;
    d.HwInitialize = Init;
    d.HwStartIo = StartIo;
    d.DeviceExtensionSize = sizeof(struct ext);
    {register}
    return StorPortInitialize(DriverObject, RegistryPath, &d, NULL);
}}
"""


def miniport(tmp_path: Path, name: str = "m", **parts: str) -> Path:
    path = tmp_path / f"{name}.c"
    path.write_text(TEMPLATE.format(**{**PARTS, **parts}))
    return path


def audit(stork, path: Path, *args: str) -> tuple[int, dict, str]:
    r = stork("audit", str(path), "--seed", "1", "--json", *args)
    out = json.loads(r.stdout) if r.returncode in (0, 1, 3) else {}
    return r.returncode, out, r.stderr


def rules(out: dict) -> set[str]:
    return {f["rule"] for f in out["findings"]}


def test_the_template_is_clean_and_runs_every_step(stork, tmp_path: Path) -> None:
    rc, out, err = audit(stork, miniport(tmp_path))
    assert rc == 0 and out["complete"] and out["schedules"] >= 2, err  # both removal kinds


@pytest.mark.parametrize("parts, message", [
    ({"register": "return 0;"}, "never called StorPortInitialize: it registers nothing"),
    ({"register": "d.HwInitializationDataSize = 12;"},
     "returned 0xC0000059: m.c:28: HwInitializationDataSize is not sizeof"),
    ({"register": "d.HwStartIo = NULL;"}, "lacks HwFindAdapter, HwInitialize or HwStartIo"),
    ({"globals": "const struct stork_scenario stork_scenario = {.name = \"x\", "
                 ".extension_size = 1};"}, "defines both stork_scenario and DriverEntry"),
    ({"startio": "StorPortGetPhysicalAddress(DeviceExtension, Srb, NULL, NULL);"},
     "calls StorPortGetPhysicalAddress, which stork's Storport does not model"),
    # the compile fails first, on a type the stand-in lacks too: the call is still named
    ({"startio": "LARGE_INTEGER t;\n    StorPortQuerySystemTime(&t);"},
     "calls StorPortQuerySystemTime, which stork's Storport does not model"),
    ({"startio": "StorPortNotification(NextRequest, DeviceExtension);"},
     "StorPortNotification type 1 is not modelled"),
])
def test_bad_registrations_and_unmodelled_calls_are_bad_input(stork, tmp_path: Path, parts: dict,
                                                              message: str) -> None:
    rc, _, err = audit(stork, miniport(tmp_path, **parts))
    assert rc == 2 and message in err, err


def test_srbs_is_refused_for_a_hand_made_scenario(stork) -> None:
    rc, _, err = audit(stork, ROOT / "c-harness" / "check" / "scenarios" / "rule_leak_ok.c",
                       "--srbs", "2")
    assert rc == 2 and "--srbs is for a miniport audited from its DriverEntry" in err


def test_half_duplex_startio_runs_at_dirql(stork, tmp_path: Path) -> None:
    # ENV-L4: without full duplex HwStartIo runs at DIRQL, where the work-item calls fail.
    start = ("PVOID w = NULL; StorPortInitializeWorker(DeviceExtension, &w);\n"
             "    if (w) StorPortFreeWorker(DeviceExtension, w);\n" + PARTS["startio"])
    rc, out, _ = audit(stork, miniport(tmp_path, find="return SP_RETURN_FOUND;", startio=start))
    assert rc == 1 and rules(out) == {"WI-M1"}
    rc, out, _ = audit(stork, miniport(tmp_path, "full", startio=start))
    assert rc == 0


def test_a_failed_start_leaks_what_it_allocated(stork, tmp_path: Path) -> None:
    # ENV-R12: nothing runs after a start that fails, so its worker is never freed (WI-M7).
    find = ("struct ext *e = DeviceExtension;\n"
            "    StorPortInitializeWorker(DeviceExtension, &e->Worker); return SP_RETURN_ERROR;")
    rc, out, _ = audit(stork, miniport(tmp_path, find=find))
    assert rc == 1 and rules(out) == {"WI-M7"}


def test_completing_an_srb_never_handed_is_env_q1(stork, tmp_path: Path) -> None:
    start = ("static SCSI_REQUEST_BLOCK mine; mine.SrbStatus = SRB_STATUS_SUCCESS;\n"
             "    StorPortNotification(RequestComplete, DeviceExtension, &mine);\n" + PARTS["startio"])
    rc, out, _ = audit(stork, miniport(tmp_path, startio=start))
    assert rc == 1 and rules(out) == {"ENV-Q1"}
    assert "no SRB Storport handed it" in out["findings"][0]["message"]


def test_enable_passive_initialization_outside_hwinitialize_is_env_e5(stork, tmp_path: Path) -> None:
    find = ("StorPortEnablePassiveInitialization(DeviceExtension, Init);\n    " + PARTS["find"])
    rc, out, _ = audit(stork, miniport(tmp_path, find=find, globals="static BOOLEAN Init(PVOID);"))
    assert rc == 1 and rules(out) == {"ENV-E5"}


def test_isr_lock_and_uninitialised_dpc(stork, tmp_path: Path) -> None:
    # The ISR takes the interrupt lock Storport holds (ENV-L2) and issues a DPC nobody
    # initialised (ENV-E12).
    isr = """static BOOLEAN Isr(PVOID DeviceExtension)
{
    struct ext *e = DeviceExtension;
    STOR_LOCK_HANDLE h;
    StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);
    StorPortReleaseSpinLock(DeviceExtension, &h);
    StorPortIssueDpc(DeviceExtension, &e->Dpc, NULL, NULL);
    return TRUE;
}"""
    rc, out, _ = audit(stork, miniport(tmp_path, globals=isr, register="d.HwInterrupt = Isr;"))
    assert rc == 1 and rules(out) == {"ENV-L2", "ENV-E12"}


def test_a_timer_that_rearms_itself_is_cut_never_clean(stork, tmp_path: Path) -> None:
    # A periodic HwStorTimer runs past the bound (N + 4 runs): those runs are cut, never clean.
    # Nothing cancels it, so in the runs that reach the release it is pending there (ENV-R7).
    timer = """static VOID Tick(PVOID DeviceExtension)
{
    StorPortNotification(RequestTimerCall, DeviceExtension, Tick, 1000);
}"""
    init = "StorPortNotification(RequestTimerCall, DeviceExtension, Tick, 1000); return TRUE;"
    rc, out, _ = audit(stork, miniport(tmp_path, globals=timer, init=init), "--exhaustive")
    assert rc == 1 and rules(out) == {"ENV-R7"} and out["cut_runs"] > 0, out


def test_a_finding_replays_with_its_srbs_and_is_refused_without(stork, tmp_path: Path) -> None:
    r = stork("audit", "miniport_isr_dpc_one_slot", "--srbs", "2", "--seed", "1", "--out",
              str(tmp_path))
    assert r.returncode == 1 and "ENV-Q6" in r.stdout, r.stdout + r.stderr
    trace = sorted(tmp_path.glob("*.ENV-Q6.*.trace"))[0]
    assert "meta config NTHREADS=1 SRBS=2" in trace.read_text()
    again = stork("audit", "--replay", str(trace), "--srbs", "2")
    assert again.returncode == 1 and "same run" in again.stdout, again.stdout + again.stderr
    refused = stork("audit", "--replay", str(trace))
    assert refused.returncode == 2 and "found with --srbs 2" in refused.stderr


@pytest.mark.parametrize("cancel, expected", [(False, set()), (True, {"ENV-Q6"})])
def test_a_timer_completes_what_startio_left_and_a_cancelled_one_strands_it(
        stork, tmp_path: Path, cancel: bool, expected: set[str]) -> None:
    # ENV-E13: HwStorTimer runs under the StartIo lock after the request; 0 cancels it.
    timer = """static PSCSI_REQUEST_BLOCK Pending; /* under the StartIo lock */
static VOID Tick(PVOID DeviceExtension)
{
    PSCSI_REQUEST_BLOCK s = Pending;
    Pending = NULL;
    if (s) { s->SrbStatus = SRB_STATUS_SUCCESS; StorPortNotification(RequestComplete, DeviceExtension, s); }
}"""
    start = ("if (Srb->Function == SRB_FUNCTION_PNP) { " + PARTS["startio"] + " return TRUE; }\n"
             "    Pending = Srb; StorPortNotification(RequestTimerCall, DeviceExtension, Tick, 1000);"
             + ("\n    StorPortNotification(RequestTimerCall, DeviceExtension, Tick, 0);" if cancel else ""))
    rc, out, _ = audit(stork, miniport(tmp_path, globals=timer, startio=start))
    assert rules(out) == expected and rc == (1 if expected else 0)


CONTROL = """static SCSI_ADAPTER_CONTROL_STATUS Control(PVOID DeviceExtension, SCSI_ADAPTER_CONTROL_TYPE Type,
                                           PVOID Parameters)
{
    (void)DeviceExtension;
    if (Type == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes || t == ScsiStopAdapter
                                         MARKED;
    }
    return ScsiAdapterControlSuccess;
}
"""

REMOVAL = {"# removal: the remove SRB (StorRemoveDevice) reaches the miniport": "R",
           "# removal: HwAdapterControl(ScsiAdapterSurpriseRemoval)": "C",
           "# removal: the surprise-removal SRB (StorSurpriseRemoval) reaches the miniport": "S"}


def removal_orders(record: Path) -> set[str]:
    return {"".join(REMOVAL[ln] for ln in t.read_text().splitlines() if ln in REMOVAL)
            for t in record.glob("*.trace")}


def test_every_surprise_order_reaches_the_miniport_while_its_srb_is_outstanding(
        stork, tmp_path: Path) -> None:
    # ENV-R3: the control and the surprise SRB in either order or either alone, the remove SRB
    # after or not; orderly: the remove SRB alone.  ENV-R6 a: while io1's SRB is outstanding.
    control = CONTROL.replace("MARKED", "|| t == ScsiAdapterSurpriseRemoval")
    start = ("if (Srb->Function == SRB_FUNCTION_PNP) { " + PARTS["startio"] + " return TRUE; }\n"
             "    StorPortStallExecution(1);\n    " + PARTS["startio"])
    src = miniport(tmp_path, globals=control, startio=start, register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, src, "--record", str(tmp_path / "rec"))
    assert rc == 0 and out["complete"], err
    assert removal_orders(tmp_path / "rec") == {"R", "CS", "SC", "C", "S", "CSR", "SCR", "CR", "SR"}
    overlapped = [t for t in (tmp_path / "rec").glob("*.trace")
                  if re.search(r"handed to io1\n(?:(?!completed).*\n)*# removal:", t.read_text())]
    assert overlapped, "no run has a removal notification while io1's SRB is outstanding"
    # unmarked, the control is not sent (ENV-E6): the control alone reaches nothing ('', the
    # hardware gone, ENV-R3 [POS]), with the remove SRB only that (a surprise 'R')
    src = miniport(tmp_path, name="n", globals=CONTROL.replace("MARKED", ""), startio=start,
                   register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, src, "--record", str(tmp_path / "rec2"))
    assert rc == 0, err
    kinds = {("".join(REMOVAL[ln] for ln in t.read_text().splitlines() if ln in REMOVAL),
              "# hardware gone" in t.read_text()) for t in (tmp_path / "rec2").glob("*.trace")}
    assert kinds == {("R", False), ("", True), ("R", True), ("S", True), ("SR", True)}, kinds


@pytest.mark.parametrize("keeps, expected", [(False, {"WI-M7"}), (True, set())])
def test_hwfindadapter_again_after_a_stop_must_keep_its_worker(stork, tmp_path: Path, keeps: bool,
                                                               expected: set[str]) -> None:
    # ENV-R11: no ScsiRestartAdapter marked, so the restart is HwFindAdapter again (at
    # DISPATCH_LEVEL); ENV-E3: a re-run that initialises the worker again loses the first.
    find = ("struct ext *e = DeviceExtension;\n    "
            + ("if (!e->Worker) " if keeps else "")
            + "StorPortInitializeWorker(DeviceExtension, &e->Worker);\n    " + PARTS["find"])
    find = find.replace("(void)DeviceExtension;", "")
    free = ("{\n        struct ext *e = DeviceExtension;\n"
            "        if (e->Worker) { StorPortFreeWorker(DeviceExtension, e->Worker); e->Worker = NULL; }\n"
            "    }\n")
    start = "if (Srb->Function == SRB_FUNCTION_PNP) " + free + "    " + PARTS["startio"]
    # ScsiAdapterSurpriseRemoval marked, and the worker freed there too: the surprise removal
    # whose only notification is that control (ENV-R3) reaches it (unmarked, nothing would)
    control = CONTROL.replace("MARKED", "|| t == ScsiAdapterSurpriseRemoval").replace(
        "    return ScsiAdapterControlSuccess;",
        "    if (Type == ScsiAdapterSurpriseRemoval) " + free + "    return ScsiAdapterControlSuccess;")
    src = miniport(tmp_path, globals=control, find=find, startio=start,
                   register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, src)
    assert rc == 0 and out["complete"], err  # no stop without --stop-restart
    unmarked = miniport(tmp_path, "u", globals=CONTROL.replace("MARKED", ""), find=find,
                        startio=start, register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, unmarked)
    assert rc == 1 and rules(out) == {"WI-M7"}, err
    rc, out, err = audit(stork, src, "--stop-restart", "--record", str(tmp_path / "rec"))
    assert rules(out) == expected and rc == (1 if expected else 0), err
    assert any("# adapter restarting: HwFindAdapter again (no ScsiRestartAdapter)" in
               t.read_text() for t in (tmp_path / "rec").glob("*.trace"))


def test_a_stop_restart_finding_replays_only_with_stop_restart(stork, tmp_path: Path) -> None:
    find = ("struct ext *e = DeviceExtension;\n    StorPortInitializeWorker(DeviceExtension, "
            "&e->Worker);\n    " + PARTS["find"])
    src = miniport(tmp_path, globals=CONTROL.replace("MARKED", ""), find=find,
                   register="d.HwAdapterControl = Control;")
    r = stork("audit", str(src), "--stop-restart", "--seed", "1", "--out", str(tmp_path / "out"))
    assert r.returncode == 1 and "WI-M7" in r.stdout, r.stdout + r.stderr
    trace = sorted((tmp_path / "out").glob("*.WI-M7.*.trace"))[0]
    assert "SRBS=1 STOP_RESTART=1" in trace.read_text()
    again = stork("audit", "--replay", str(trace), "--stop-restart")
    assert again.returncode == 1 and "same run" in again.stdout, again.stdout + again.stderr
    refused = stork("audit", "--replay", str(trace))
    assert refused.returncode == 2 and "found with --stop-restart" in refused.stderr


XTIMER = """static PSCSI_REQUEST_BLOCK Pending; /* the timer callback's */
static PVOID Timer;
static VOID Expired(PVOID DeviceExtension, PVOID Context)
{
    PSCSI_REQUEST_BLOCK s = Context;
    Pending = NULL;
    s->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, s);
}
"""
XFIND = ("if (StorPortInitializeTimer(DeviceExtension, &Timer) != STOR_STATUS_SUCCESS) "
         "return SP_RETURN_ERROR;\n    " + PARTS["find"])
XSTOP = """static SCSI_ADAPTER_CONTROL_STATUS Control(PVOID DeviceExtension, SCSI_ADAPTER_CONTROL_TYPE Type,
                                           PVOID Parameters)
{
    if (Type == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes || t == ScsiStopAdapter;
    } else if (Type == ScsiStopAdapter) {
        STOP
    }
    return ScsiAdapterControlSuccess;
}
"""
XSTART = ("if (Srb->Function == SRB_FUNCTION_PNP) { " + PARTS["startio"] + " return TRUE; }\n"
          "    StorPortRequestTimer(DeviceExtension, Timer, Expired, Srb, 1000, 0);")
FREE = "StorPortFreeTimer(DeviceExtension, Timer);"


@pytest.mark.parametrize("stop, start, args, expected", [
    # ENV-E14: one callback per SUCCESS request, at DISPATCH_LEVEL; freed at the stop, when
    # every SRB is completed (ENV-R5)
    (FREE, XSTART, (), set()),
    # 0 cancels: the SRB the callback was to complete is stranded (ENV-Q6)
    (FREE, XSTART + "\n    StorPortRequestTimer(DeviceExtension, Timer, Expired, Srb, 0, 0);", (),
     {"ENV-Q6"}),
    # a second request while one is pending is BUSY: ignored, the second SRB is stranded
    (FREE, XSTART, ("--srbs", "2"), {"ENV-Q6"}),
    # requested at the stop and never freed: the callback runs after the adapter's release
    ("StorPortRequestTimer(DeviceExtension, Timer, Expired, NULL, 1000, 0);", XSTART, (),
     {"ENV-R7"}),
    # used after its free: ENV-E14
    (FREE + " StorPortRequestTimer(DeviceExtension, Timer, Expired, NULL, 1000, 0);", XSTART, (),
     {"ENV-E14"}),
])
def test_the_storportinitializetimer_timer(stork, tmp_path: Path, stop: str, start: str,
                                           args: tuple[str, ...], expected: set[str]) -> None:
    globals_ = XTIMER.replace("PSCSI_REQUEST_BLOCK s = Context;",
                              "PSCSI_REQUEST_BLOCK s = Context;\n    if (!s) return;")
    globals_ += XSTOP.replace("STOP", stop)
    src = miniport(tmp_path, globals=globals_, find=XFIND, startio=start,
                   register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, src, *args)
    assert rules(out) == expected and rc == (1 if expected else 0), (err, out.get("findings"))


def test_the_timer_calls_are_refused_at_dirql(stork, tmp_path: Path) -> None:
    init = "PVOID t; StorPortInitializeTimer(DeviceExtension, &t); return TRUE;"  # HwInitialize
    rc, out, err = audit(stork, miniport(tmp_path, init=init))
    assert rules(out) == {"ENV-E14"} and rc == 1, err
    assert "called at DIRQL" in out["findings"][0]["message"]


# A DPC that completes the SRB HwStartIo held (and does AFTER), initialised in the passive
# routine; HwStartIo holds each SRB and issues the DPC.
HELD_DPC = """static PSCSI_REQUEST_BLOCK Held;
static VOID Done(PSTOR_DPC Dpc, PVOID DeviceExtension, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)A1; (void)A2;
    PSCSI_REQUEST_BLOCK s = Held;
    Held = NULL;
    if (s) { s->SrbStatus = SRB_STATUS_SUCCESS; StorPortNotification(RequestComplete, DeviceExtension, s); }
    AFTER
}
static BOOLEAN Passive(PVOID DeviceExtension)
{
    struct ext *e = DeviceExtension;
    StorPortInitializeDpc(DeviceExtension, &e->Dpc, Done);
    return TRUE;
}
"""
HELD_INIT = "return StorPortEnablePassiveInitialization(DeviceExtension, Passive);"
HELD_START = ("if (Srb->Function == SRB_FUNCTION_PNP) { " + PARTS["startio"] + " return TRUE; }\n"
              "    struct ext *e = DeviceExtension;\n    Held = Srb;\n"
              "    StorPortIssueDpc(DeviceExtension, &e->Dpc, NULL, NULL);")


@pytest.mark.parametrize("cancel, expected", [(False, set()), (True, {"ENV-Q6"})])
def test_a_cancelled_dpc_does_not_run(stork, tmp_path: Path, cancel: bool,
                                      expected: set[str]) -> None:
    # ENV-E12: StorPortCancelDpc removes a queued DPC (TRUE) and the SRB it was to complete stays
    # outstanding; FALSE when it runs or ran, with no wait.
    dpc = HELD_DPC.replace("    AFTER\n", "")
    start = (HELD_START
             + ("\n    BOOLEAN taken = 2;"   # the WDK's signature: a STOR_STATUS, the answer in *taken
                "\n    STORK_ASSERT(StorPortCancelDpc(DeviceExtension, &e->Dpc, NULL) == STOR_STATUS_INVALID_PARAMETER);"
                "\n    STORK_ASSERT(StorPortCancelDpc(DeviceExtension, &e->Dpc, &taken) == STOR_STATUS_SUCCESS);"
                "\n    STORK_ASSERT(taken == TRUE || taken == FALSE);" if cancel else ""))
    rc, out, err = audit(stork, miniport(tmp_path, globals=dpc, init=HELD_INIT, startio=start))
    assert rules(out) == expected and rc == (1 if expected else 0), err


@pytest.mark.parametrize("user, rule", [("Done", "ENV-R7"), ("Restart", "WI-M8")])
def test_a_dpc_using_released_resources_breaks_env_r7(stork, tmp_path: Path, user: str,
                                                       rule: str) -> None:
    # A STORK_USE_RESOURCES after ScsiStopAdapter's STORK_RELEASE_RESOURCES: from a DPC's
    # routine it is ENV-R7, as model/contract.pml's mon_use_resources names it for CTX_DPC;
    # from any other routine (here HwAdapterControl's ScsiRestartAdapter, --stop-restart), WI-M8.
    done, restart = ("STORK_USE_RESOURCES();", "") if user == "Done" else ("", "STORK_USE_RESOURCES();")
    dpc = HELD_DPC.replace("AFTER", done) + """static SCSI_ADAPTER_CONTROL_STATUS Control(PVOID DeviceExtension, SCSI_ADAPTER_CONTROL_TYPE T, PVOID P)
{
    (void)DeviceExtension;
    if (T == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST l = P;
        for (ULONG t = 0; t < l->MaxControlType; t++)
            l->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes || t == ScsiStopAdapter
                                      || t == ScsiRestartAdapter;
    } else if (T == ScsiStopAdapter)
        STORK_RELEASE_RESOURCES();
    else if (T == ScsiRestartAdapter) {
        RESTART
    }
    return ScsiAdapterControlSuccess;
}
""".replace("RESTART", restart)
    path = miniport(tmp_path, globals=dpc, init=HELD_INIT, startio=HELD_START,
                    register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, path, "--stop-restart")
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "STORK_USE_RESOURCES" in ln)
    assert rc == 1, err
    at = {f["rule"] for f in out["findings"] if f["line"] == line}
    assert at == {rule}, out["findings"]


@pytest.mark.parametrize("after, expected", [
    ("if (Srb->SrbStatus == SRB_STATUS_SUCCESS) ((struct ext *)DeviceExtension)->Worker = NULL; "
     "/* the use */", "reads srb1 (io1's) (+0x"),
    ("*kept = 0; /* the use */", "writes srb1 (io1's) (its SRB extension, +0x0)"),
    ("(void)kept;", None),
])
def test_an_srb_used_after_its_completion_is_env_q2_at_the_access(stork, tmp_path: Path,
                                                                    after: str,
                                                                    expected: str | None) -> None:
    # ENV-Q2: after RequestComplete the SRB and its extension are Storport's. A read of it, or a
    # write of its extension, changes none of the SRB's bytes, which was all the check saw
    # before it saw the accesses: each is now found at its line.
    start = "ULONG *kept = Srb->SrbExtension;\n    " + PARTS["startio"] + "\n    " + after
    path = miniport(tmp_path, startio=start, register="d.SrbExtensionSize = sizeof(ULONG);")
    rc, out, err = audit(stork, path)
    if expected is None:
        assert rc == 0 and not out["findings"], (err, out.get("findings"))
        return
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "the use" in ln)
    assert rc == 1 and rules(out) == {"ENV-Q2"}, out["findings"]
    f = out["findings"][0]
    assert f["line"] == line and f["why"] == "used after its completion", f
    assert f"HwStartIo {expected}" in f["message"], f["message"]


def test_an_srb_read_after_the_dpc_that_completes_it_was_issued_is_env_q2(stork,
                                                                          tmp_path: Path) -> None:
    # HwStartIo issues the DPC that completes its SRB, then reads a field of the SRB that the
    # DPC does not write: no race, but the completion may come before the read (ENV-Q2).  Only
    # a point before the read lets it: the default points have one before a read of an SRB
    # (race.c driver_may_give_back); without it this was clean, with --preempt-at-accesses not.
    start = HELD_START + "\n    volatile ULONG n = Srb->DataTransferLength; /* the use */ (void)n;"
    path = miniport(tmp_path, globals=HELD_DPC.replace("    AFTER\n", ""), init=HELD_INIT,
                    startio=start)
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "the use" in ln)
    for points in ([], ["--preempt-at-accesses"]):
        rc, out, err = audit(stork, path, "--exhaustive", *points)
        assert rc == 1 and out["complete"], (points, err)
        assert {(f["rule"], f["line"]) for f in out["findings"]} == {("ENV-Q2", line)}, out["findings"]


POOL_FIND = ("if (StorPortAllocatePool(DeviceExtension, sizeof(ULONG), 0, (PVOID *)&Count) != "
             "STOR_STATUS_SUCCESS) return SP_RETURN_ERROR;\n    " + PARTS["find"])
POOL_CONTROL = """static SCSI_ADAPTER_CONTROL_STATUS Control(PVOID DeviceExtension, SCSI_ADAPTER_CONTROL_TYPE T, PVOID P)
{
    if (T == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST l = P;
        for (ULONG t = 0; t < l->MaxControlType; t++)
            l->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes || t == ScsiStopAdapter;
    } else if (T == ScsiStopAdapter)
        StorPortFreePool(DeviceExtension, Count);
    return ScsiAdapterControlSuccess;
}
"""


@pytest.mark.parametrize("counted_after_completion, use", [
    (False, "(*Count)++;"), (True, "(*Count)++;"),
    # a read only, then a global's write: found only with the point before a read of a pool
    # block (race.c), which the default points had not (clean before it)
    (True, "if (*Count == 7) Held = NULL;"),
])
def test_a_dpc_using_a_pool_block_the_stop_freed_breaks_env_e22(stork, tmp_path: Path,
                                                                 counted_after_completion: bool,
                                                                 use: str) -> None:
    # ENV-E22: the stop at removal waits for the SRBs, not for a DPC's run (M2), so a DPC that
    # counts in a pool block after completing its SRB may count in it after ScsiStopAdapter
    # freed it; counted before the completion, the count comes before the stop.
    count = use + " /* the pool block */"
    dpc = "static ULONG *Count;\n" + HELD_DPC
    if counted_after_completion:
        dpc = dpc.replace("AFTER", count)
    else:
        dpc = dpc.replace("    PSCSI_REQUEST_BLOCK s = Held;", "    " + count + "\n    PSCSI_REQUEST_BLOCK s = Held;").replace("    AFTER\n", "")
    path = miniport(tmp_path, globals=dpc + POOL_CONTROL, find=POOL_FIND, init=HELD_INIT,
                    startio=HELD_START, register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, path, "--exhaustive")
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "the pool block" in ln)
    at = {(f["rule"], f.get("why", "")) for f in out["findings"] if f["line"] == line}
    if counted_after_completion:
        assert rc == 1 and out["complete"], err
        assert at == {("ENV-E22", "used after its free")}, out["findings"]
        verb = "writes" if "++" in use else "reads"
        assert f"{verb} the pool block" in next(f["message"] for f in out["findings"]
                                                if f["line"] == line)
    else:
        assert rc == 0 and out["complete"] and not out["findings"], (err, out["findings"])


VIRTUAL = """#include <storport.h>
static PVOID Held; /* the service IRP, until completed */
static ULONG Find(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation, PVOID Lower,
                  PCHAR Args, PPORT_CONFIGURATION_INFORMATION ConfigInfo, PBOOLEAN Again)
{
    (void)DeviceExtension; (void)HwContext; (void)BusInformation; (void)Lower; (void)Args;
    (void)Again;
    ConfigInfo->VirtualDevice = TRUE;
    return SP_RETURN_FOUND;
}
static BOOLEAN Init(PVOID DeviceExtension) { (void)DeviceExtension; return TRUE; }
static BOOLEAN StartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    Srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
}
static VOID Service(PVOID DeviceExtension, PVOID Irp) { (void)DeviceExtension; PROCESS }
static VOID CompleteService(PVOID DeviceExtension) { COMPLETE }
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    VIRTUAL_HW_INITIALIZATION_DATA d;
    RtlZeroMemory(&d, sizeof d);
    d.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
    d.HwFindAdapter = Find;
    d.HwInitialize = Init;
    d.HwStartIo = StartIo;
    d.HwProcessServiceRequest = Service;
    d.HwCompleteServiceIrp = CompleteService;
    d.FeatureSupport = STOR_FEATURE_VIRTUAL_MINIPORT;
    return StorPortInitialize(DriverObject, RegistryPath, (PHW_INITIALIZATION_DATA)&d, NULL);
}
"""
KEEP = "Held = Irp;"
COMPLETE_HELD = "if (Held) { PVOID irp = Held; Held = NULL; StorPortCompleteServiceIrp(DeviceExtension, irp); }"


@pytest.mark.parametrize("process, complete, expected", [
    (KEEP, COMPLETE_HELD, set()),                 # kept, completed at removal (ENV-E19)
    (KEEP, "(void)DeviceExtension;", {"ENV-E19"}),  # never completed
    (KEEP + " StorPortCompleteServiceIrp(DeviceExtension, Irp);", COMPLETE_HELD, {"ENV-E19"}),  # twice
])
def test_a_virtual_miniports_service_irp_is_completed_once(stork, tmp_path: Path, process: str,
                                                           complete: str, expected: set[str]) -> None:
    src = tmp_path / "v.c"
    src.write_text(VIRTUAL.replace("PROCESS", process).replace("{ COMPLETE }", "{ " + complete + " }"))
    rc, out, err = audit(stork, src)
    assert rules(out) == expected and rc == (1 if expected else 0), (err, out.get("findings"))


RESTARTS = """static SCSI_ADAPTER_CONTROL_STATUS Control(PVOID DeviceExtension, SCSI_ADAPTER_CONTROL_TYPE Type,
                                           PVOID Parameters)
{
    struct ext *e = DeviceExtension; /* Worker counts the restarts: the extension is per run */
    if (Type == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter || t == ScsiRestartAdapter;
    } else if (Type == ScsiRestartAdapter) {
        e->Worker = (PVOID)((uintptr_t)e->Worker + 1);
        STORK_ASSERT((uintptr_t)e->Worker < LIMIT);
    }
    return ScsiAdapterControlSuccess;
}
"""


@pytest.mark.parametrize("args, limit, expected", [
    ((), 1, set()),                          # no stop without --stop-restart
    (("--stop-restart",), 2, set()),         # one stop and restart, never a second
    (("--stop-restart",), 1, {"STORK-ASSERT"}),
    (("--stops", "2"), 2, {"STORK-ASSERT"}),  # a second stop and restart in one adapter life
    (("--stops", "2"), 3, set()),
])
def test_stops_bounds_the_stops_and_restarts_in_one_adapter_life(
        stork, tmp_path: Path, args: tuple[str, ...], limit: int, expected: set[str]) -> None:
    src = miniport(tmp_path, globals=RESTARTS.replace("LIMIT", str(limit)),
                   register="d.HwAdapterControl = Control;")
    rc, out, err = audit(stork, src, *args)
    assert rules(out) == expected and rc == (1 if expected else 0), (err, out.get("findings"))
    stops = 0 if not args else 1 if args == ("--stop-restart",) else int(args[1])
    assert f"at most {stops} stop(s) and restart(s)" in out["bounds"]


# HwStartIo completes only the first SRB of the adapter life, counted in a global.
FIRST_ONLY = dict(
    globals="static int received;",
    startio="if (Srb->Function == SRB_FUNCTION_PNP || received++ == 0) {\n"
            "        Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
            "        StorPortNotification(RequestComplete, DeviceExtension, Srb);\n"
            "    }")


def test_a_miniport_s_globals_begin_every_run_as_driverentry_left_them(stork, tmp_path: Path) -> None:
    """Each run is one adapter life after the one DriverEntry (ENV-E1).  A global counted in the
    first run carried into the next: with one SRB, every run but the first stranded it (a false
    ENV-Q6), and a trace's run was not the one its replay makes in a fresh process."""
    src = miniport(tmp_path, **FIRST_ONLY)
    rc, out, err = audit(stork, src, "--exhaustive")
    assert rc == 0 and out["complete"] and not out["findings"], (err, out.get("findings"))
    rc, out, err = audit(stork, src, "--exhaustive", "--srbs", "2", "--out", str(tmp_path / "t"))
    assert rules(out) == {"ENV-Q6"}, (err, out.get("findings"))
    for trace in sorted((tmp_path / "t").glob("*.trace")):
        again = stork("audit", "--replay", str(trace), "--srbs", "2")
        assert again.returncode == 1 and "same run" in again.stdout, again.stdout + again.stderr


def test_the_globals_are_put_back_as_driverentry_left_them_not_as_compiled(
        stork, tmp_path: Path) -> None:
    src = miniport(tmp_path, globals="static int mode; static int *at = &mode;",
                   startio="if (Srb->Function != SRB_FUNCTION_PNP) {\n"
                           "        STORK_ASSERT(*at == 7);\n        mode = 0;\n    }\n"
                           "    Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
                           "    StorPortNotification(RequestComplete, DeviceExtension, Srb);",
                   register="mode = 7;")
    rc, out, err = audit(stork, src, "--exhaustive", "--srbs", "1")
    assert rc == 0 and not out["findings"], (err, out.get("findings"))


def test_a_global_in_a_section_of_its_own_is_said_not_to_be_put_back(stork, tmp_path: Path) -> None:
    src = miniport(tmp_path, globals='__attribute__((section("mine"))) int kept = 1;',
                   init="(void)DeviceExtension; return kept == 1;")
    rc, out, err = audit(stork, src, "--exhaustive")
    assert rc == 0, err
    assert "the globals in section(s) mine keep their values from one run to the next" in err, err


def test_a_final_state_names_a_global_pointer_by_what_it_points_to(tmp_path: Path) -> None:
    """Two processes (two address layouts) give the same final states: a global that points to
    another is taken by its offset among the globals, and a routine's address kept in the
    extension by its offset in the program, not by their addresses."""
    src = miniport(tmp_path, globals="static int slots[2]; int *last;",
                   startio="last = &slots[Srb->Function == SRB_FUNCTION_PNP];\n    (*last)++;\n"
                           "    *(PVOID *)DeviceExtension = (PVOID)StartIo;\n"
                           "    Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
                           "    StorPortNotification(RequestComplete, DeviceExtension, Srb);")
    program = audit_mod.build(src)
    try:
        states = []
        for _ in range(2):
            _, doc = audit_mod.run_json(program.path, ["--exhaustive", "--final-states"])
            states.append(sorted(doc["final_states"]))
        assert states[0] == states[1] and len(states[0]) >= 1
    finally:
        program.close()


def test_the_bounds_line_is_whole_at_its_longest(stork) -> None:
    """Every option that lengthens the bounds line at once: the line still ends with its last
    clause (it was cut at 400 bytes, dropping what the run covered of WI-I4)."""
    reset = ROOT / "c-harness" / "check" / "scenarios" / "miniport_reset.c"
    rc, out, err = audit(stork, reset, "--reset-bus", "--early-removal", "--stops", "3",
                         "--srbs", "6", "--ioctls", "2", "--max-schedules", "1")
    assert rc in (1, 3), err
    assert out["bounds"].endswith("of pool (ENV-E22) and of a worker (WI-I4)"), out["bounds"]
    assert "one bus reset while a request is outstanding" in out["bounds"]


STOP_ONLY = CONTROL.replace("MARKED", "")  # stop and nothing else: a restart by HwFindAdapter


def test_no_srb_is_handed_after_a_restart_that_failed(stork, tmp_path: Path) -> None:
    """A stop whose restart (HwFindAdapter again, ENV-R11) fails ends the adapter's life: nothing
    more runs (ENV-R12), an SRB held across the stop included.  It was handed all the same, to a
    miniport whose start had failed (miniport_pool then read its freed table through NULL)."""
    src = miniport(tmp_path, globals=STOP_ONLY, register="d.HwAdapterControl = Control;",
                   find="struct ext *e = DeviceExtension;\n"
                        "    e->Worker = (PVOID)((uintptr_t)e->Worker + 1); /* the finds */\n"
                        "    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;\n"
                        "    return (uintptr_t)e->Worker == 1 ? SP_RETURN_FOUND : SP_RETURN_ERROR;",
                   startio="STORK_ASSERT((uintptr_t)((struct ext *)DeviceExtension)->Worker == 1);\n"
                           "    Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
                           "    StorPortNotification(RequestComplete, DeviceExtension, Srb);")
    rc, out, err = audit(stork, src, "--stop-restart", "--exhaustive")
    assert rc == 0 and out["complete"] and not out["findings"], (err, out.get("findings"))


def test_a_stop_waiting_for_ever_for_an_srb_is_env_q6_not_a_livelock(stork, tmp_path: Path) -> None:
    """A stop waits for the SRBs as removal does (ENV-R5): one never completed makes it wait for
    ever, which is the SRB's ENV-Q6, as at removal, not a WI-M9 at Storport's own wait."""
    src = miniport(tmp_path, globals=RESTARTS.replace("LIMIT", "9"),
                   register="d.HwAdapterControl = Control;",
                   startio="if (Srb->Function == SRB_FUNCTION_PNP) {\n"
                           "        Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
                           "        StorPortNotification(RequestComplete, DeviceExtension, Srb);\n"
                           "    }")
    rc, out, err = audit(stork, src, "--stop-restart", "--exhaustive")
    # one finding, the SRB's, shown first by a run with no stop (removal waits for it); the
    # runs with the stop no longer add a WI-M9 at "(storport: the stop waits for the SRBs)"
    assert rc == 1 and rules(out) == {"ENV-Q6"}, (err, out.get("findings"))


def test_a_second_stop_finding_replays_only_with_its_stops(stork, tmp_path: Path) -> None:
    src = miniport(tmp_path, globals=RESTARTS.replace("LIMIT", "2"),
                   register="d.HwAdapterControl = Control;")
    r = stork("audit", str(src), "--stops", "2", "--seed", "1", "--out", str(tmp_path / "out"))
    assert r.returncode == 1 and "bounds: 1 SRB(s)" in r.stdout, r.stdout + r.stderr
    trace = sorted((tmp_path / "out").glob("*.trace"))[0]
    assert "SRBS=1 STOP_RESTART=2" in trace.read_text()
    again = stork("audit", "--replay", str(trace), "--stops", "2")
    assert again.returncode == 1, again.stdout + again.stderr
    refused = stork("audit", "--replay", str(trace), "--stop-restart")
    assert refused.returncode == 2 and "found with --stops 2" in refused.stderr
