/*
 * double_free (model/designs) with one extra, true formula of the design's own. The claim
 * must not disturb the built-in properties (it once held removal back, so that every
 * property "held"): the double free is still found, and the formula is verified as its own
 * property.
 *
 * expect: VIOLATED no_double_free
 */
#include "storport.pml"

byte gw;
bit pending, inside;

proctype Dpc(byte me) {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !pending ->
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, 1, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
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

ltl mine { [] (gw <= MAXW) }
