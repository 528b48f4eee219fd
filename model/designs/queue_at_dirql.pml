/*
 * queue_at_dirql -- the interrupt routine (DIRQL) queues the adapter's worker directly
 * instead of deferring to a DPC (WI-M1). Storport answers INVALID_IRQL and the work is not
 * done; the lifecycle is otherwise clean (the remove handler frees the idle worker).
 *
 * expect: VIOLATED irql
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;

proctype Isr(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE -> StorPortQueueWorkItem(me, DIRQL, CB_WORK, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Isr(CTX_ISR) }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
