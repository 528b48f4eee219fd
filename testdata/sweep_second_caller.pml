/*
 * sweep_second_caller -- persistent_stop_flag_drain with the mistake its comment warns of: a
 * DPC writes pending = (st == SUCCESS), so a second DPC's BUSY clears the flag of a run still
 * queued, and the remove handler frees a queued worker. With one DPC (the default) nothing
 * is wrong; `verify --sweep` must find it at NCALLERS=2.
 */
#include "storport.pml"

#ifndef NCALLERS
#define NCALLERS 1
#endif

byte gw;
bit stop, pending, inside;

proctype Kick(byte me) {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !stop ->
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, 1, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() {
    run Kick(CTX_DPC);
    if
    :: NCALLERS >= 2 -> run Kick(CTX_DPC2)
    :: else
    fi
}
inline HW_REMOVE() {
    atomic { stop = 1 };
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
