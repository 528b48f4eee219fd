/*
 * The API called inside the design's own d_step: the allocation failure the runtime may
 * inject is never taken there (a d_step takes the first way at every choice), and the call
 * is hidden from the reachability check that tells a vacuous design.
 *
 * expect: refused 12
 */
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    d_step { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
}
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
