/*
 * timer_outlives_removal -- a miniport that polls its HBA from a Storport timer
 * (StorPortInitializeTimer in HwFindAdapter, StorPortRequestTimer): the timer routine works
 * on the DMA memory, kicks the adapter's worker and re-arms itself while the adapter runs.
 * Neither a cancel nor StorPortFreeTimer waits for a routine already running (ENV-E14), so the
 * remove handler stops the re-arming, waits for the pending request to fire and the routine
 * to end (flags kept under the lock, the first set where the timer is armed), and only then
 * frees the timer, drains the worker and releases the memory (ENV-R7).
 *
 * Variant (variants.txt): DEFECT_FREE_TIMER_ONLY=1 takes StorPortFreeTimer for a wait: it
 * frees the timer and releases the memory at once, while the routine may be running.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_FREE_TIMER_ONLY
#define DEFECT_FREE_TIMER_ONLY 0
#endif
#define CB_WORK 1

byte gw;            /* the adapter's worker (NULL if initialization failed) */
byte gt;            /* the timer */
bit stop;           /* set by the remove handler: no more arming or queueing */
bit tpending;       /* the timer is armed and its routine has not started */
bit tinside;        /* the timer routine runs */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

/* Arm the timer (atomic = the miniport's lock). */
inline arm(ctx) {
    atomic {
        if
        :: !stop && !tpending ->
            StorPortRequestTimer(ctx, gt, 1, st);
            tpending = (st == S_SUCCESS)
        :: else
        fi
    }
}

/* The timer routine (DISPATCH): poll, kick the worker, re-arm. */
#define HW_TIMER poll_timer
inline poll_timer() {
    atomic { tpending = 0; tinside = 1 };
    USE_RESOURCES(CTX_TIMER);
    atomic {
        if
        :: gw != NULL_HANDLE && !pending && !stop ->
            StorPortQueueWorkItem(CTX_TIMER, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    };
    arm(CTX_TIMER)
}
#define HW_TIMER_EXIT() tinside = 0

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    StorPortInitializeTimer(CTX_FINDADAPTER, gt, st);
    arm(CTX_FINDADAPTER)
}
inline HW_START() { skip }

inline HW_REMOVE() {
    atomic { stop = 1 };
#if !DEFECT_FREE_TIMER_ONLY
    (!tpending && !tinside);
#endif
    StorPortFreeTimer(CTX_REMOVE, gt, st);
    (!pending && !inside);
    RELEASE_RESOURCES();
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
