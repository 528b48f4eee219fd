/*
 * HW_START forgets to `run` the routine that initializes, queues and frees the worker: no
 * API call is ever made, so every property "holds" over a handful of states. That is a
 * vacuous design, never a design that holds.
 *
 * expect: vacuous
 */
#include "storport.pml"

proctype Worker() {
    byte st, w;
    StorPortInitializeWorker(CTX_PASSIVE, PASSIVE_LEVEL, w, st);
    if
    :: st == S_SUCCESS -> StorPortFreeWorker(CTX_PASSIVE, PASSIVE_LEVEL, w, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { skip }          /* should be: run Worker() */
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
