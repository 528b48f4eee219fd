/*
 * free_resources_drains_callback -- a virtual miniport (HW_VIRTUAL: HwStartIo on several CPUs
 * at once, no lock, ENV-E9) that completes its requests in a work item, as a virtual miniport
 * talking to a user-mode or network back end does: HwStartIo parks the request in its slot
 * (one per request, the miniport's lock: atomic) and kicks the adapter's worker; the callback
 * touches the back end's buffers (resources outside HwDeviceExtension) and completes what is
 * parked. It registers HwFreeAdapterResources (the HW_FREE_ADAPTER_RESOURCES role, ENV-E18):
 * Storport calls it last, at PASSIVE_LEVEL with no lock, once no HwStartIo runs, but the
 * callback may still be queued or running then (ENV-R6, WI-R3): it waits for the callback to
 * finish, then frees the worker and the back end's buffers.
 *
 * Variant (variants.txt): DEFECT_FREE_NO_DRAIN=1 frees at once, trusting "the last callback
 * routine" to mean nothing else runs: a free while the callback is queued returns BUSY and the
 * worker leaks (no_leak, WI-M5, WI-M7), and the buffers it releases while the callback runs are
 * touched after the release (no_callback_after_removal, WI-M8).
 *
 * expect: holds
 */
#include "storport.pml"
#if MAXSRB > 2
#error "MAXSRB is 1 or 2 for this design: the callback completes requests 1 and 2 by name"
#endif

#define HW_VIRTUAL 1        /* VirtualDevice: no StartIo lock, HwFreeAdapterResources (ENV-E18) */

#ifndef DEFECT_FREE_NO_DRAIN
#define DEFECT_FREE_NO_DRAIN 0
#endif
#define CB_COMPLETE 1

byte gw;                    /* the adapter's worker (NULL if initialization failed) */
bit parked[MAXSRB + 1];     /* requests waiting for the callback (the miniport's lock) */
bit pending;                /* a queue of ours succeeded and its callback has not started */
bit inside;                 /* the callback runs */

/* HwStartIo (DISPATCH, no lock): park and kick, or complete at once if the worker cannot run. */
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
        atomic {
            parked[srb] = 1;
            if
            :: gw != NULL_HANDLE && !pending ->
                StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_COMPLETE, gw, 0, st);
                pending = (st == S_SUCCESS)
            :: else -> st = S_SUCCESS
            fi;
            if
            :: gw == NULL_HANDLE || (st != S_SUCCESS && st != S_BUSY) ->
                parked[srb] = 0; StorPortRequestComplete(CTX_STARTIO, srb)
            :: else                      /* queued now, or a queued callback will take it */
            fi
        }
    :: else
    fi
}

/* The callback (PASSIVE): read the back end's buffers, complete every parked request. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    atomic {
        USE_RESOURCES(CTX_SYS + tid);
        if
        :: parked[1] -> parked[1] = 0; StorPortRequestComplete(CTX_SYS + tid, 1)
        :: else
        fi;
        if
        :: parked[2] -> parked[2] = 0; StorPortRequestComplete(CTX_SYS + tid, 2)
        :: else
        fi
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* HwFreeAdapterResources (PASSIVE, no lock, last of Storport's calls): drain, free, release. */
#define HW_FREE_ADAPTER_RESOURCES free_adapter_resources
inline free_adapter_resources() {
#if !DEFECT_FREE_NO_DRAIN
    (!pending && !inside);
#endif
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi;
    RELEASE_RESOURCES()
}

#include "lifecycle.pml"
