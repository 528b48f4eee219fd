/*
 * free_queued_status_ignored -- the remove handler waits until the callback is not running,
 * then frees the persistent worker and forgets it without looking at the status. When the
 * worker is still queued the free returns BUSY and frees nothing (WI-F2, WI-M5): the callback
 * runs later, and nobody ever frees the worker. Its "callback not running" check is also
 * too weak: the flag is set by the callback's first instruction, so Storport may already have
 * started the callback when the handler frees. That free is not WI-M6, though: this callback
 * never uses its worker, so every instruction of it is after its last use, and a free there is
 * as good as its own (WI-M6's position, spec/contract.md). Until that position the model
 * asserted at the free and this design expected no_free_while_running too. A pending count
 * taken under the lock at queue time, as in persistent_busy_handled, closes both gaps.
 *
 * expect: VIOLATED no_leak
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
bit inside;

proctype Dpc(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE -> StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) {
    inside = 1
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC) }
inline HW_REMOVE() {
    atomic {
        !inside;
        if
        :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
        :: else
        fi;
        gw = NULL_HANDLE                /* status ignored */
    }
}

#include "lifecycle.pml"
