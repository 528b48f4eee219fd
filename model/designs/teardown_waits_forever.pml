/*
 * teardown_waits_forever -- the remove handler waits for the callback's "done" event before
 * freeing the worker, but the event is set only by a callback that ran: when the DPC's queue
 * failed (removal began first) or the DPC never queued, nobody sets it and removal hangs
 * (WI-M9).
 *
 * expect: VIOLATED terminates
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
bit done;

proctype Dpc(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE -> StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) done = 1

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC) }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> done; StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
