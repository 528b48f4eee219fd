/*
 * spcnvme_fixed -- the SpcNvme restart worker (case study 2, smokingpc/glendronach
 * src/SpcNvme/NvmeDevice.cpp L15-63) with every defect fixed. A restart request pauses the
 * adapter and issues a DPC; the DPC (DISPATCH) creates a worker into the extension's field
 * unless a restart is already pending, queues it, and frees it if the queue fails; the
 * callback (PASSIVE) re-initialises the controller when the device still runs (using the
 * controller's queues, which the remove handler deletes) and always frees its own Worker
 * parameter. The remove handler marks the device stopped, drains the restart worker, and only
 * then deletes the queues. Two restart requests may arrive.
 *
 * The routines by role (lifecycle.pml): RestartAdapterDpc is the HW_DPC role, the routine of a
 * STOR_DPC, once per successful StorPortIssueDpc, at DISPATCH_LEVEL, never overlapping itself,
 * and not drained by anything Storport does at removal (ENV-E12, ENV-R6). The two restart
 * requests are two DPC objects issued at the start, as two HwAdapterControl(ScsiRestartAdapter)
 * would: HW_RESTART_ADAPTER is the driver's own place, but the environment gives one stop and
 * restart per life unless MAXSTOPS says more (ENV-R9), and the overwritten handle needs two
 * restarts. With RESTART_BY_CONTROL=1 the requests come that way: one DPC object, issued by
 * each HwAdapterControl(ScsiRestartAdapter) (HW_RESTART_ADAPTER, at DIRQL), with two stops
 * (`-D MAXSTOPS=2`). Since nothing drains the DPCs, the remove handler cancels them and waits
 * for one running (ENV-R7).
 *
 * Each defect of the published code is a switch (-D DEFECT_...=1); variants.txt names the
 * variants and what each must give (conformance/case-studies/spcnvme.md has the story):
 *   DEFECT_WRONG_HANDLE         the callback frees &nvme->RestartWorker, not its Worker (L61)
 *   DEFECT_EARLY_RETURN         the callback returns early, without the free, when the device
 *                               no longer runs (L48-49)
 *   DEFECT_OVERWRITTEN_HANDLE   the DPC initialises straight into the field, with no check
 *                               that a restart is pending and no lock (L33), and queues the
 *                               field (L34): a second restart overwrites the first handle
 *   DEFECT_QUEUE_STATUS_IGNORED the DPC only ASSERTs the queue's status (L34): a failed queue
 *                               leaks the worker
 *   DEFECT_TEARDOWN_NO_DRAIN    the remove handler deletes the queues without draining the
 *                               restart worker
 *
 * expect: holds
 */
#include "storport.pml"

#define CB_RESTART 1

byte restart_w;     /* nvme->RestartWorker */
bit running = 1;    /* the device is running */
#ifdef DEFECT_OVERWRITTEN_HANDLE
byte pending;       /* successful queues whose callback has not started */
#else
bit pending;        /* restart_w is queued and its callback has not started */
#endif
byte inside;        /* restart callbacks running (a count: two may overlap) */
byte issued;        /* DPC issues whose run has not ended */

#ifndef RESTART_BY_CONTROL
#define RESTART_BY_CONTROL 0
#endif
#if RESTART_BY_CONTROL
#define HW_DPC_OBJECTS 1
#else
#define HW_DPC_OBJECTS 2
#endif
#define HW_DPC restart_dpc
#define HW_DPC_EXIT(d) issued--

#ifdef DEFECT_OVERWRITTEN_HANDLE
/* RestartAdapterDpc (DISPATCH): no check and no lock between the init and the queue; the
   queue and its bookkeeping are done under the spinlock (atomic), as in the fixed code. */
inline restart_dpc(d) {
    if
    :: running ->
        StorPortInitializeWorker(DPC_CTX(d), DISPATCH_LEVEL, restart_w, st);   /* overwrites the field */
        if
        :: st == S_SUCCESS ->
            atomic {
                StorPortQueueWorkItem(DPC_CTX(d), DISPATCH_LEVEL, CB_RESTART, restart_w, 0, st);
                if
                :: st == S_SUCCESS -> pending++
                :: else -> StorPortFreeWorker(DPC_CTX(d), DISPATCH_LEVEL, restart_w, st)
                fi
            }
        :: else
        fi
    :: else
    fi
}
#else
/* RestartAdapterDpc (DISPATCH); atomic = the extension's spinlock. */
inline restart_dpc(d) {
    byte w;
    atomic {
        if
        :: running && restart_w == NULL_HANDLE ->
            StorPortInitializeWorker(DPC_CTX(d), DISPATCH_LEVEL, w, st);
            if
            :: st == S_SUCCESS ->
                StorPortQueueWorkItem(DPC_CTX(d), DISPATCH_LEVEL, CB_RESTART, w, 0, st);
                if
                :: st == S_SUCCESS -> restart_w = w; pending = 1
#ifdef DEFECT_QUEUE_STATUS_IGNORED
                :: else -> skip               /* ASSERT(st == SUCCESS) only */
#else
                :: else -> StorPortFreeWorker(DPC_CTX(d), DISPATCH_LEVEL, w, st)
#endif
                fi
            :: else                         /* no worker: the restart is dropped */
            fi
        :: else
        fi
    }
}
#endif

#ifdef DEFECT_WRONG_HANDLE
#define FREED_BY_CALLBACK(w) BAD_HANDLE     /* &field */
#else
#define FREED_BY_CALLBACK(w) w
#endif

/* RestartAdapterWorker (PASSIVE). */
inline HW_WORKITEM(tid, cb, w, cx) {
#ifdef DEFECT_OVERWRITTEN_HANDLE
    atomic { pending--; inside++ };
#else
    atomic { pending = 0; inside++ };
#endif
#ifdef DEFECT_EARLY_RETURN
    if
    :: running ->
        USE_RESOURCES(CTX_SYS + tid);                /* re-initialise the controller, resume */
        atomic {
            StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);
            restart_w = NULL_HANDLE
        }
    :: else                                          /* early return: no free */
    fi
#else
    if
    :: running -> USE_RESOURCES(CTX_SYS + tid)       /* re-initialise the controller, resume */
    :: else
    fi;
    atomic {
        StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, FREED_BY_CALLBACK(w), st);
        restart_w = NULL_HANDLE
    }
#endif
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside--

inline HW_FIND_ADAPTER() { skip }
#if RESTART_BY_CONTROL
/* HwAdapterControl(ScsiStopAdapter) halts nothing of the worker's; each ScsiRestartAdapter
   pauses and issues the restart DPC. */
inline HW_START() { skip }
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { skip }
#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() {
    atomic { StorPortIssueDpc(CTX_CONTROL, 1, st); issued = issued + st; st = 0 }
}
#else
/* Two HwAdapterControl(ScsiRestartAdapter): each pauses and issues a restart DPC. */
inline HW_START() {
    StorPortIssueDpc(CTX_CONTROL, 1, st); issued = issued + st;
    StorPortIssueDpc(CTX_CONTROL, 2, st); issued = issued + st;
    st = 0
}
#endif
inline HW_REMOVE() {
    running = 0;
    atomic { StorPortCancelDpc(CTX_REMOVE, 1, st); issued = issued - st };
#if !RESTART_BY_CONTROL
    atomic { StorPortCancelDpc(CTX_REMOVE, 2, st); issued = issued - st };
#endif
    (issued == 0);
#ifndef DEFECT_TEARDOWN_NO_DRAIN
    (pending == 0 && inside == 0);
#endif
    RELEASE_RESOURCES()                             /* delete the I/O queues */
}

#include "lifecycle.pml"
