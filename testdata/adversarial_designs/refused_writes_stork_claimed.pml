/*
 * A design that sets the model's own stork_claimed, the switch that tells removal whether a
 * never claim runs: the safety pans then wait for a claim that is not there, and `terminates`
 * came out VIOLATED for a design that does nothing wrong.
 *
 * expect: refused 13
 */
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() {
    stork_claimed = 1
}
inline HW_REMOVE() { StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st) }
#include "lifecycle.pml"
