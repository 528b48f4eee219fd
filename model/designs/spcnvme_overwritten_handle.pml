/*
 * spcnvme_overwritten_handle -- the SpcNvme restart worker (case study 2) with one defect:
 * the DPC initialises straight into nvme->RestartWorker with no check that a restart is
 * pending and no lock (L33), then queues the field (L34). Two restarts before the callback runs: the
 * second handle overwrites the first, the first worker is never queued nor freed (the
 * case study's leak). Because both DPCs then act on the same field, stork also finds the
 * second one freeing or re-queueing the worker the first one queued: a double free with the
 * callback, a queue of a freed worker, and a free while the callback runs.
 * Everything else is as in spcnvme_fixed.pml.
 *
 * expect: VIOLATED no_double_free no_use_after_free no_free_while_running no_leak
 */
#include "storport.pml"

#define CB_RESTART 1

byte restart_w;     /* nvme->RestartWorker */
bit running = 1;    /* the device is running */
byte pending;       /* successful queues whose callback has not started */
byte inside;        /* restart callbacks running (a count: two may overlap) */

/* RestartAdapterDpc (DISPATCH): no check and no lock between the init and the queue; the
   queue and its bookkeeping are done under the spinlock (atomic), as in spcnvme_fixed. */
proctype RestartDpc(byte me) {
    byte st;
    if
    :: running ->
        StorPortInitializeWorker(me, DISPATCH_LEVEL, restart_w, st);   /* overwrites the field */
        if
        :: st == S_SUCCESS ->
            atomic {
                StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_RESTART, restart_w, 0, st);
                if
                :: st == S_SUCCESS -> pending++
                :: else -> StorPortFreeWorker(me, DISPATCH_LEVEL, restart_w, st)
                fi
            }
        :: else
        fi
    :: else
    fi
}

/* RestartAdapterWorker (PASSIVE). */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending--; inside++ };
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
    (pending == 0 && inside == 0);
    RELEASE_RESOURCES()                             /* delete the I/O queues */
}

#include "lifecycle.pml"
