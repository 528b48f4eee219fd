/*
 * runtime_drop_requeue_drain -- the correct persistent_stop_flag_drain miniport on a faulty
 * runtime (FAULT_DROP_REQUEUE): a re-queue from inside the running callback returns SUCCESS
 * but is lost. The miniport, trusting the SUCCESS, waits in its remove handler for a run
 * that never comes, and removal hangs; the worker stays queued (as the contract counts it)
 * and its callback never starts. Shows that callback_eventually (WI-C5) is not vacuous, and
 * what a lost run does to a miniport that drains: it hangs (terminates). runtime_drop_requeue
 * shows the same fault on a miniport that does not wait, where the lost run is caught at the
 * end of the adapter's life (callback_once).
 *
 * expect: VIOLATED terminates callback_eventually
 */
#define FAULT_DROP_REQUEUE 1
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

/* The callback: take the pending run, work, re-queue itself unless stopping (a BUSY leaves
   the flag a DPC set, as in persistent_stop_flag_drain). */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    atomic {
        if
        :: !stop ->
            StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, CB_ADAPTER_WORK, w, 0, st);
            if
            :: st == S_SUCCESS -> pending = 1
            :: else
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
