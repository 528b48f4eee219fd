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
 * expect: holds
 */
#include "storport.pml"

#define CB_RESTART 1

byte restart_w;     /* nvme->RestartWorker */
bit running = 1;    /* the device is running */
bit pending;        /* restart_w is queued and its callback has not started */
byte inside;        /* restart callbacks running (a count: two may overlap) */

/* RestartAdapterDpc (DISPATCH); atomic = the extension's spinlock. */
proctype RestartDpc(byte me) {
    byte st, w;
    atomic {
        if
        :: running && restart_w == NULL_HANDLE ->
            StorPortInitializeWorker(me, DISPATCH_LEVEL, w, st);
            if
            :: st == S_SUCCESS ->
                StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_RESTART, w, 0, st);
                if
                :: st == S_SUCCESS -> restart_w = w; pending = 1
                :: else -> StorPortFreeWorker(me, DISPATCH_LEVEL, w, st)
                fi
            :: else                         /* no worker: the restart is dropped */
            fi
        :: else
        fi
    }
}

/* RestartAdapterWorker (PASSIVE). */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside++ };
    if
    :: running -> USE_RESOURCES(CTX_SYS + tid)       /* re-initialise the controller, resume */
    :: else
    fi;
    atomic {
        StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);
        restart_w = NULL_HANDLE
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside--

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run RestartDpc(CTX_DPC); run RestartDpc(CTX_DPC2) }
inline HW_REMOVE() {
    running = 0;
    (!pending && inside == 0);
    RELEASE_RESOURCES()                             /* delete the I/O queues */
}

#include "lifecycle.pml"
