/*
 * leak_on_queue_failure -- the storahci one-shot pattern without its failure path: the
 * completion routine initialises a worker and queues it, but when the queue fails (removal
 * began: INVALID_DEVICE_STATE) it forgets the worker instead of freeing it.
 *
 * expect: VIOLATED no_leak
 */
#include "storport.pml"

#define CB_WORK 1

proctype Completion(byte me) {
    byte st, w;
    StorPortInitializeWorker(me, DISPATCH_LEVEL, w, st);
    if
    :: st == S_SUCCESS -> StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, w, 0, st)
    :: else
    fi                                  /* a failed queue leaves w behind */
}

inline HW_WORKITEM(tid, cb, w, cx) {
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
}
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Completion(CTX_DPC) }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
