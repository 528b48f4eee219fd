/*
 * ioctl_close_drains_startio -- a virtual miniport (HW_VIRTUAL: HwStartIo on several CPUs at
 * once with no lock, ENV-E9) whose management tool closes the adapter's I/O path with a service
 * IOCTL (ENV-E19, E20), the teardown of its own that issue 11 starts from. HwProcessServiceRequest,
 * at PASSIVE_LEVEL alongside every HwStartIo, either holds the IRP as an event request (given
 * back by HwCompleteServiceIrp at removal) or closes: it stops new I/O, waits for the HwStartIo
 * calls already inside to leave (Storport quiesces nothing for it: ENV-R8), drains and frees the
 * worker they kick, and completes its IRP. HwStartIo enters only while the path is open (a
 * count under the miniport's own lock: atomic), kicks the worker, completes its request and
 * leaves. HwFreeAdapterResources (the HW_FREE_ADAPTER_RESOURCES role, the remove handler) frees
 * the worker if no close did.
 *
 * Variants (variants.txt):
 *   DEFECT_CLOSE_NO_DRAIN=1  the close frees the worker without waiting for the HwStartIo calls
 *     inside and the callback they queued: the free may come while it is queued, BUSY, and the
 *     worker the close then forgets leaks (no_leak, WI-M5). A free while the callback runs is
 *     no WI-M6 here: the callback never uses its worker after it (spec/contract.md, WI-M6)
 *   DEFECT_HELD_NOT_COMPLETED=1  HwCompleteServiceIrp forgets the event request it holds: the IRP
 *     is never given back (requests_complete, ENV-E19)
 *
 * expect: holds
 */
#include "storport.pml"

#define HW_VIRTUAL 1        /* VirtualDevice: no StartIo lock, no HwBuildIo (ENV-E9) */
#ifndef HW_SERVICE_REQUESTS
#define HW_SERVICE_REQUESTS 1   /* service IOCTLs over the adapter's life (lifecycle.pml: 1 or 2) */
#endif

#ifndef DEFECT_CLOSE_NO_DRAIN
#define DEFECT_CLOSE_NO_DRAIN 0
#endif
#ifndef DEFECT_HELD_NOT_COMPLETED
#define DEFECT_HELD_NOT_COMPLETED 0
#endif
#define CB_WORK 1

byte gw;            /* the adapter's worker (NULL if initialization failed or after a close) */
bit closed;         /* a close IOCTL stopped new I/O (the miniport's lock) */
byte inflight;      /* HwStartIo calls inside the I/O path (the miniport's lock) */
byte held;          /* the event IRP the miniport holds, 0 for none */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

/* HwStartIo (DISPATCH, no lock, several at once). */
#define HW_STARTIO start_io
inline start_io(srb) {
    bit entered;
    if
    :: srb != 0 ->
        atomic { entered = !closed; inflight = inflight + entered };
        if
        :: entered ->
            atomic {
                if
                :: gw != NULL_HANDLE && !pending ->
                    StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
                    pending = (st == S_SUCCESS)
                :: else
                fi
            };
            StorPortRequestComplete(CTX_STARTIO, srb);
            atomic { inflight-- }
        :: else -> StorPortRequestComplete(CTX_STARTIO, srb)    /* closed: failed */
        fi
    :: else
    fi
}

/* HwProcessServiceRequest (PASSIVE, no lock): an event request, or a close. */
#define HW_PROCESS_SERVICE_REQUEST service_request
inline service_request(irp) {
    if
    :: atomic { held == 0 -> held = irp }              /* kept until HwCompleteServiceIrp */
    :: atomic { closed = 1 };
#if !DEFECT_CLOSE_NO_DRAIN
       (inflight == 0);
       (!pending && !inside);
#endif
       atomic {
           if
           :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_SERVICE, PASSIVE_LEVEL, gw, st); gw = NULL_HANDLE
           :: else
           fi
       };
       StorPortCompleteServiceIrp(CTX_SERVICE, irp)
    fi
}

/* HwCompleteServiceIrp (PASSIVE, at removal): give back what is held. */
#define HW_COMPLETE_SERVICE_IRP complete_service_irp
inline complete_service_irp() {
#if !DEFECT_HELD_NOT_COMPLETED
    if
    :: held != 0 -> StorPortCompleteServiceIrp(CTX_SERVICE, held); held = 0
    :: else
    fi
#else
    skip
#endif
}

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* HwFreeAdapterResources (PASSIVE, no lock, last: ENV-E18): drain and free the worker unless a
   close did. */
#define HW_FREE_ADAPTER_RESOURCES free_adapter_resources
inline free_adapter_resources() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
