"""`stork audit --reset-bus`: a request HwStartIo received times out while outstanding and
Storport calls HwResetBus under the StartIo lock (spec/environment.md ENV-E17), which must
complete what is outstanding (ENV-Q10).  Each check fails on a miniport built to break it.
Needs the C harness built."""

from __future__ import annotations

from pathlib import Path

from test_audit_driver import CONTROL, audit, miniport, rules

# HwStartIo holds the SRB (the HBA never answers) in the extension's Worker field; the remove
# and surprise SRBs fail it and mark removal (in the STOR_DPC's first word, unused here), after
# which SRBs are failed at once.
HOLD = """struct ext *e = DeviceExtension;
    PVOID *removed = (PVOID *)(void *)&e->Dpc;
    if (Srb->Function == SRB_FUNCTION_PNP || *removed) {
        PSCSI_REQUEST_BLOCK h = e->Worker;
        if (Srb->Function == SRB_FUNCTION_PNP) *removed = Srb;
        e->Worker = NULL;
        if (h) { h->SrbStatus = SRB_STATUS_NO_DEVICE;
                 StorPortNotification(RequestComplete, DeviceExtension, h); }
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    e->Worker = Srb;"""
RESET = """static BOOLEAN Reset(PVOID DeviceExtension, ULONG PathId)
{
    struct ext *e = DeviceExtension;
    PSCSI_REQUEST_BLOCK h = e->Worker;
    (void)PathId;
    COMPLETE
    return TRUE;
}"""
# ScsiAdapterSurpriseRemoval marked and handled as the SRBs are, under the StartIo lock they
# hold and completing within it (no reset between forgetting and completing): unmarked, the
# surprise removal whose only notification is that control reaches nothing (ENV-R3), and the
# held SRB would wait for the reset alone (the shipped miniport_reset_leaves_srb's ENV-Q6).
CONTROL = CONTROL.replace("MARKED", "|| t == ScsiAdapterSurpriseRemoval").replace(
    "    return ScsiAdapterControlSuccess;", """    if (Type == ScsiAdapterSurpriseRemoval) {
        struct ext *e = DeviceExtension;
        STOR_LOCK_HANDLE l;
        StorPortAcquireSpinLock(DeviceExtension, StartIoLock, NULL, &l);
        PSCSI_REQUEST_BLOCK h = e->Worker;
        e->Worker = NULL;
        *(PVOID *)(void *)&e->Dpc = e;
        if (h) { h->SrbStatus = SRB_STATUS_NO_DEVICE;
                 StorPortNotification(RequestComplete, DeviceExtension, h); }
        StorPortReleaseSpinLock(DeviceExtension, &l);
    }
    return ScsiAdapterControlSuccess;""")
DONE = """if (h) {
        e->Worker = NULL; h->SrbStatus = SRB_STATUS_BUS_RESET;
        StorPortNotification(RequestComplete, DeviceExtension, h); }"""


def src(tmp_path: Path, name: str, complete: str) -> Path:
    return miniport(tmp_path, name, globals=CONTROL + RESET.replace("COMPLETE", complete),
                    startio=HOLD, register="d.HwResetBus = Reset; d.HwAdapterControl = Control;")


def test_hwresetbus_must_complete_what_is_outstanding(stork, tmp_path: Path) -> None:
    rc, out, err = audit(stork, src(tmp_path, "ok", DONE), "--reset-bus")
    assert rc == 0 and out["complete"], (err, out.get("findings"))
    rc, out, err = audit(stork, src(tmp_path, "bad", "(void)h;"), "--reset-bus")
    assert rc == 1 and rules(out) == {"ENV-Q10"}, (err, out.get("findings"))
    assert "still outstanding when it returns" in out["findings"][0]["message"]
    # without --reset-bus Storport never calls it: the same miniport is clean
    rc, out, _ = audit(stork, src(tmp_path, "bad", "(void)h;"))
    assert rc == 0


def test_hwresetbus_runs_under_the_startio_lock_at_dispatch_level(stork, tmp_path: Path) -> None:
    # taking the StartIo lock Storport holds around it is ENV-L2, and the work-item calls run
    # at DISPATCH_LEVEL there (an init and free are allowed)
    take = (DONE + "\n    STOR_LOCK_HANDLE l;\n"
            "    StorPortAcquireSpinLock(DeviceExtension, StartIoLock, NULL, &l);\n"
            "    StorPortReleaseSpinLock(DeviceExtension, &l);")
    rc, out, err = audit(stork, src(tmp_path, "lock", take), "--reset-bus")
    assert rc == 1 and rules(out) == {"ENV-L2"}, (err, out.get("findings"))
    assert "already holds" in out["findings"][0]["message"]


def test_a_reset_bus_trace_replays_only_with_reset_bus(stork, tmp_path: Path) -> None:
    path = src(tmp_path, "bad", "(void)h;")
    rc, _, _ = audit(stork, path, "--reset-bus", "--out", str(tmp_path / "out"))
    assert rc == 1
    trace = next((tmp_path / "out").glob("*ENV-Q10*.trace"))
    text = trace.read_text()
    assert "RESET_BUS=1" in text and "# bus reset: a request timed out, HwResetBus" in text
    r = stork("audit", str(path), "--reset-bus", "--replay", str(trace))
    assert r.returncode == 1 and "ENV-Q10" in r.stdout, r.stdout + r.stderr
    r = stork("audit", str(path), "--replay", str(trace))
    assert r.returncode == 2 and "--reset-bus" in r.stderr, r.stderr


def test_reset_bus_is_refused_for_a_hand_made_scenario(stork) -> None:
    root = Path(__file__).resolve().parents[2]
    rc, _, err = audit(stork, root / "c-harness" / "check" / "scenarios" / "rule_leak_ok.c",
                       "--reset-bus")
    assert rc == 2 and "--reset-bus is for a miniport audited from its DriverEntry" in err
