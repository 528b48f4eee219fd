/*
 * runtime_free_queued -- a correct miniport on a faulty runtime (FAULT_FREE_QUEUED): the
 * runtime accepts the free of a queued worker and drops its callback, the bug check 0xE4
 * P1=2 case turned into silent success.
 *
 * The miniport keeps one worker in its extension (created in HwFindAdapter) that frees itself
 * the storahci way at the end of its callback, but a DPC with more work may queue it again
 * while the callback runs (WI-Q3). The callback's free then meets a queued worker and
 * returns BUSY (WI-F2); the worker stays, its next run cannot start before this one returns
 * (WI-C4), and that run frees it. So the miniport checks the free's status (WI-M5) and
 * forgets the handle (under its spinlock, which the DPC also takes) only on SUCCESS. The
 * remove handler waits until no callback runs and the worker is freed or has no pending
 * run, then frees it if it is still there. On the faulty runtime the callback's free of the
 * re-queued worker succeeds: no_free_while_queued and status_conforms; the dropped run
 * costs this miniport nothing, since the worker is gone.
 *
 * expect: VIOLATED no_free_while_queued status_conforms
 */
#define FAULT_FREE_QUEUED 1
#include "storport.pml"

#ifndef NCALLERS
#define NCALLERS 2          /* DPCs with work for the worker (1..2; the fault needs 2) */
#endif
#define CB_WORK 1

byte gw;        /* the worker; NULL once freed (or if initialization failed) */
byte pending;   /* successful queues whose callback has not started */
bit inside;     /* the callback runs (one worker: runs never overlap, WI-C4) */

/* A DPC (DISPATCH) with work; atomic = the miniport's spinlock. */
proctype Dpc(byte me) {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE ->
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            if
            :: st == S_SUCCESS -> pending++
            :: else                         /* BUSY: the pending run does it; removal */
            fi
        :: else                             /* the worker is gone: nothing to do */
        fi
    }
}

/* The callback (PASSIVE): work, then free its own worker unless it was queued again. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending--; inside = 1 };
    atomic {
        StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);
        if
        :: st == S_SUCCESS -> gw = NULL_HANDLE
        :: else                             /* BUSY: queued again; that run frees it */
        fi
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() {
    run Dpc(CTX_DPC);
    if
    :: NCALLERS >= 2 -> run Dpc(CTX_DPC2)
    :: else
    fi
}
/* Remove handler (PASSIVE): drain, then free the worker if no callback freed it. */
inline HW_REMOVE() {
    (!inside && (gw == NULL_HANDLE || pending == 0));
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
