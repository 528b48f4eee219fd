/*
 * A model variable handed to the API as the variable it writes (the worker of
 * StorPortInitializeWorker): the runtime's handle count is overwritten by the call.
 *
 * expect: refused 10
 */
#include "storport.pml"
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, rt_issued, st)
}
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
