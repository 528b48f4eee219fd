/*
 * startio_hands_request_to_worker -- HwStartIo takes each request (the HW_STARTIO role:
 * Storport hands MAXSRB requests, one HwStartIo each) and passes it to the adapter's worker
 * through one `current` slot: if the slot is free it stores the request and queues the worker,
 * whose callback completes it; otherwise it completes the request at once (as SRB_STATUS_BUSY,
 * which Storport retries: ENV-Q4). A physical miniport may test and fill the slot in two
 * steps: Storport holds the StartIo lock around each HwStartIo (ENV-E8, ENV-L1), and the
 * callback only empties the slot.
 *
 * Variants (variants.txt): HW_VIRTUAL=1, the same code in a virtual miniport, where HwStartIo
 * runs on several CPUs at once with no lock (ENV-E9): two calls both find the slot free, the
 * second overwrites the first's request, and that request is never completed (ENV-Q1).
 *
 * Variants: HW_CONCURRENT_CHANNELS=2, a physical miniport that applied concurrent channels
 * (STOR_PERF_CONCURRENT_CHANNELS, ENV-E8): no StartIo lock either, two HwStartIo at once, the
 * same lost request; HW_CONCURRENT_CHANNELS=1, one channel: one at a time again, it holds.
 *
 * Variant (variants.txt): DEFECT_BUSY_RETURNS_FALSE=1 also returns FALSE from the HwStartIo that
 * completes a request as BUSY, an idiom from SCSI port. Windows takes it as TRUE (ENV-Q3's
 * position: it holds); NeptuneOS completes the request itself on FALSE (ENV-H5), so there it is
 * completed twice (`stork verify --host neptune`: requests_complete, ENV-Q3).
 *
 * Under --host neptune no remove handler runs (ENV-H5), so the worker it frees leaks there
 * (no_leak), in the base and in both variants; HwStartIo runs on the main thread, one at a
 * time, so the virtual variant's two calls never overlap there and every request completes.
 *
 * expect: holds
 * expect on neptune: VIOLATED no_leak
 */
#include "storport.pml"

#ifndef DEFECT_BUSY_RETURNS_FALSE
#define DEFECT_BUSY_RETURNS_FALSE 0
#endif
#define CB_WORK 1

byte gw;            /* the adapter's worker (NULL if initialization failed) */
byte current;       /* the request handed to the worker, 0 for none */
bit stop;           /* set by the remove handler: no more queueing */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

#ifdef HW_VIRTUAL
/* A virtual miniport (-D HW_VIRTUAL=1): no StartIo lock, several HwStartIo at once. */
#endif

#if DEFECT_BUSY_RETURNS_FALSE
byte refused;       /* the request HwStartIo returned FALSE for */
#define HW_STARTIO_FALSE(srb) (refused == srb)
#endif
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 && current == 0 ->
        current = srb;                  /* test, then fill: safe only under the StartIo lock */
        atomic {
            if
            :: gw != NULL_HANDLE && !stop ->
                StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
                pending = pending || st == S_SUCCESS
            :: else -> st = S_UNSUCCESSFUL
            fi;
            if
            :: st != S_SUCCESS -> StorPortRequestComplete(CTX_STARTIO, srb); current = 0
            :: else
            fi
        }
    :: srb != 0 && current != 0 -> StorPortRequestComplete(CTX_STARTIO, srb)   /* BUSY */
#if DEFECT_BUSY_RETURNS_FALSE
        ; refused = srb                 /* and returns FALSE */
#endif
    :: srb == 0
    fi
}

/* The callback completes the request in the slot and empties it. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic {
        pending = 0; inside = 1;
        if
        :: current != 0 -> StorPortRequestComplete(CTX_SYS + tid, current); current = 0
        :: else
        fi
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* Remove handler: no more queueing; drain; free. */
inline HW_REMOVE() {
    atomic { stop = 1 };
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
