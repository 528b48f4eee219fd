"""The statuses the contract allows for a call, as model/contract.pml computes them.

One function per API call, from the contract's view of the worker (stork.lifecycle states):
every error that applies is allowed (WI-P1); SUCCESS only when none does.
"""

from __future__ import annotations

from stork import lifecycle as lc
from stork.trace import STATUSES


def ordered(statuses: set[str]) -> tuple[str, ...]:
    """In the order of their numeric values, as the model prints them."""
    return tuple(s for s in STATUSES if s in statuses)


def init(dirql: bool, fail_alloc: bool) -> tuple[str, ...]:
    errs = set()
    if dirql:
        errs.add("INVALID_IRQL")
    if fail_alloc:
        errs.add("INSUFFICIENT_RESOURCES")
    return ordered(errs or {"SUCCESS"})


def queue(state: str, dirql: bool, removing: bool, handle: str, routine: str) -> tuple[str, ...]:
    errs = set()
    if dirql:
        errs.add("INVALID_IRQL")
    if handle == "null" or routine == "null" or state in (lc.NONE, lc.UNISSUED, lc.FREED,
                                                          lc.FREED_RUNNING):
        errs.add("INVALID_PARAMETER")
    if removing:
        errs.add("INVALID_DEVICE_STATE")
    if state in (lc.QUEUED, lc.RUNNING_QUEUED):
        errs.add("BUSY")
    return ordered(errs or {"SUCCESS"})


def free(state: str, dirql: bool, handle: str) -> tuple[str, ...]:
    errs = set()
    if dirql:
        errs.add("INVALID_IRQL")
    if handle == "null" or state in (lc.NONE, lc.UNISSUED):
        errs.add("INVALID_PARAMETER")
    elif state in (lc.FREED, lc.FREED_RUNNING):
        errs.add("UNSUCCESSFUL")
    elif state in (lc.QUEUED, lc.RUNNING_QUEUED):
        errs.add("BUSY")
    return ordered(errs or {"SUCCESS"})
