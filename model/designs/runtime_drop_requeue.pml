/*
 * runtime_drop_requeue -- a correct miniport on a faulty runtime (FAULT_DROP_REQUEUE): a
 * re-queue from inside the running callback returns SUCCESS but is lost.
 *
 * The miniport is the storahci one-shot pattern (case study 1) with its work split in two
 * runs: the completion DPC initialises a fresh worker into a local and queues phase 1 (freeing
 * the worker if the queue fails); phase 1 re-queues its own worker for phase 2 (the
 * documented reuse, WI-Q3), or frees it if that queue fails (removal began); phase 2 frees
 * its worker. Nothing outside the extension is used, so the remove handler has nothing to
 * drain and does not wait. On the faulty runtime phase 2 never runs: when the adapter's life
 * ends the worker is still queued as far as the contract is concerned (its SUCCESS got no
 * run: callback_once, WI-C1/WI-R2), that queued callback never starts (callback_eventually,
 * WI-C5), and the worker phase 2 would have freed is never freed (no_leak: a consequence for
 * the miniport, which did everything right). runtime_drop_requeue_drain shows the same fault
 * on a miniport that drains: there removal hangs instead.
 *
 * expect: VIOLATED callback_once no_leak callback_eventually
 */
#define FAULT_DROP_REQUEUE 1
#include "storport.pml"

#define CB_TWO_PHASE 1
#define PHASE1 1            /* context: which half of the work this run does */
#define PHASE2 2

/* The completion DPC (DISPATCH) that has work for a fresh worker. */
proctype Completion(byte me) {
    byte st, w;
    StorPortInitializeWorker(me, DISPATCH_LEVEL, w, st);
    if
    :: st == S_SUCCESS ->
        StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_TWO_PHASE, w, PHASE1, st);
        if
        :: st != S_SUCCESS -> StorPortFreeWorker(me, DISPATCH_LEVEL, w, st)
        :: else
        fi
    :: else                                 /* no worker: the work is dropped */
    fi
}

/* The callback (PASSIVE): phase 1 hands over to phase 2 by re-queueing; phase 2 frees. */
inline HW_WORKITEM(tid, cb, w, cx) {
    if
    :: cx == PHASE1 ->
        StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, CB_TWO_PHASE, w, PHASE2, st);
        if
        :: st != S_SUCCESS -> StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
        :: else
        fi
    :: else -> StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
    fi
}

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Completion(CTX_DPC) }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
