/*
 * oneshot_free_in_callback -- the storahci pattern (case study 1): an SRB completion routine
 * (DISPATCH) initialises a fresh worker into a local, queues it only if that succeeded, frees
 * it on the spot if the queue failed; the callback does its PASSIVE work and frees its own
 * worker. Log-page discovery may complete twice, so two workers may be in flight at once.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef NCALLERS
#define NCALLERS 2          /* completion routines that may each start a worker (1..3) */
#endif

#define CB_REGISTRY_WRITE 1
#define CTX_CHANNEL       1

/* The SRB completion path (port completion DPC): PreserveLogPageInformation. */
proctype Completion(byte me) {
    byte st, w;
    StorPortInitializeWorker(me, DISPATCH_LEVEL, w, st);
    if
    :: st == S_SUCCESS -> StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_REGISTRY_WRITE, w, CTX_CHANNEL, st)
    :: else
    fi;
    if
    :: st != S_SUCCESS && w != NULL_HANDLE -> StorPortFreeWorker(me, DISPATCH_LEVEL, w, st)
    :: else
    fi
}

/* AhciRegistryWriteWorker: writes the registry, then frees its own worker. */
inline HW_WORKITEM(tid, cb, w, cx) {
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
}

inline HW_FIND_ADAPTER() { skip }
inline HW_START() {
    run Completion(CTX_DPC);
    if
    :: NCALLERS >= 2 -> run Completion(CTX_DPC2)
    :: else
    fi;
    if
    :: NCALLERS >= 3 -> run Completion(CTX_TIMER)
    :: else
    fi
}
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
