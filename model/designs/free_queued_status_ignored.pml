/*
 * free_queued_status_ignored -- the remove handler waits until the callback is not running,
 * then frees the persistent worker and forgets it without looking at the status. When the
 * worker is still queued the free returns BUSY and frees nothing (WI-F2, WI-M5): the callback
 * runs later, and nobody ever frees the worker. Its "callback not running" check is also
 * too weak: the flag is set by the callback's first instruction, so Storport may already have
 * started the callback when the handler frees (WI-M6); a pending count taken under the lock
 * at queue time, as in persistent_busy_handled, closes that gap.
 *
 * expect: VIOLATED no_free_while_running no_leak
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
