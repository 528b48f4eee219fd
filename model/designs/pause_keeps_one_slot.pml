/*
 * pause_keeps_one_slot -- a physical miniport with one slot for the request its worker
 * serves, which relies on StorPortPause to keep the next request away (ENV-Q9): HwStartIo
 * pauses the adapter, parks its request in the slot and queues the worker; the callback
 * completes the parked request and then resumes the adapter (ENV-Q8). No new request is
 * handed while the adapter is paused, so HwStartIo never finds the slot taken. If the worker
 * cannot run, HwStartIo completes the request itself and resumes. The remove handler drains
 * and frees the worker.
 *
 * Variant (variants.txt): DEFECT_RESUME_EARLY=1 resumes first thing in the callback, before
 * taking the parked request: the next request is handed, overwrites the slot, and the first
 * is never completed (requests_complete, ENV-Q6). The pause holds only requests not yet
 * handed: the one parked stays the miniport's to complete (ENV-Q1).
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_RESUME_EARLY
#define DEFECT_RESUME_EARLY 0
#endif
#define CB_SERVE 1

byte gw;            /* the adapter's worker (NULL if initialization failed) */
byte parked;        /* the one request the worker serves, 0 for none */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

/* HwStartIo (DISPATCH, the StartIo lock). */
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
        atomic {
            StorPortPause(CTX_STARTIO, DISPATCH_LEVEL);
            parked = srb;                  /* the only slot: the pause keeps the next away */
            if
            :: gw != NULL_HANDLE ->
                StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_SERVE, gw, 0, st)
            :: else -> st = S_UNSUCCESSFUL
            fi;
            if
            :: st == S_SUCCESS -> pending = 1
            :: else ->                     /* the worker will not run: complete, resume */
                parked = 0;
                StorPortRequestComplete(CTX_STARTIO, srb);
                StorPortResume(CTX_STARTIO, DISPATCH_LEVEL)
            fi
        }
    :: else
    fi
}

/* The callback (PASSIVE): complete the parked request, then let the next one in. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
#if DEFECT_RESUME_EARLY
    StorPortResume(CTX_SYS + tid, PASSIVE_LEVEL);
#endif
    atomic {
        if
        :: parked != 0 -> StorPortRequestComplete(CTX_SYS + tid, parked); parked = 0
        :: else
        fi
    }
#if !DEFECT_RESUME_EARLY
    ; StorPortResume(CTX_SYS + tid, PASSIVE_LEVEL)
#endif
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* Remove handler: drain; free. */
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
