/*
 * double_free -- the callback frees its own worker (the documented one-shot pattern), but the
 * remove handler, written for a persistent worker, also frees the handle it kept: after the
 * callback ran, that is a second free of the same worker. The handler drains first, so the
 * double free is the only defect.
 *
 * expect: VIOLATED no_double_free
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
bit pending, inside;

proctype Dpc(byte me) {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !pending ->
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)    /* gw still holds the handle */
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC) }
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
