/*
 * runtime_ignore_removal -- the correct storahci one-shot miniport on a faulty runtime
 * (FAULT_IGNORE_REMOVAL): a queue after removal began succeeds instead of returning
 * INVALID_DEVICE_STATE (WI-Q4, WI-R1). Shows that status_conforms is not vacuous.
 *
 * expect: VIOLATED status_conforms
 */
#define FAULT_IGNORE_REMOVAL 1
#include "storport.pml"

#define CB_WORK 1

proctype Completion(byte me) {
    byte st, w;
    StorPortInitializeWorker(me, DISPATCH_LEVEL, w, st);
    if
    :: st == S_SUCCESS -> StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, w, 0, st)
    :: else
    fi;
    if
    :: st != S_SUCCESS && w != NULL_HANDLE -> StorPortFreeWorker(me, DISPATCH_LEVEL, w, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st) }
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Completion(CTX_DPC) }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
