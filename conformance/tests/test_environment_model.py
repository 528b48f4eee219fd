"""The environment the model runs (spec/environment.md): removal kinds and the stop (M2), DPC
objects, the timer and the ISR (M8), the HwStartIo role and its lock (M1, M6). Each defect
is found on the path only the new exploration reaches, and the fixed designs hold on all of
them."""

from __future__ import annotations

import pytest

from conftest import ROOT
from stork.verify import verify

DESIGNS = ROOT / "model" / "designs"


def _trace(design: str, defines: list[str], prop: str) -> str:
    result = verify(DESIGNS / design, defines)
    assert result.verdict_of(prop) == "VIOLATED", [(r.prop.name, r.verdict) for r in result.results]
    return next(r.trace_text for r in result.results if r.prop.name == prop)


def _events(trace: str) -> list[str]:
    return [line.strip() for line in trace.splitlines() if line.strip() and not line.startswith("meta")]


def test_both_surprise_notifications_complete_a_held_request_twice() -> None:
    lines = _events(_trace("surprise_fails_held_requests.pml", ["DEFECT_FAIL_TWICE=1"],
                           "requests_complete"))
    control = next(i for i, l in enumerate(lines) if "ScsiAdapterSurpriseRemoval" in l)
    srb = next(i for i, l in enumerate(lines) if "StorSurpriseRemoval" in l)
    completions = [i for i, l in enumerate(lines) if "completed by" in l]
    assert len(completions) == 2 and min(control, srb) < completions[0] < max(control, srb) < completions[1]


def test_a_surprise_announced_by_the_srb_alone_strands_the_request() -> None:
    lines = _events(_trace("surprise_fails_held_requests.pml", ["DEFECT_CONTROL_ONLY=1"],
                           "requests_complete"))
    assert any("StorSurpriseRemoval" in l for l in lines)
    assert not any("ScsiAdapterSurpriseRemoval" in l for l in lines)
    assert any("never completed" in l for l in lines)


def test_a_stop_that_is_not_a_removal_is_explored() -> None:
    lines = _events(_trace("stop_restart_checks_running.pml", ["DEFECT_STOP_MEANS_REMOVAL=1"],
                           "hba_running"))
    stop = next(i for i, l in enumerate(lines) if "adapter stopped" in l)
    assert not any("remove begin" in l for l in lines[:stop]), "the stop must come before removal"
    after = [l for l in lines[stop + 1:] if not l.startswith("# design:")]
    assert "touches the HBA while the adapter is stopped" in after[0]


def test_the_fixed_designs_hold_on_every_removal_kind() -> None:
    for design in ("surprise_fails_held_requests.pml", "stop_restart_checks_running.pml",
                   "dpc_outlives_removal.pml", "startio_hands_request_to_worker.pml",
                   "timer_outlives_removal.pml", "restart_by_find_adapter.pml",
                   "isr_outlives_release.pml", "status_misread_on_reactos.pml",
                   "passive_init_publishes_dpc.pml", "dpc_takes_locks_in_order.pml",
                   "buildio_prepares_per_request.pml", "stor_timer_stopped_under_startio_lock.pml",
                   "ioctl_close_drains_startio.pml", "running_config_before_restart.pml"):
        result = verify(DESIGNS / design, [])
        assert {r.verdict for r in result.results} == {"holds"}, design
        assert not result.warnings, result.warnings



def test_a_dpc_the_remove_handler_does_not_drain_outlives_it() -> None:
    lines = _events(_trace("dpc_outlives_removal.pml", ["DEFECT_NO_DPC_DRAIN=1"],
                           "no_callback_after_removal"))
    runs = next(i for i, l in enumerate(lines) if "dpc object 1 runs" in l)
    end = next(i for i, l in enumerate(lines) if l.endswith("remove end"))
    assert runs < end and "still queued or running" in lines[end + 1]


def test_the_startio_lock_is_what_makes_the_physical_design_hold() -> None:
    # the same code, virtual: no StartIo lock, two HwStartIo at once (ENV-E9)
    lines = _events(_trace("startio_hands_request_to_worker.pml", ["HW_VIRTUAL=1"],
                           "requests_complete"))
    handed = [l for l in lines if "handed to startio" in l]
    assert len(handed) == 2 and any("never completed" in l for l in lines)


def test_a_timer_freed_while_its_routine_runs_outlives_the_removal() -> None:
    lines = _events(_trace("timer_outlives_removal.pml", ["DEFECT_FREE_TIMER_ONLY=1"],
                           "no_callback_after_removal"))
    runs = max(i for i, l in enumerate(lines) if "timer routine runs" in l)
    freed = next(i for i, l in enumerate(lines) if "timer freed by teardown: SUCCESS" in l)
    assert runs < freed and not any("timer routine returns" in l for l in lines[runs:])


def test_a_stop_without_restart_handler_runs_find_adapter_again() -> None:
    lines = _events(_trace("restart_by_find_adapter.pml", ["DEFECT_REINIT=1"], "no_leak"))
    inits = [i for i, l in enumerate(lines) if l.startswith("call findadapter") and " init " in l]
    again = next(i for i, l in enumerate(lines) if "HwFindAdapter again" in l)
    assert len(inits) == 2 and inits[0] < again < inits[1]
    assert "w1 leaked" in "\n".join(lines)


def test_the_restart_by_find_adapter_runs_the_passive_routine_again() -> None:
    # ENV-E5, R11: the second HwInitialize enables it again; its second run leaks the first worker
    lines = _events(_trace("restart_by_find_adapter.pml", ["WORKER_IN_PASSIVE=1", "DEFECT_REINIT=1"],
                           "no_leak"))
    inits = [i for i, l in enumerate(lines) if l.startswith("call passiveinit") and " init " in l]
    again = next(i for i, l in enumerate(lines) if "passive initialisation again" in l)
    initialize = next(i for i, l in enumerate(lines) if "HwInitialize again" in l)
    assert len(inits) == 2 and inits[0] < initialize < again < inits[1]
    assert "w1 leaked" in "\n".join(lines)


def test_the_isr_runs_on_during_the_stop_until_disconnected() -> None:
    lines = _events(_trace("isr_outlives_release.pml", ["DEFECT_INTERRUPTS_ON=1"],
                           "no_callback_after_removal"))
    stopping = next(i for i, l in enumerate(lines) if "adapter stopping" in l)
    after = [l for l in lines[stopping + 1:] if not l.startswith("# design:")]
    assert after[0] == "# interrupt" and "isr uses resources" in after[1]


def test_reactos_returns_not_implemented_and_issues_no_worker() -> None:
    result = verify(DESIGNS / "status_misread_on_reactos.pml", [], host="reactos")
    assert [r.prop.name for r in result.results if r.verdict == "VIOLATED"] == ["design_assertion"]
    trace = next(r.trace_text for r in result.results if r.prop.name == "design_assertion")
    assert "init -> NOT_IMPLEMENTED" in trace and "host=reactos" in result.bounds
    assert "status_conforms" not in {r.prop.name for r in result.results}


def _last(lines: list[str]) -> str:
    """The event the violation is at: the last one, site and value comments aside."""
    return [l for l in lines if l != "end" and not l.startswith(("# at ", "# design:"))][-1]


def test_hwinitialize_runs_at_dirql_under_the_interrupt_lock() -> None:
    # ENV-E4: the worker initialised in HwInitialize is a DIRQL call, refused (WI-M1)
    lines = _events(_trace("passive_init_publishes_dpc.pml", ["DEFECT_WORKER_IN_INITIALIZE=1"], "irql"))
    assert "call initialize DIRQL init -> INVALID_IRQL" in _last(lines)


def test_a_dpc_published_before_it_is_initialised_is_a_finding() -> None:
    # ENV-E12: the ISR, running during the passive routine, issues the DPC in between
    lines = _events(_trace("passive_init_publishes_dpc.pml", ["DEFECT_DPC_PUBLISHED_FIRST=1"],
                           "storport_calls"))
    assert _last(lines).startswith("# dpc object 1 issued before StorPortInitializeDpc")
    assert not any("initialised by" in l for l in lines)
    assert not any("passive initialisation returned" in l for l in lines)


def test_a_failed_passive_routine_leaks_what_it_kept() -> None:
    lines = _events(_trace("passive_init_publishes_dpc.pml", ["DEFECT_FAIL_KEEPS_WORKER=1"], "no_leak"))
    failed = next(i for i, l in enumerate(lines) if "HwPassiveInitializeRoutine returned FALSE" in l)
    assert any("w1 leaked" in l for l in lines[failed:])
    assert not any("call teardown" in l for l in lines)    # no remove handler after a failed start


def test_locks_out_of_order_are_a_finding_and_a_deadlock() -> None:
    lines = _events(_trace("dpc_takes_locks_in_order.pml", ["DEFECT_LOCK_ORDER=1"], "storport_calls"))
    assert _last(lines) == "# dpc takes the StartIo lock while holding the interrupt lock"
    result = verify(DESIGNS / "dpc_takes_locks_in_order.pml", ["DEFECT_LOCK_ORDER=1"])
    assert result.verdict_of("terminates") == "VIOLATED"


def test_startio_taking_the_startio_lock_is_a_finding() -> None:
    lines = _events(_trace("dpc_takes_locks_in_order.pml", ["DEFECT_STARTIO_RELOCK=1"], "storport_calls"))
    assert _last(lines) == "# startio takes the StartIo lock it already holds"


def test_a_call_under_the_interrupt_lock_is_a_dirql_call() -> None:
    # ENV-L3: the design names DISPATCH_LEVEL; the interrupt lock it holds makes it DIRQL
    lines = _events(_trace("dpc_takes_locks_in_order.pml", ["DEFECT_QUEUE_UNDER_INTERRUPT_LOCK=1"], "irql"))
    assert _last(lines).startswith("call dpc DIRQL queue w1")


def _verify_text(tmp_path, text: str):
    design = tmp_path / "probe.pml"
    design.write_text(text)
    return verify(design, [])


PROBE = """#include "storport.pml"
byte gw;
bit in_passive, noticed;
inline HW_FIND_ADAPTER() { skip }
#define HW_INITIALIZE initialize
inline initialize() { StorPortEnablePassiveInitialization(CTX_INITIALIZE, st) }
#define HW_PASSIVE_INITIALIZE passive
inline passive() {
    in_passive = 1;
    StorPortInitializeWorker(CTX_PASSIVEINIT, PASSIVE_LEVEL, gw, st);
    PROBE_PASSIVE;
    in_passive = 0
}
#define HW_INTERRUPT isr
inline isr() { PROBE_ISR }
#define HW_REMOVAL_NOTICE notice
inline notice() { noticed = 1 }
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
"""


def test_the_isr_and_a_removal_reach_the_passive_routine(tmp_path) -> None:
    # ENV-E5, ENV-R13: each assert fails only if the model lets it happen during the routine
    isr = PROBE.replace("PROBE_PASSIVE", "skip").replace("PROBE_ISR", "assert(!in_passive)")
    assert _verify_text(tmp_path, isr).verdict_of("design_assertion") == "VIOLATED"
    removal = PROBE.replace("PROBE_PASSIVE", "assert(!noticed)").replace("PROBE_ISR", "skip")
    assert _verify_text(tmp_path, removal).verdict_of("design_assertion") == "VIOLATED"
    # and never before HwInitialize returned: no ISR run precedes the passive routine's start
    quiet = PROBE.replace("PROBE_PASSIVE", "skip").replace("PROBE_ISR", "assert(sp_passive_enabled)")
    assert _verify_text(tmp_path, quiet).verdict_of("design_assertion") == "holds"


def test_enabling_passive_initialisation_outside_hwinitialize_is_a_finding(tmp_path) -> None:
    text = PROBE.replace("PROBE_PASSIVE", "StorPortEnablePassiveInitialization(CTX_PASSIVEINIT, st)")
    text = text.replace("PROBE_ISR", "skip")
    result = _verify_text(tmp_path, text)
    assert result.verdict_of("storport_calls") == "VIOLATED"
    trace = next(r.trace_text for r in result.results if r.prop.name == "storport_calls")
    assert "called from passiveinit, not HwInitialize" in trace
    quiet = _verify_text(tmp_path, PROBE.replace("PROBE_PASSIVE", "skip").replace("PROBE_ISR", "skip"))
    assert {r.verdict for r in quiet.results} == {"holds"}


def test_two_buildio_at_once_share_no_lock() -> None:
    # ENV-E7: both requests pass HwBuildIo before either HwStartIo; the shared slot keeps the second
    lines = _events(_trace("buildio_prepares_per_request.pml", ["DEFECT_SHARED_COMMAND=1"],
                           "requests_complete"))
    handed = [i for i, l in enumerate(lines) if "handed to buildio" in l]
    done = [i for i, l in enumerate(lines) if "completed by startio" in l]
    assert len(handed) == 2 and len(done) == 2 and max(handed) < min(done)
    assert all("srb2 completed" in lines[i] for i in done)


def test_buildio_false_sends_no_startio() -> None:
    lines = _events(_trace("buildio_prepares_per_request.pml", ["DEFECT_FALSE_NOT_COMPLETED=1"],
                           "requests_complete"))
    false = next(i for i, l in enumerate(lines) if "buildio returned FALSE" in l)
    srb = lines[false].split("FALSE for ")[1].split(":")[0]
    assert not any(f"{srb} completed by startio" in l for l in lines[false:])
    assert any(f"{srb} never completed" in l for l in lines[false:])


def test_request_timer_call_is_one_call_and_a_cancel_does_not_wait() -> None:
    # ENV-E13: a second request replaces the pending one; a cancel while HwStorTimer runs
    # does not stop it asking again
    lines = _events(_trace("stor_timer_stopped_under_startio_lock.pml", ["DEFECT_CANCEL_WITHOUT_LOCK=1"],
                           "no_callback_after_removal"))
    again = next(i for i, l in enumerate(lines) if "replaces the pending one" in l)
    assert lines[again + 1] == "# HwStorTimer runs"
    cancel = max(i for i, l in enumerate(lines) if "RequestTimerCall cancelled by teardown" in l)
    runs = max(i for i, l in enumerate(lines[:cancel]) if l == "# HwStorTimer runs")
    assert not any(l == "# HwStorTimer returns" for l in lines[runs:cancel])
    assert any("requested by stortimer" in l for l in lines[cancel:])
    assert "still pending or running at the adapter's release" in _last(lines)


def test_an_ioctl_close_races_startio_on_other_cpus() -> None:
    # ENV-E19, E20, R8: the close runs while HwStartIo calls are inside; Storport quiesces
    # nothing. Its free while the callback runs is no WI-M6 (the callback never uses its worker
    # after it); its free while the worker is queued is BUSY, and the worker leaks.
    result = verify(DESIGNS / "ioctl_close_drains_startio.pml", ["DEFECT_CLOSE_NO_DRAIN=1"])
    assert result.verdict_of("no_free_while_running") == "holds"
    lines = _events(_trace("ioctl_close_drains_startio.pml", ["DEFECT_CLOSE_NO_DRAIN=1"],
                           "no_leak"))
    handed = next(i for i, l in enumerate(lines) if "service irp1 handed to service" in l)
    assert any("handed to startio" in l for l in lines[handed:])
    assert any(l.startswith("call service PASSIVE free w1 -> BUSY") for l in lines)


def test_a_held_service_irp_must_be_given_back_at_removal() -> None:
    result = verify(DESIGNS / "ioctl_close_drains_startio.pml", ["DEFECT_HELD_NOT_COMPLETED=1"])
    prop = next(r for r in result.results if r.prop.name == "requests_complete")
    assert prop.verdict == "VIOLATED" and "ENV-E19" in prop.trace_text
    lines = _events(prop.trace_text)
    assert lines.index("# HwCompleteServiceIrp") < lines.index("# service irp1 never completed")


def test_set_running_config_comes_before_restart_with_the_interrupt_not_connected() -> None:
    # ENV-E16, R11: the same reprogramming is safe in ScsiSetRunningConfig (the fixed design
    # holds) and seen half done by the ISR in ScsiRestartAdapter
    lines = _events(_trace("running_config_before_restart.pml", ["DEFECT_REPROGRAM_IN_RESTART=1"],
                           "design_assertion"))
    config = next(i for i, l in enumerate(lines) if "ScsiSetRunningConfig" in l)
    restart = next(i for i, l in enumerate(lines) if "HwAdapterControl(ScsiRestartAdapter)" in l)
    stopped = next(i for i, l in enumerate(lines) if "adapter stopped" in l)
    assert stopped < config < restart
    assert "# interrupt" in lines[restart + 1:]


def test_hwfindadapter_again_runs_hwinitialize_again(tmp_path) -> None:
    # ENV-R11: with no ScsiRestartAdapter handler, the restart is HwFindAdapter and HwInitialize
    text = """#include "storport.pml"
byte gw, inits;
inline HW_FIND_ADAPTER() { skip }
#define HW_INITIALIZE initialize
inline initialize() { inits++ ; assert(inits < 2) }
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { skip }
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_START() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
"""
    result = _verify_text(tmp_path, text)
    assert result.verdict_of("design_assertion") == "VIOLATED"
    trace = next(r.trace_text for r in result.results if r.prop.name == "design_assertion")
    assert "HwFindAdapter again" in trace and "HwInitialize again" in trace


def test_free_adapter_resources_runs_last_with_the_callback_still_running() -> None:
    # ENV-E18, ENV-R2: HwFreeAdapterResources (the role) comes after every HwStartIo, and the
    # callback it did not drain runs across it (WI-M8)
    lines = _events(_trace("free_resources_drains_callback.pml", ["DEFECT_FREE_NO_DRAIN=1"],
                           "no_callback_after_removal"))
    free = next(i for i, l in enumerate(lines) if "HwFreeAdapterResources" in l)
    # the last run of the callback (an earlier one completed the SRBs, which removal waits
    # for, ENV-Q6) is the one that runs across it
    start = max(i for i, l in enumerate(lines) if l.startswith("start sys0"))
    assert start < free and not any("handed to" in l for l in lines[free:])
    assert "call teardown PASSIVE free w1 -> SUCCESS" in lines[free + 2]
    assert "uses resources the remove handler released" in lines[-2]
    assert not any(l.startswith("return sys0") for l in lines[start:])
    result = verify(DESIGNS / "free_resources_drains_callback.pml", [])
    assert {r.verdict for r in result.results} == {"holds"}


def test_free_adapter_resources_is_a_virtual_miniports(tmp_path) -> None:
    text = (DESIGNS / "free_resources_drains_callback.pml").read_text()
    physical = tmp_path / "physical.pml"
    physical.write_text(text.replace("#define HW_VIRTUAL 1", ""))
    from stork.spin import SpinInputError
    try:
        verify(physical, [])
    except SpinInputError as e:
        assert "lifecycle.pml" in str(e) and "a virtual miniport's (ENV-E18)" in str(e)
    else:
        raise AssertionError("a physical design with HwFreeAdapterResources was verified")


def test_half_duplex_holds_the_interrupt_lock_around_startio() -> None:
    # ENV-L4: the same HwStartIo, full duplex: an ISR run between its two steps
    lines = _events(_trace("half_duplex_startio_excludes_isr.pml", ["DEFECT_FULL_DUPLEX=1"],
                           "design_assertion"))
    handed = next(i for i, l in enumerate(lines) if "handed to startio" in l)
    assert any(l == "# interrupt" for l in lines[handed:])
    # half-duplex: StartIo's work-item call is made at DIRQL (ENV-L3), the ISR never inside it
    lines = _events(_trace("half_duplex_startio_excludes_isr.pml", ["DEFECT_QUEUE_IN_STARTIO=1"], "irql"))
    assert _last(lines).startswith("call startio DIRQL queue w1")
    result = verify(DESIGNS / "half_duplex_startio_excludes_isr.pml", [])
    assert {r.verdict for r in result.results} == {"holds"} and not result.warnings


def test_half_duplex_holds_the_interrupt_lock_around_hwstortimer() -> None:
    lines = _events(_trace("stor_timer_stopped_under_startio_lock.pml", ["HW_HALF_DUPLEX=1"], "irql"))
    assert _last(lines).startswith("call stortimer DIRQL queue w1")


PAUSE_PROBE = """#include "storport.pml"
byte gw;
bit pending, inside;
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
        atomic {
            assert(q_paused == 0);
            StorPortPause(CTX_STARTIO, DISPATCH_LEVEL);
            StorPortRequestComplete(CTX_STARTIO, srb);
            if
            :: gw != NULL_HANDLE -> StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, 1, gw, 0, st)
            :: else -> st = S_UNSUCCESSFUL
            fi;
            if
            :: st != S_SUCCESS -> StorPortResume(CTX_STARTIO, DISPATCH_LEVEL)
            :: else -> pending = 1
            fi
        }
    :: else
    fi
}
inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1; PROBE_CALLBACK } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
"""


def test_a_pause_holds_requests_until_its_timeout(tmp_path) -> None:
    # ENV-Q9: no request is handed while the pause is in force: the callback's resume lets the
    # next one in (the callback can always run, so the timeout never comes) ...
    held = PAUSE_PROBE.replace("PROBE_CALLBACK", "StorPortResume(CTX_SYS + tid, PASSIVE_LEVEL)")
    result = _verify_text(tmp_path, held)
    assert {r.verdict for r in result.results} == {"holds"}, [(r.prop.name, r.verdict) for r in result.results]
    # ... and without a resume the timeout ends the pause once nothing else can run
    expired = PAUSE_PROBE.replace("PROBE_CALLBACK", "skip")
    result = _verify_text(tmp_path, expired)
    assert result.verdict_of("pause_resumed") == "VIOLATED"      # ENV-Q8
    assert result.verdict_of("design_assertion") == "VIOLATED"
    lines = _events(next(r.trace_text for r in result.results if r.prop.name == "design_assertion"))
    timed_out = next(i for i, l in enumerate(lines) if "the pause times out" in l)
    assert any(l.startswith("return sys0") for l in lines[:timed_out])
    assert "srb2 handed to startio" in lines[timed_out + 1]


def test_a_resume_before_the_slot_is_free_lets_the_next_request_in() -> None:
    lines = _events(_trace("pause_keeps_one_slot.pml", ["DEFECT_RESUME_EARLY=1"], "requests_complete"))
    resumed = next(i for i, l in enumerate(lines) if "resumed by sys0" in l)
    second = next(i for i, l in enumerate(lines) if "srb2 handed" in l)
    assert resumed < second and any("srb1 never completed" in l for l in lines)
    assert all(r.verdict == "holds" for r in verify(DESIGNS / "pause_keeps_one_slot.pml", []).results)


def _neptune(design: str, defines: list[str]):
    return verify(DESIGNS / design, defines, host="neptune")


def _trace_of(result, prop: str) -> list[str]:
    assert result.verdict_of(prop) == "VIOLATED", [(r.prop.name, r.verdict) for r in result.results]
    return _events(next(r.trace_text for r in result.results if r.prop.name == prop))


def test_neptune_completes_an_srb_whose_startio_returned_false() -> None:
    # ENV-H5, ENV-Q3: Windows takes FALSE as TRUE; NeptuneOS completes the SRB itself, so the
    # miniport's own completion of it makes two
    defect = ["DEFECT_BUSY_RETURNS_FALSE=1"]
    windows = verify(DESIGNS / "startio_hands_request_to_worker.pml", defect)
    assert {r.verdict for r in windows.results} == {"holds"}
    lines = _trace_of(_neptune("startio_hands_request_to_worker.pml", defect), "requests_complete")
    mine = next(i for i, l in enumerate(lines) if "srb2 completed by startio" in l)
    assert "the host completes it" in lines[mine + 2] and lines[mine + 2] == _last(lines)
    assert _neptune("startio_hands_request_to_worker.pml", []).verdict_of("requests_complete") == "holds"


def test_neptune_sends_no_removal_kind_and_calls_no_remove_handler() -> None:
    result = _neptune("surprise_fails_held_requests.pml", [])
    for r in result.results:
        if r.verdict == "VIOLATED":
            assert "# removal:" not in r.trace_text and "adapter stop" not in r.trace_text
    lines = _trace_of(result, "no_leak")
    begin = lines.index("remove begin")
    assert "no removal step reaches the miniport" in lines[begin + 1]
    assert lines[begin + 2] == "remove end"
    stop = _neptune("stop_restart_checks_running.pml", ["DEFECT_STOP_MEANS_REMOVAL=1"])
    assert stop.verdict_of("hba_running") == "holds"          # no stop reaches it there


def test_neptune_pause_holds_nothing() -> None:
    lines = _trace_of(_neptune("pause_keeps_one_slot.pml", []), "requests_complete")
    paused = next(i for i, l in enumerate(lines) if "StorPortPause returns FALSE" in l)
    assert any("srb2 handed" in l for l in lines[paused:]) and any("srb1 never completed" in l for l in lines)


def test_neptune_arms_a_timer_per_request_timer_call() -> None:
    lines = _trace_of(_neptune("stor_timer_stopped_under_startio_lock.pml", []), "no_callback_after_removal")
    assert any("2 pending, NeptuneOS" in l for l in lines)
    windows = verify(DESIGNS / "stor_timer_stopped_under_startio_lock.pml", [])
    assert windows.verdict_of("no_callback_after_removal") == "holds"


CANCEL_PROBE = """#include "storport.pml"
byte gw;
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
        atomic { StorPortRequestTimerCall(CTX_STARTIO, 1); StorPortRequestTimerCall(CTX_STARTIO, 0) };
        StorPortRequestComplete(CTX_STARTIO, srb)
    :: else
    fi
}
#define HW_STOR_TIMER stor_timer
inline stor_timer() { assert(false) }
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
"""


def test_neptune_cancels_no_request_timer_call(tmp_path) -> None:
    # a RequestTimerCall with interval 0 cancels the pending one on Windows (ENV-E13), nothing
    # on NeptuneOS (ENV-H5): only there does HwStorTimer run
    design = tmp_path / "cancel.pml"
    design.write_text(CANCEL_PROBE)
    assert verify(design, []).verdict_of("design_assertion") == "holds"
    lines = _trace_of(verify(design, [], host="neptune"), "design_assertion")
    assert any("interval 0: nothing cancelled" in l for l in lines)


def test_verify_prints_each_roles_multiplicity_bound() -> None:
    # "bounds that say what they cover": the role table of lifecycle.pml, per design and host
    physical = verify(DESIGNS / "startio_hands_request_to_worker.pml", []).roles
    virtual = verify(DESIGNS / "startio_hands_request_to_worker.pml", ["HW_VIRTUAL=1"]).roles
    assert "startio 2 (1 at once)" in physical and "startio 2 (2 at once)" in virtual
    more = verify(DESIGNS / "startio_hands_request_to_worker.pml", ["MAXSRB=3", "NTHREADS=2"]).roles
    assert "startio 3 (1 at once)" in more and "callback any (2 at once)" in more
    surprise = verify(DESIGNS / "surprise_fails_held_requests.pml", []).roles
    assert {"surprisesrb 1", "surprisecontrol 1", "remove 1"} <= set(surprise)
    neptune = verify(DESIGNS / "surprise_fails_held_requests.pml", [], host="neptune").roles
    assert not {"surprisesrb 1", "surprisecontrol 1", "remove 1"} & set(neptune)
    assert "freeadapterresources 1" in verify(DESIGNS / "free_resources_drains_callback.pml", []).roles


def test_a_removal_may_come_while_the_adapter_is_stopped() -> None:
    # ENV-R13: between ScsiStopAdapter and a restart that never comes; no second stop then
    lines = _events(_trace("surprise_while_stopped.pml", ["DEFECT_SURPRISE_ASSUMES_RUNNING=1"],
                           "hba_running"))
    stopped = next(i for i, l in enumerate(lines) if "ScsiStopAdapter) returned" in l)
    assert "removal comes while the adapter is stopped" in lines[stopped + 1]
    assert not any("restarting" in l for l in lines)
    assert "touches the HBA while the adapter is stopped" in _last(lines)
    result = verify(DESIGNS / "surprise_while_stopped.pml", [])
    assert {r.verdict for r in result.results} == {"holds"} and not result.warnings


def test_a_stop_waits_for_every_outstanding_srb(tmp_path) -> None:
    # ENV-R5, ENV-R9: at ScsiStopAdapter no SRB is outstanding, as in the audit's stop
    # (driver.c stop_and_restart); the stop asserts it of the SRB its callback still holds
    base = (DESIGNS / "deferred_requests_completed.pml").read_text()
    probe = base.replace('#include "lifecycle.pml"',
                         "#define HW_STOP_ADAPTER stop_adapter\n"
                         "inline stop_adapter() { assert(parked == 0) }\n"
                         "#define HW_RESTART_ADAPTER restart_adapter\n"
                         "inline restart_adapter() { skip }\n"
                         '#include "lifecycle.pml"')
    assert probe != base
    result = _verify_text(tmp_path, probe)
    assert result.verdict_of("design_assertion") == "holds", result.verdict_of("design_assertion")
    # and the stop is reached (the hold is not for want of a stop): there it always fails
    reached = _verify_text(tmp_path, probe.replace("assert(parked == 0)", "assert(false)"))
    assert reached.verdict_of("design_assertion") == "VIOLATED"


# A stop that is not a removal waits for the SRBs and the routines Storport calls, not for a DPC
# (ENV-R9, ENV-E12, M2): one HwStartIo issued may be running when ScsiStopAdapter begins.
DPC_ACROSS_STOP = """#include "storport.pml"
bit in_dpc;
inline HW_FIND_ADAPTER() { skip }
#define HW_STARTIO startio
inline startio(srb) {
    bit ok;
    StorPortIssueDpc(CTX_STARTIO, 1, ok);
    StorPortRequestComplete(CTX_STARTIO, srb)
}
#define HW_DPC dpc
inline dpc(d) { in_dpc = 1; in_dpc = 0 }
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { assert(!(in_dpc && !rt_removing)) }
#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() { skip }
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
"""


def test_a_dpc_may_run_on_across_a_stop_that_is_not_a_removal(tmp_path) -> None:
    result = _verify_text(tmp_path, DPC_ACROSS_STOP)
    assert result.verdict_of("design_assertion") == "VIOLATED"
    lines = _trace_of(result, "design_assertion")
    runs = next(i for i, l in enumerate(lines) if "dpc object 1 runs" in l)
    stop = next(i for i, l in enumerate(lines) if "adapter stopping" in l)
    assert runs < stop and not any("remove begin" in l for l in lines[:stop]), lines


# ENV-H4: NeptuneOS's main thread. halves_counted_under_startio_lock's DPC and callback each
# count a half of one request under the StartIo lock (variants.txt); under --host neptune they
# are coroutines of one thread and the lock takes nothing.
HALVES = "halves_counted_under_startio_lock.pml"
ONE = ["MAXSRB=1"]                 # its header's config


def _holds(result) -> bool:
    return {r.verdict for r in result.results} == {"holds"}


def test_neptune_main_thread_runs_the_dpc_and_the_callback_one_at_a_time() -> None:
    # without the lock: a lost count on Windows (the DPC runs inside the callback), none there
    lines = _trace_of(verify(DESIGNS / HALVES, ONE + ["DEFECT_NO_LOCK=1"]), "requests_complete")
    at = {e: next((i for i, l in enumerate(lines) if l.startswith(e)), len(lines))
          for e in ("start sys0", "return sys0", "# dpc object 1 runs", "# dpc object 1 returns")}
    assert at["start sys0"] < at["# dpc object 1 returns"] and at["# dpc object 1 runs"] < at["return sys0"]
    assert "srb1 never completed" in _last(lines)
    assert _holds(_neptune(HALVES, ONE + ["DEFECT_NO_LOCK=1"])) and _holds(_neptune(HALVES, ONE))


def test_neptune_main_thread_a_stall_lets_the_dpc_past_the_startio_lock() -> None:
    assert _holds(verify(DESIGNS / HALVES, ONE + ["DEFECT_STALL_IN_LOCK=1"]))
    lines = _trace_of(_neptune(HALVES, ONE + ["DEFECT_STALL_IN_LOCK=1"]), "requests_complete")
    stall = next(i for i, l in enumerate(lines) if "sys0 stalls: a wait on the main thread" in l)
    runs = next(i for i, l in enumerate(lines) if "dpc object 1 runs" in l)
    assert stall < runs < lines.index("return sys0 w1") and "srb1 never completed" in _last(lines)
    assert "call sys0 PASSIVE free w1 -> SUCCESS" in lines and "call startio PASSIVE init -> SUCCESS w1" in lines


def test_neptune_main_thread_a_dpc_spinning_for_the_callback_keeps_it_from_running() -> None:
    assert _holds(verify(DESIGNS / HALVES, ONE + ["DEFECT_DPC_SPINS=1"]))
    result = _neptune(HALVES, ONE + ["DEFECT_DPC_SPINS=1"])
    assert sorted(r.prop.name for r in result.results if r.verdict == "VIOLATED") == \
        ["requests_complete", "terminates"]
    lines = _trace_of(result, "requests_complete")
    assert any("dpc object 1 runs" in l for l in lines) and not any(l.startswith("start sys0") for l in lines)


def test_neptune_interrupt_lock_takes_nothing_with_no_interrupt_connected(tmp_path) -> None:
    # ENV-H4 ([NEP] storport.c PortAcquireSpinLock): the design has no HW_INTERRUPT, so the
    # interrupt lock held across the callback's stall excludes nothing there: the DPC's count is
    # lost (no deadlock: a mutex would keep the DPC waiting on the main thread the stalled
    # callback needs back); on Windows it excludes
    stall = ONE + ["DEFECT_STALL_IN_LOCK=1", "COUNT_LOCK=InterruptLock"]
    assert _holds(verify(DESIGNS / HALVES, stall))
    result = _neptune(HALVES, stall)
    assert sorted(r.prop.name for r in result.results if r.verdict == "VIOLATED") == \
        ["requests_complete"]
    lines = _trace_of(result, "requests_complete")
    stalled = next(i for i, l in enumerate(lines) if "sys0 stalls: a wait on the main thread" in l)
    assert stalled < next(i for i, l in enumerate(lines) if "dpc object 1 runs" in l)
    # the same design with an ISR (one that does nothing): connected, the lock is the mutex,
    # and the DPC waits for it on the main thread the stalled callback needs back
    design = tmp_path / HALVES
    design.write_text((DESIGNS / HALVES).read_text().replace(
        '#include "lifecycle.pml"', '#define HW_INTERRUPT isr\ninline isr() { skip }\n#include "lifecycle.pml"'))
    connected = verify(design, stall, host="neptune")
    assert connected.verdict_of("terminates") == "VIOLATED", connected


def test_neptune_synchronize_access_runs_no_routine() -> None:
    # ENV-H4 ([NEP] storport.c StorPortSynchronizeAccess, unimplemented): the halves counted
    # inside the call's routine are counted on Windows and never there
    assert _holds(verify(DESIGNS / HALVES, ONE + ["DEFECT_COUNT_IN_SYNC=1"]))
    result = _neptune(HALVES, ONE + ["DEFECT_COUNT_IN_SYNC=1"])
    assert sorted(r.prop.name for r in result.results if r.verdict == "VIOLATED") == \
        ["requests_complete"]
    lines = _trace_of(result, "requests_complete")
    assert any("StorPortSynchronizeAccess by dpc runs no routine" in l for l in lines), lines
    assert "srb1 never completed" in _last(lines)



SYNC_IN_INIT_PROBE = """#include "storport.pml"
bit touched;
inline touch() { touched = 1 }
#define HW_INITIALIZE initialize
inline initialize() { StorPortSynchronizeAccess(CTX_INITIALIZE, touch) }
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { assert(touched) }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
"""


def test_neptune_synchronize_access_is_still_judged_as_a_take_of_the_interrupt_lock(tmp_path) -> None:
    # ENV-L2 under every host (ENV-H2): HwInitialize may take no Storport lock (on Windows a
    # re-take of the interrupt lock Storport holds around it: a deadlock); there the call takes
    # nothing and runs no routine: no deadlock, and HW_START finds the routine's write undone
    design = tmp_path / "sync_in_init.pml"
    design.write_text(SYNC_IN_INIT_PROBE)
    windows = verify(design, [])
    assert windows.verdict_of("storport_calls") == "VIOLATED"
    assert windows.verdict_of("terminates") == "VIOLATED"
    neptune = verify(design, [], host="neptune")
    assert neptune.verdict_of("storport_calls") == "VIOLATED"
    assert neptune.verdict_of("design_assertion") == "VIOLATED"


def test_neptune_startio_and_dpc_locks_take_nothing_but_a_retake_is_still_env_l2() -> None:
    # Windows: both defects deadlock (terminates) and break ENV-L2; NeptuneOS: no deadlock, the
    # ENV-L2 finding judged as Windows would (ENV-H2)
    # (HwStartIo rings the doorbell under the interrupt lock it takes itself: inside
    # StorPortSynchronizeAccess, which runs no routine there, it never rings and no DPC runs,
    # so the DPC's lock order is not reached)
    for defect in ("DEFECT_STARTIO_RELOCK=1", "DEFECT_LOCK_ORDER=1"):
        result = _neptune("dpc_takes_locks_in_order.pml", [defect, "ACQUIRE_INTERRUPT_LOCK=1"])
        assert result.verdict_of("storport_calls") == "VIOLATED", defect
        assert result.verdict_of("terminates") == "holds", defect
    assert _neptune("dpc_takes_locks_in_order.pml",
                    ["DEFECT_LOCK_ORDER=1"]).verdict_of("storport_calls") == "holds"
    assert _neptune("dpc_takes_locks_in_order.pml",
                    ["ACQUIRE_INTERRUPT_LOCK=1"]).verdict_of("storport_calls") == "holds"


INIT_LOCK_PROBE = """#include "storport.pml"
byte gw;
#define HW_INITIALIZE initialize
inline initialize() { assert(sp_holder[InterruptLock] == 0); StorPortInitializeWorker(CTX_INITIALIZE, PASSIVE_LEVEL, gw, st) }
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
"""


def test_neptune_hwinitialize_runs_without_the_interrupt_lock_at_windows_dirql(tmp_path) -> None:
    # ENV-H4: no interrupt lock there; its calls still judged at Windows's DIRQL (WI-M1, ENV-H2)
    design = tmp_path / "init_lock.pml"
    design.write_text(INIT_LOCK_PROBE)
    assert verify(design, []).verdict_of("design_assertion") == "VIOLATED"
    neptune = verify(design, [], host="neptune")
    assert neptune.verdict_of("design_assertion") == "holds"
    assert any(l.startswith("call initialize DIRQL init") for l in _trace_of(neptune, "irql"))


def test_neptune_the_isr_may_run_during_hwinitialize() -> None:
    # ENV-H4 ([NEP] fdo.c PortFdoStartMiniport): the interrupt connected before HwInitialize,
    # which runs without the interrupt lock: the ISR between its two writes finds the ring not
    # set up; on Windows HwInitialize holds the lock and the ISR runs from its return on
    design, defect = "passive_init_publishes_dpc.pml", ["DEFECT_ENABLE_BEFORE_SETUP=1"]
    assert verify(DESIGNS / design, defect).verdict_of("design_assertion") == "holds"
    neptune = _neptune(design, defect)
    assert neptune.verdict_of("design_assertion") == "VIOLATED"
    lines = _trace_of(neptune, "design_assertion")
    init = lines.index("# initialize: HwInitialize")
    assert "# interrupt" in lines[init:] and "passive initialisation enabled" not in " ".join(lines), lines


OWN_DPCS = "own_dpcs_count_without_lock.pml"


def test_neptune_main_thread_takes_a_design_s_own_process_between_its_routine_marks(tmp_path) -> None:
    # ENV-H4: a design's own DPC process is on the main thread from ROUTINE_BEGIN() to
    # ROUTINE_END(): the two DPCs' unlocked count is lost on Windows and without the marks,
    # never with them there; a stall between the read and the write gives the thread up, and
    # the other DPC counts meanwhile
    lost = "the design's assert at"
    assert any(lost in l for l in _trace_of(verify(DESIGNS / OWN_DPCS, []), "design_assertion"))
    assert _holds(_neptune(OWN_DPCS, []))
    unmarked = _neptune(OWN_DPCS, ["DEFECT_UNMARKED=1"])
    assert unmarked.verdict_of("design_assertion") == "VIOLATED"
    design = tmp_path / OWN_DPCS
    design.write_text((DESIGNS / OWN_DPCS).read_text().replace(
        "    seen = count;\n", "    seen = count;\n    StorPortStallExecution(me);\n"))
    stalled = verify(design, [], host="neptune")
    lines = _trace_of(stalled, "design_assertion")
    stall = next(i for i, l in enumerate(lines) if "stalls: a wait on the main thread" in l)
    assert stall < next(i for i, l in enumerate(lines) if lost in l)


FREE_QUEUED_PROBE = """#include "storport.pml"
byte gw, kept;
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 && gw != NULL_HANDLE ->
        kept = srb;
        atomic {
            StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, 1, gw, 0, st);
            if
            :: st == S_SUCCESS -> StorPortFreeWorker(CTX_STARTIO, DISPATCH_LEVEL, gw, st)
            :: else -> StorPortRequestComplete(CTX_STARTIO, srb)
            fi
        };
        PROBE_AFTER
    :: srb != 0 && gw == NULL_HANDLE -> StorPortRequestComplete(CTX_STARTIO, srb)
    :: else
    fi
}
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { StorPortRequestComplete(CTX_SYS + tid, kept); StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st) }
}
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
"""


@pytest.mark.parametrize("after", ["skip", "StorPortFreeWorker(CTX_STARTIO, DISPATCH_LEVEL, gw, st)"])
def test_neptune_a_free_of_a_queued_worker_unlinks_it_and_a_second_free_succeeds(tmp_path,
                                                                                after: str) -> None:
    # ENV-H3 ([NEP] workitem.c IoFreeWorkItem): HwStartIo queues the worker whose callback
    # completes the SRB (and frees the worker), then frees it itself, in one step. Windows
    # answers BUSY, the callback runs: every request completes; NeptuneOS unlinks and frees it,
    # the callback never runs. A second free there answers SUCCESS, the miniport's WI-M2 on
    # both hosts (ENV-H2)
    design = tmp_path / "free_queued.pml"
    design.write_text(FREE_QUEUED_PROBE.replace("PROBE_AFTER", after))
    windows = verify(design, ["MAXSRB=1", "ALLOC_FAIL=0"])
    neptune = verify(design, ["MAXSRB=1", "ALLOC_FAIL=0"], host="neptune")
    assert windows.verdict_of("requests_complete") == "holds"
    lines = _trace_of(neptune, "requests_complete")
    assert any(l.startswith("call startio") and " free w1 -> SUCCESS" in l for l in lines), lines
    assert not any(l.startswith("start ") for l in lines), lines
    if after == "skip":
        assert windows.verdict_of("no_double_free") == neptune.verdict_of("no_double_free") == "holds"
    else:
        frees = [l for l in _trace_of(neptune, "no_double_free") if " free w1 " in l]
        assert frees[-1].endswith("-> SUCCESS") and len(frees) >= 2, frees
        windows_frees = [l for l in _trace_of(windows, "no_double_free") if " free w1 " in l]
        assert windows_frees[-1].endswith("-> UNSUCCESSFUL"), windows_frees
