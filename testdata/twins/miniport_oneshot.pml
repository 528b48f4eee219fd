/*
 * The Promela twin of c-harness/check/scenarios/miniport_oneshot.c, by role, for
 * test_two_languages.py (requests, ENV-Q): HwBuildIo sends each SRB on; HwStartIo, under the
 * StartIo lock, initialises a worker, pauses the adapter and queues the worker with the SRB as
 * its context, and when the queue fails frees it, resumes and completes the SRB; when the
 * initialisation fails it completes the SRB (BUSY). The callback completes the SRB, resumes and
 * frees its worker. The three removal notifications the C miniport marks or gets (the remove SRB,
 * the surprise-removal SRB, ScsiAdapterSurpriseRemoval) do nothing but return.
 *
 * TWIN_WRONG=1, a deliberately wrong twin: the callback does not resume (the test must see it).
 */
#include "storport.pml"

#define CB_WORK 1

byte sw;            /* HwStartIo's worker: one HwStartIo at a time (the StartIo lock) */

#define HW_BUILDIO build_io
inline build_io(srb, ok) { ok = 1 }

#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
        StorPortInitializeWorker(CTX_STARTIO, DISPATCH_LEVEL, sw, st);
        if
        :: st != S_SUCCESS -> StorPortRequestComplete(CTX_STARTIO, srb)
        :: else ->
            StorPortPause(CTX_STARTIO, DISPATCH_LEVEL);
            StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_WORK, sw, srb, st);
            if
            :: st != S_SUCCESS ->
                StorPortFreeWorker(CTX_STARTIO, DISPATCH_LEVEL, sw, st);
                StorPortResume(CTX_STARTIO, DISPATCH_LEVEL);
                StorPortRequestComplete(CTX_STARTIO, srb)
            :: else
            fi
        fi;
        sw = 0
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) {
    StorPortRequestComplete(CTX_SYS + tid, cx);
#if !TWIN_WRONG
    StorPortResume(CTX_SYS + tid, PASSIVE_LEVEL);
#endif
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
}

#define HW_REMOVE_SRB notice_returns
#define HW_SURPRISE_SRB notice_returns
#define HW_SURPRISE_CONTROL notice_returns
inline notice_returns() { skip }

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { skip }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
