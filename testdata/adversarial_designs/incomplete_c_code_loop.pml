/*
 * Embedded C that never returns: pan itself never ends. verify's time limit must cut it,
 * and the verdict is incomplete, never holds.
 *
 * expect: incomplete
 */
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    c_code { for (;;) { } }
}
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
