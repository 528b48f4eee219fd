/*
 * persistent_stop_flag_drain -- one adapter worker for the adapter's whole life: initialised
 * in HwFindAdapter, queued from a DPC, re-queued from its own callback until a stop flag is
 * set. The miniport tracks, under its spinlock, whether a run is pending (queued by it, not
 * started) and whether the callback is inside; the remove handler sets the stop flag, waits
 * until neither holds, and only then frees the worker. Up to three DPCs may kick the worker
 * (NCALLERS); a DPC queues only while no run is pending, so one flag is enough, provided the
 * callback never clears a flag a DPC set (see HW_WORKITEM).
 *
 * expect: holds
 */
#include "storport.pml"

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

/* The callback: take the pending run, work, re-queue itself unless stopping. A BUSY here
   means a DPC queued the worker after this run started: its run is pending and the flag
   must stay set (writing pending = (st == SUCCESS) would clear it, and the remove handler
   would then free the queued worker: BUSY, leak, and a free racing that run). */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    atomic {
        if
        :: !stop ->
            StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, CB_ADAPTER_WORK, w, 0, st);
            if
            :: st == S_SUCCESS -> pending = 1
            :: else                             /* BUSY: already pending; removal: stop */
            fi
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

#include "lifecycle.pml"
