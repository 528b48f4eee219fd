/*
 * The remove handler polls for the callback's "done" flag instead of blocking on it (the
 * StorPortStallExecution pattern). When the DPC's queue failed or the DPC never queued, no
 * callback runs, nothing sets the flag, and the handler spins for ever: a livelock, which an
 * invalid-end-state check cannot see (the handler is never stuck, it keeps moving).
 *
 * expect: VIOLATED terminates
 */
#include "storport.pml"

byte gw;
bit done;

proctype Dpc() {
    byte st;
    if
    :: gw != NULL_HANDLE -> StorPortQueueWorkItem(CTX_DPC, DISPATCH_LEVEL, 1, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) done = 1

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc() }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE ->
        do
        :: done -> break
        :: else -> skip
        od;
        StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
