/*
 * A design's own formula that is false: "the worker is never queued twice". The DPC kicks
 * the persistent worker again after its callback ran, so it is. The formula is a property
 * of its own, VIOLATED with a counterexample; the built-in ones all hold.
 *
 * expect: VIOLATED queued_once
 */
#include "storport.pml"

byte gw, kicks, queued;   /* queue attempts, successful queues */
bit pending, inside;

proctype Dpc() {
    byte st;
    do
    :: atomic {
        gw != NULL_HANDLE && !pending && kicks < 2 ->
        StorPortQueueWorkItem(CTX_DPC, DISPATCH_LEVEL, 1, gw, 0, st);
        pending = (st == S_SUCCESS);
        kicks++;
        queued = queued + pending
       }
    :: else -> break
    od
}

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc() }
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"

ltl queued_once { [] (queued <= 1) }
