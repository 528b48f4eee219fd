/*
 * dpc_outlives_removal -- a physical miniport whose HwStartIo issues a DPC (StorPortIssueDpc)
 * that uses the miniport's DMA memory and kicks the adapter's worker (the ISR -> DPC -> worker
 * chain of ENV-E11). Storport drains no DPC at removal (ENV-R6): the remove handler stops new
 * issues, cancels the DPC, and, since a FALSE cancel means it may be running, waits on a count
 * of issued DPCs that each run ends (ENV-R7); then it drains and frees the worker and releases
 * the DMA memory.
 *
 * Variant (variants.txt): DEFECT_NO_DPC_DRAIN=1 releases without cancelling or waiting: the
 * DPC runs on after the remove handler, uses the released memory and queues a freed worker.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_NO_DPC_DRAIN
#define DEFECT_NO_DPC_DRAIN 0
#endif
#define CB_WORK 1

byte gw;            /* the adapter's worker (NULL if initialization failed) */
bit stop;           /* set by the remove handler: no more issues or queues */
byte issued;        /* DPC issues whose run has not ended */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

/* HwStartIo (DISPATCH): the hardware needs attention; atomic = the StartIo lock. */
proctype StartIo() {
    bit ok;
    atomic {
        if
        :: !stop ->
            StorPortIssueDpc(CTX_STARTIO, 1, ok);
            issued = issued + ok
        :: else
        fi
    }
}

/* The DPC (DISPATCH): works on the DMA memory, kicks the worker, ends its issue. */
#define HW_DPC completion_dpc
inline completion_dpc(d) {
    USE_RESOURCES(DPC_CTX(d));
    atomic {
        if
        :: gw != NULL_HANDLE && !pending && !stop ->
            StorPortQueueWorkItem(DPC_CTX(d), DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}
#define HW_DPC_EXIT(d) issued--

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run StartIo(); run StartIo() }

/* Remove handler: no more issues; cancel and wait for the DPC; drain and free the worker. */
inline HW_REMOVE() {
    bit ok;
    atomic { stop = 1 };
#if !DEFECT_NO_DPC_DRAIN
    atomic { StorPortCancelDpc(CTX_REMOVE, 1, ok); issued = issued - ok };
    (issued == 0);
#endif
    (!pending && !inside);
    RELEASE_RESOURCES();
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
