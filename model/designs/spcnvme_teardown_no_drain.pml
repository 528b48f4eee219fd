/*
 * spcnvme_teardown_no_drain -- the SpcNvme restart worker (case study 2) with one defect:
 * the remove handler deletes the controller's queues without draining the restart worker
 * (teardown never frees or waits for it): a restart callback that already found the device
 * running then re-initialises the controller with the deleted queues.
 * Everything else is as in spcnvme_fixed.pml.
 *
 * expect: VIOLATED no_callback_after_removal
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
    RELEASE_RESOURCES()                             /* delete the I/O queues */
}

#include "lifecycle.pml"
