/*
 * oneshot_free_in_callback -- the storahci pattern (case study 1): an SRB completion routine
 * (DISPATCH) initialises a fresh worker into a local, queues it only if that succeeded, frees
 * it on the spot if the queue failed; the callback does its PASSIVE work and frees its own
 * worker. Log-page discovery may complete twice, so two workers may be in flight at once.
 *
 * ROLES=1 (variant oneshot_free_in_callback_roles) is the same miniport in the roles form
 * (spec/environment.md M1): the completion routine is the port's completion DPC (HW_DPC, one
 * DPC object per completion, so two run at once as the two processes do), issued by the HBA's
 * interrupt (HW_INTERRUPT, any number of runs, at DIRQL under the interrupt lock) once per
 * log-page command the HBA completes, NCALLERS (1 or 2) of them; what the routines run is
 * unchanged. The default form runs NCALLERS processes from HW_START, each once.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef NCALLERS
#define NCALLERS 2          /* completion routines that may each start a worker (1..3) */
#endif

#define CB_REGISTRY_WRITE 1
#define CTX_CHANNEL       1

#ifndef ROLES
#define ROLES 0
#endif

/* The SRB completion path (port completion DPC): PreserveLogPageInformation. */
inline preserve_log_page(me, w) {
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

#if ROLES
#if NCALLERS > 2
#error "the roles form has a DPC object per completion, two at most: NCALLERS is 1 or 2"
#endif
byte completions = NCALLERS;    /* log-page commands the HBA has still to complete */
byte dw[NCALLERS + 1];          /* each completion DPC's worker (a local of the routine) */
#define HW_INTERRUPT isr
inline isr() {
    atomic {
        if
        :: completions > 0 ->
            StorPortIssueDpc(CTX_ISR, completions, st);
            completions = completions - st
        :: else
        fi
    }
}
#define HW_DPC completion_dpc
#define HW_DPC_OBJECTS NCALLERS
inline completion_dpc(d) {
    preserve_log_page(DPC_CTX(d), dw[d]);
    dw[d] = 0
}
#else
proctype Completion(byte me) {
    byte st, w;
    preserve_log_page(me, w)
}
#endif

/* AhciRegistryWriteWorker: writes the registry, then frees its own worker. */
inline HW_WORKITEM(tid, cb, w, cx) {
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
}

inline HW_FIND_ADAPTER() { skip }
#if ROLES
inline HW_START() { skip }
#else
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
#endif
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
