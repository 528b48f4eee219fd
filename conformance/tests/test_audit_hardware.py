"""`stork audit` of a miniport as it is: what its environment's resources do.  Memory may be
refused (ENV-E22: StorPortAllocatePool, StorPortGetUncachedExtension) and the HBA's registers
read all ones once a surprise removal took the hardware away (ENV-R14).  Each check fails on a
miniport built to break it and stays quiet on its fixed twin.  Needs the C harness built."""

from __future__ import annotations

from pathlib import Path

from test_audit_driver import audit, miniport, rules

CHECKED = ("PVOID p = NULL;\n"
           "    if (StorPortAllocatePool(DeviceExtension, 16, 0, &p) != STOR_STATUS_SUCCESS)\n"
           "        return SP_RETURN_ERROR;\n"
           "    *(ULONG *)p = 1;\n")
UNCHECKED = ("PVOID p = NULL;\n"
             "    StorPortAllocatePool(DeviceExtension, 16, 0, &p);\n"
             "    *(ULONG *)p = 1;\n")
FREE = "    StorPortFreePool(DeviceExtension, p);\n"
FOUND = "    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex; return SP_RETURN_FOUND;"


def test_a_checked_allocation_is_clean_and_an_unchecked_one_is_env_e22(stork, tmp_path: Path) -> None:
    rc, out, err = audit(stork, miniport(tmp_path, "ok", find=CHECKED + FREE + FOUND))
    assert rc == 0 and out["complete"], (err, out.get("findings"))
    # both answers explored: the refused one ends the start, so fewer steps than the template
    rc2, out2, _ = audit(stork, miniport(tmp_path, "plain"))
    assert out["schedules"] > out2["schedules"]
    rc, out, err = audit(stork, miniport(tmp_path, "bad", find=UNCHECKED + FREE + FOUND))
    assert rc == 1 and rules(out) == {"ENV-E22"}, (err, out.get("findings"))
    f = out["findings"][0]
    assert "writes through NULL" in f["message"] and "bad.c:9" in f["message"]
    assert f["line"] == 10  # the write, not the allocation


def test_the_refused_allocation_replays(stork, tmp_path: Path) -> None:
    src = miniport(tmp_path, "bad", find=UNCHECKED + FREE + FOUND)
    rc, _, _ = audit(stork, src, "--out", str(tmp_path / "out"))
    assert rc == 1
    trace = next((tmp_path / "out").glob("*ENV-E22*.trace"))
    assert "# allocation refused for lack of memory" in trace.read_text()
    r = stork("audit", str(src), "--replay", str(trace))
    assert r.returncode == 1 and "ENV-E22" in r.stdout, r.stdout + r.stderr


def test_pool_is_freed_once_by_the_release_at_dispatch_level_at_most(stork, tmp_path: Path) -> None:
    # never freed: a leak at the release
    rc, out, _ = audit(stork, miniport(tmp_path, "leak", find=CHECKED + FOUND))
    assert rc == 1 and rules(out) == {"ENV-E22"}
    assert "never freed" in out["findings"][0]["message"]
    # freed twice
    rc, out, _ = audit(stork, miniport(tmp_path, "twice", find=CHECKED + FREE + FREE + FOUND))
    assert rc == 1 and rules(out) == {"ENV-E22"}
    assert "a second time" in out["findings"][0]["message"]
    # in HwInitialize, at DIRQL: refused
    init = ("PVOID p = NULL;\n"
            "    if (StorPortAllocatePool(DeviceExtension, 16, 0, &p) == STOR_STATUS_SUCCESS)\n"
            "        StorPortFreePool(DeviceExtension, p);\n    return TRUE;")
    rc, out, _ = audit(stork, miniport(tmp_path, "dirql", init=init))
    assert rc == 1 and rules(out) == {"ENV-E22"}
    assert "called at DIRQL" in out["findings"][0]["message"]


def test_the_uncached_extension_may_be_refused_and_is_the_same_when_asked_again(
        stork, tmp_path: Path) -> None:
    find = ("PVOID u = StorPortGetUncachedExtension(DeviceExtension, ConfigInfo, 64);\n"
            "    if (!u) return SP_RETURN_ERROR;\n"
            "    STORK_ASSERT(StorPortGetUncachedExtension(DeviceExtension, ConfigInfo, 64) == u);\n"
            + FOUND)
    rc, out, err = audit(stork, miniport(tmp_path, "ok", find=find))
    assert rc == 0 and out["complete"], (err, out.get("findings"))
    find = ("ULONG *u = StorPortGetUncachedExtension(DeviceExtension, ConfigInfo, 64);\n"
            "    *u = 1;\n" + FOUND)
    rc, out, _ = audit(stork, miniport(tmp_path, "bad", find=find))
    assert rc == 1 and rules(out) == {"ENV-E22"}
    assert "StorPortGetUncachedExtension" in out["findings"][0]["message"]


# Registers: what was last written while the HBA is there, all ones (writes dropped) from the
# surprise removal's beginning; an orderly removal leaves the hardware.
REGS = """static ULONG Bar[4];
/* the surprise-removal SRB came (the remove SRB may follow it): kept in the extension, which
 * each run resets, not in a global, which runs share */
#define Gone (((struct ext *)DeviceExtension)->Worker != NULL)
static ULONG *Regs(PVOID e)
{
    STOR_PHYSICAL_ADDRESS a = {.QuadPart = 0};
    return StorPortGetDeviceBase(e, PCIBus, 0, a, sizeof Bar, FALSE);
}"""
REG_FIND = "StorPortWriteRegisterUlong(DeviceExtension, Regs(DeviceExtension), 4);\n" + FOUND
REG_START = """ULONG *r = Regs(DeviceExtension);
    ULONG v = StorPortReadRegisterUlong(DeviceExtension, r);
    if (Srb->Function == SRB_FUNCTION_PNP) {
        PSCSI_PNP_REQUEST_BLOCK p = (PSCSI_PNP_REQUEST_BLOCK)Srb;
        if (p->PnPAction == StorSurpriseRemoval) {
            STORK_ASSERT(v == 0xFFFFFFFFu);
            ((struct ext *)DeviceExtension)->Worker = DeviceExtension;
            StorPortWriteRegisterUlong(DeviceExtension, r, 7);
            STORK_ASSERT(StorPortReadRegisterUlong(DeviceExtension, r) == 0xFFFFFFFFu);
            STORK_ASSERT(StorPortReadRegisterUchar(DeviceExtension, r) == 0xFF);
        }
        WHEN_ORDERLY
    } else
        STORK_ASSERT(v == 4 || v == 0xFFFFFFFFu);
""" + "    Srb->SrbStatus = SRB_STATUS_SUCCESS;\n" \
      "    StorPortNotification(RequestComplete, DeviceExtension, Srb);"


def test_registers_read_all_ones_once_a_surprise_removal_took_the_hardware(
        stork, tmp_path: Path) -> None:
    # the remove SRB may also follow a surprise removal whose ScsiAdapterSurpriseRemoval this
    # miniport does not mark (ENV-R3): the hardware gone, no surprise SRB seen
    orderly = ("if (p->PnPAction == StorRemoveDevice) "
               "STORK_ASSERT(Gone || v == 4 || v == 0xFFFFFFFFu);")
    rc, out, err = audit(stork, miniport(tmp_path, "ok", globals=REGS, find=REG_FIND,
                                         startio=REG_START.replace("WHEN_ORDERLY", orderly)))
    assert rc == 0 and out["complete"], (err, out.get("findings"))
    # the check can fail: an orderly removal that expected the hardware gone
    wrong = "if (p->PnPAction == StorRemoveDevice) STORK_ASSERT(Gone || v == 0xFFFFFFFFu);"
    rc, out, _ = audit(stork, miniport(tmp_path, "bad", globals=REGS, find=REG_FIND,
                                       startio=REG_START.replace("WHEN_ORDERLY", wrong)))
    assert rc == 1 and rules(out) == {"STORK-ASSERT"}


def test_a_poll_of_a_gone_hba_is_a_hang_not_a_cut_run(stork) -> None:
    # miniport_registers polls its reset in ScsiStopAdapter, bounded and taking all ones as the
    # HBA gone: clean; its variant polls with no bound: after a surprise removal a WI-M9 at the
    # poll, the search complete (ScsiStopAdapter runs alone, so the loop is seen at once).
    rc, out, err = audit(stork, Path("miniport_registers"))
    assert rc == 0 and out["complete"], (err, out.get("findings"))
    rc, out, err = audit(stork, Path("miniport_registers_unbounded_reset_wait"))
    assert rc == 1 and rules(out) == {"WI-M9"}, (err, out.get("findings"))
    assert out["complete"] and out["cut_runs"] == 0
    assert all("miniport_registers.c" in f["file"] for f in out["findings"])


GONE = "# hardware gone (a surprise removal): its registers read all ones"


def _completed_before_first_notice(trace: str) -> bool:
    lines = trace.splitlines()
    if "remove begin" not in lines:
        return False
    i = lines.index("remove begin")
    j = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("# removal:")), len(lines))
    return any(" completed by " in ln for ln in lines[i + 1:j])


def test_removal_begins_a_step_before_its_first_notification(stork, tmp_path: Path) -> None:
    # ENV-R4: removal begins no later than the first notification: a step of its own before
    # it, so an SRB may complete in between (the model's traces have that), with or without
    # --early-removal, which adds only the hardware taken during the start
    src = miniport(tmp_path, "m")
    for args, rec, during in (((), "plain", False), (("--early-removal",), "early", True)):
        rc, out, err = audit(stork, src, *args, "--record", str(tmp_path / rec))
        assert rc == 0 and out["complete"], err
        traces = [t.read_text() for t in (tmp_path / rec).glob("*.trace")]
        assert any(map(_completed_before_first_notice, traces)), rec
        assert "removal begun a step before its first notification" in out["bounds"]
        assert ("and also during the start" in out["bounds"]) == during


def test_early_removal_may_take_the_hardware_during_the_start(stork, tmp_path: Path) -> None:
    # ENV-R13: a surprise removal during the start; HwInitialize then reads all ones
    init = ("ULONG v = StorPortReadRegisterUlong(DeviceExtension, Regs(DeviceExtension));\n"
            "    STORK_ASSERT(v != 0xFFFFFFFFu);\n    return TRUE;")
    src = miniport(tmp_path, "m", globals=REGS, find=REG_FIND, init=init)
    rc, out, err = audit(stork, src)
    assert rc == 0, (err, out.get("findings"))
    rc, out, err = audit(stork, src, "--early-removal")
    assert rc == 1 and rules(out) == {"STORK-ASSERT"}, (err, out.get("findings"))
    # and the removal that follows is a surprise one: the surprise SRB first, or (the control,
    # which this miniport does not mark, coming first, ENV-R3) the remove SRB alone or nothing
    rc, out, err = audit(stork, miniport(tmp_path, "ok", globals=REGS, find=REG_FIND),
                         "--early-removal", "--record", str(tmp_path / "rec"))
    assert rc == 0, err
    during = 0
    seen: set[tuple[bool, ...]] = set()
    for t in (tmp_path / "rec").glob("*.trace"):
        events = [ln for ln in t.read_text().splitlines()
                  if ln and not ln.startswith(("meta", "stork-trace", "# wrote", "# ^"))]
        if events[:2] == ["remove begin", GONE]:
            during += 1  # gone before anything was handed: during the start
            notices = [ln for ln in events if ln.startswith("# removal:")]
            seen.add(tuple("StorSurpriseRemoval" in n for n in notices))
    assert during > 0
    assert seen == {(True,), (True, False), (False,), ()}, seen
