/*
 * The monitor silenced: every assertion of the contract would become `skip`.
 *
 * expect: refused 6
 */
#define assert(x) skip
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st) }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
