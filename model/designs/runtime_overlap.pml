/*
 * runtime_overlap -- a correct miniport on a faulty runtime with two system threads
 * (FAULT_OVERLAP): a worker queued again while its callback runs may start on the second
 * thread before the first run returned, so one worker's callback overlaps itself (WI-C4).
 * Shows that callback_once is not vacuous.
 *
 * The miniport is persistent_busy_handled (a persistent adapter worker kicked by two DPCs,
 * BUSY handled, drained and freed by the remove handler), written defensively: it counts
 * the callbacks inside as well as the pending runs, so even overlapping runs are drained
 * before the free, and the fault breaks no miniport property. (An "inside" flag, as in
 * persistent_busy_handled, is enough on a serialising runtime but not here: the first run's
 * exit would clear it under the second run, and the remove handler could free the worker
 * while that run still executes.)
 *
 * config: NTHREADS=2
 * expect: VIOLATED callback_once
 */
#define FAULT_OVERLAP 1
#include "storport.pml"

#define CB_WORK 1

byte gw;        /* the adapter's worker (NULL if initialization failed) */
byte pending;   /* successful queues whose callback has not started (0..2) */
byte inside;    /* callbacks of gw running (0..2 on this faulty runtime) */

/* A DPC (DISPATCH) with work for the worker; atomic = the miniport's spinlock. */
proctype Kick(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE ->
        atomic {
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            if
            :: st == S_SUCCESS -> pending++
            :: else -> skip                 /* BUSY: the pending run does it; removal: nothing */
            fi
        }
    :: else
    fi
}

/* The callback (PASSIVE): takes its pending run, works, returns; the worker stays. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending--; inside++ }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside--

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
}
inline HW_START() { run Kick(CTX_DPC); run Kick(CTX_DPC2) }
/* Remove handler (PASSIVE): drain, then free. */
inline HW_REMOVE() {
    (pending == 0 && inside == 0);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
