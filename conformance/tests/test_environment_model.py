"""The environment the model runs (spec/environment.md): removal kinds and the stop (M2), DPC
objects (M8), the HwStartIo role and its lock (M1, M6). Each defect
is found on the path only the new exploration reaches, and the fixed designs hold on all of
them."""

from __future__ import annotations

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
    stop = next(i for i, l in enumerate(lines) if "ScsiStopAdapter" in l)
    assert not any("remove begin" in l for l in lines[:stop]), "the stop must come before removal"
    assert "touches the HBA while the adapter is stopped" in lines[stop + 1]


def test_the_fixed_designs_hold_on_every_removal_kind() -> None:
    for design in ("surprise_fails_held_requests.pml", "stop_restart_checks_running.pml",
                   "dpc_outlives_removal.pml", "startio_hands_request_to_worker.pml"):
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
