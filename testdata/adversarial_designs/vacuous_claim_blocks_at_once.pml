/*
 * A design's own formula whose never claim blocks at once (`true`: its negation has no
 * run): pan explores one state. The search proves nothing about the design: vacuous.
 *
 * expect: vacuous trivially
 */
#include "storport.pml"

byte gw;

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
inline HW_START() { skip }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"

ltl trivially { true }
