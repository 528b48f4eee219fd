/*
 * leak_overwritten_handle -- a worker kept in the device extension is created in
 * HwFindAdapter; a later event "refreshes" it by initialising a new worker into the same
 * field without freeing the old one. The callback frees its own worker, the remove handler
 * frees whatever the field holds once drained; the first worker is never freed.
 *
 * expect: VIOLATED no_leak
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
bit pending, inside;

proctype Refresh(byte me) {
    byte st;
    atomic {
        if
        :: !pending ->
            StorPortInitializeWorker(me, DISPATCH_LEVEL, gw, st)   /* overwrites gw */
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    atomic { StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st); gw = NULL_HANDLE }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Refresh(CTX_TIMER) }
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
