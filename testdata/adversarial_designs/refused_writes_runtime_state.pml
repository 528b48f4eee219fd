/*
 * A design that marks its worker freed in the runtime's own table (rt_state, model/storport.pml)
 * instead of freeing it: no_leak would read the forged state and hold.
 *
 * expect: refused 12
 */
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() { rt_state[gw] = W_FREED; g_state[gw]++ }
#include "lifecycle.pml"
