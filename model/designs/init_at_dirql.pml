/*
 * init_at_dirql -- the interrupt routine (DIRQL) creates a worker for deferred work (WI-M1).
 * Storport answers INVALID_IRQL and issues nothing; the code handles the failure, so only the
 * IRQL rule is broken.
 *
 * expect: VIOLATED irql
 */
#include "storport.pml"

#define CB_WORK 1

proctype Isr(byte me) {
    byte st, w;
    StorPortInitializeWorker(me, DIRQL, w, st);
    if
    :: st == S_SUCCESS ->
        StorPortQueueWorkItem(me, DIRQL, CB_WORK, w, 0, st);
        if
        :: st != S_SUCCESS -> StorPortFreeWorker(me, DIRQL, w, st)
        :: else
        fi
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st) }
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Isr(CTX_ISR) }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
