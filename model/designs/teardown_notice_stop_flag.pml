/*
 * teardown_notice_stop_flag -- teardown_notice_races_startio, fixed: the surprise-removal
 * handler only sets a stop flag under the StartIo lock, which StartIo checks under the same
 * lock; the worker is drained and freed in the remove handler proper (ScsiStopAdapter), when
 * Storport's own routines have finished (ENV-R5). StartIo may still run after the notice
 * (ENV-R6), but it no longer queues.
 *
 * expect: holds
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;        /* the adapter's worker (NULL if initialization failed) */
bit stop;       /* set by the surprise-removal handler: no more queueing */
bit pending;    /* a queue of ours succeeded and its callback has not started */
bit inside;     /* the callback runs */

/* HwStartIo (DISPATCH): has work for the worker. atomic = the StartIo lock. */
proctype StartIo() {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !stop && !pending ->
            StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run StartIo() }

/* ScsiAdapterSurpriseRemoval: stop queueing (under the StartIo lock); nothing else yet. */
#define HW_REMOVAL_NOTICE surprise_removal
inline surprise_removal() { atomic { stop = 1 } }

/* ScsiStopAdapter: drain, then free. */
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
