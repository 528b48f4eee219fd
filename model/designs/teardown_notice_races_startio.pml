/*
 * teardown_notice_races_startio -- a persistent adapter worker kicked by StartIo. The miniport
 * tears the worker down in its surprise-removal handler (HwAdapterControl,
 * ScsiAdapterSurpriseRemoval), written as if I/O had stopped: it waits until no run is
 * pending or running and frees the worker. But a surprise removal comes while StartIo may
 * still run (ENV-R6): StartIo, which checks only `pending`, queues the freed worker (WI-M3).
 * The same code in the remove handler proper (ScsiStopAdapter, after Storport's routines have
 * finished: ENV-R5) would be safe; teardown_notice_stop_flag is the fix.
 *
 * expect: VIOLATED no_use_after_free
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;        /* the adapter's worker (NULL if initialization failed) */
bit pending;    /* a queue of ours succeeded and its callback has not started */
bit inside;     /* the callback runs */
bit freed;      /* the worker was freed */

/* HwStartIo (DISPATCH): has work for the worker. atomic = the StartIo lock. */
proctype StartIo() {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !pending ->
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

/* ScsiAdapterSurpriseRemoval (below DISPATCH): drain, then free, at once. */
#define HW_REMOVAL_NOTICE surprise_removal
inline surprise_removal() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_CONTROL, PASSIVE_LEVEL, gw, st); freed = 1
    :: else
    fi
}
inline HW_REMOVE() { skip }       /* ScsiStopAdapter: the worker is gone already */

#include "lifecycle.pml"
