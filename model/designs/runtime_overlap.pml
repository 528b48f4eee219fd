/*
 * runtime_overlap -- the correct persistent_stop_flag_drain miniport, kicked by two DPCs, on a
 * faulty runtime with two system threads (FAULT_OVERLAP): a worker re-queued while its
 * callback runs may start on the second thread before the first run returned, so one
 * worker's callback overlaps itself (WI-C4). Shows that callback_once is not vacuous. The
 * miniport, written for a runtime that serialises, then goes wrong too: the first run's exit
 * clears "inside" while the second still runs, so the remove handler frees the worker under
 * the running callback, and a run it did not count leaves the worker unfreed.
 *
 * config: NTHREADS=2 NCALLERS=2
 * expect: VIOLATED no_free_while_running callback_once no_leak
 */
#define FAULT_OVERLAP 1
#include "../storport.pml"

#ifndef NCALLERS
#define NCALLERS 1          /* DPCs that may kick the worker (1..3) */
#endif
#define CB_ADAPTER_WORK 1

byte gw;        /* the adapter's worker handle (NULL if initialization failed) */
bit stop;       /* set by the remove handler: no more queueing */
bit pending;    /* a queue of ours succeeded and its callback has not started */
bit inside;     /* the callback runs */

/* A DPC that has work for the worker (DISPATCH). atomic = the miniport's spinlock. */
proctype Kick(byte me) {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !stop && !pending ->
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_ADAPTER_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

/* The callback: take the pending run, work, re-queue itself unless stopping. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    atomic {
        if
        :: !stop ->
            StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, CB_ADAPTER_WORK, w, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
}
inline HW_START() {
    run Kick(CTX_DPC);
    if
    :: NCALLERS >= 2 -> run Kick(CTX_DPC2)
    :: else
    fi;
    if
    :: NCALLERS >= 3 -> run Kick(CTX_TIMER)
    :: else
    fi
}
/* Remove handler: stop, drain, free. */
inline HW_REMOVE() {
    atomic { stop = 1 };
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "../lifecycle.pml"
