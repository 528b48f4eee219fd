/*
 * own_invariant_wrong -- a persistent adapter worker kicked by two DPCs, BUSY handled, drained
 * and freed by the remove handler: a correct miniport, with a wrong belief written down as
 * the design's own assertion. The author counts successful queues in `pending` and the
 * callback takes one off; the author believes a second queue is refused (BUSY) until the
 * callback has taken its run, so that pending never exceeds 1. But the runtime dequeues the
 * worker before the callback starts (WI-C3): between the start and the callback's first
 * statement a DPC may queue it again, and pending is 2. The design's assertion is a property
 * of its own (design_assertion), with a counterexample like any other.
 *
 * expect: VIOLATED design_assertion
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;        /* the adapter's worker (NULL if initialization failed) */
byte pending;   /* successful queues whose callback has not taken its run yet */
bit inside;     /* the callback is running */

/* A DPC (DISPATCH) with work for the worker; atomic = the miniport's spinlock. */
proctype Kick(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE ->
        atomic {
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            if
            :: st == S_SUCCESS -> pending++; assert(pending <= 1)
            :: else -> skip                 /* BUSY: the pending run does it; removal: nothing */
            fi
        }
    :: else
    fi
}

/* The callback (PASSIVE): takes its pending run, works, returns; the worker stays. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending--; inside = 1 }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
}
inline HW_START() { run Kick(CTX_DPC); run Kick(CTX_DPC2) }
/* Remove handler (PASSIVE): drain, then free. */
inline HW_REMOVE() {
    (pending == 0 && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
