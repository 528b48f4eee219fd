/*
 * stor_timer_stopped_under_startio_lock -- a physical miniport that completes its requests by
 * polling (ENV-E13): HwStartIo, under the StartIo lock, records the request and asks for
 * HwStorTimer with StorPortNotification(RequestTimerCall) (a request while one is pending
 * replaces it: one call); HwStorTimer, which Storport calls under the StartIo lock too,
 * completes the recorded requests, kicks the adapter's worker, and asks for itself again while
 * the adapter is not stopping (periodic). The remove handler takes the StartIo lock, so no
 * HwStorTimer runs meanwhile, sets its stop flag, cancels the pending call (interval 0) and
 * fails the requests still recorded; no later run can ask again. Then it drains and frees the
 * worker.
 *
 * Variant (variants.txt): DEFECT_CANCEL_WITHOUT_LOCK=1 cancels and stops without the StartIo
 * lock: a HwStorTimer running meanwhile asks again after the cancel, and its call is still
 * pending at the adapter's release (no_callback_after_removal, ENV-R7).
 *
 * expect: holds
 */
#include "storport.pml"
#if MAXSRB > 2
#error "MAXSRB is 1 or 2 for this design: HwStorTimer completes requests 1 and 2 by name"
#endif

#ifndef DEFECT_CANCEL_WITHOUT_LOCK
#define DEFECT_CANCEL_WITHOUT_LOCK 0
#endif
#define CB_WORK 1

byte gw;                    /* the adapter's worker (NULL if initialization failed) */
bit polled[MAXSRB + 1];     /* requests HwStartIo recorded for HwStorTimer (StartIo lock) */
bit stop;                   /* the remove handler began (StartIo lock) */
bit pending;                /* a queue of ours succeeded and its callback has not started */
bit inside;                 /* the callback runs */

/* Complete every recorded request (the caller holds the StartIo lock). */
inline complete_polled(ctx) {
    atomic {
        if
        :: polled[1] -> polled[1] = 0; StorPortRequestComplete(ctx, 1)
        :: else
        fi;
        if
        :: polled[2] -> polled[2] = 0; StorPortRequestComplete(ctx, 2)
        :: else
        fi
    }
}

/* HwStartIo (DISPATCH, the StartIo lock). */
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 && !stop -> atomic { polled[srb] = 1; StorPortRequestTimerCall(CTX_STARTIO, 1) }
    :: srb != 0 && stop -> StorPortRequestComplete(CTX_STARTIO, srb)
    :: else
    fi
}

/* HwStorTimer (DISPATCH, the StartIo lock). */
#define HW_STOR_TIMER stor_timer
inline stor_timer() {
    complete_polled(CTX_STORTIMER);
    atomic {
        if
        :: gw != NULL_HANDLE && !pending && !stop ->
            StorPortQueueWorkItem(CTX_STORTIMER, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    };
    if
    :: !stop -> StorPortRequestTimerCall(CTX_STORTIMER, 1)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* Remove handler: under the StartIo lock, stop, cancel and fail what is recorded; drain; free. */
inline HW_REMOVE() {
#if DEFECT_CANCEL_WITHOUT_LOCK
    StorPortRequestTimerCall(CTX_REMOVE, 0);
    stop = 1;
    StorPortAcquireSpinLock(CTX_REMOVE, StartIoLock);
#else
    StorPortAcquireSpinLock(CTX_REMOVE, StartIoLock);
    stop = 1;
    StorPortRequestTimerCall(CTX_REMOVE, 0);
#endif
    complete_polled(CTX_REMOVE);
    StorPortReleaseSpinLock(CTX_REMOVE, StartIoLock);
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
