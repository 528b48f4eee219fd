/*
 * queue_after_free -- an error path frees the worker and the normal path then queues it
 * anyway: a DPC that finds the device busy drops its worker, but falls through to the queue.
 *
 * expect: VIOLATED no_use_after_free
 */
#include "storport.pml"

#define CB_WORK 1

bit device_busy;

proctype Dpc(byte me) {
    byte st, w;
    StorPortInitializeWorker(me, DISPATCH_LEVEL, w, st);
    if
    :: st == S_SUCCESS ->
        if
        :: device_busy -> StorPortFreeWorker(me, DISPATCH_LEVEL, w, st)   /* no return */
        :: else
        fi;
        StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, w, 0, st);
        if
        :: st != S_SUCCESS && st != S_INVALID_PARAMETER -> StorPortFreeWorker(me, DISPATCH_LEVEL, w, st)
        :: else
        fi
    :: else
    fi
}

proctype Busy() { device_busy = 1 }

inline HW_WORKITEM(tid, cb, w, cx) {
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
}
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Busy(); run Dpc(CTX_DPC) }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
