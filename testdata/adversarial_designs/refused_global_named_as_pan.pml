/*
 * A design whose global `done` is never read: SPIN keeps such a global out of the state, as a
 * C variable of pan.c under its own name, and pan.c has a `done` of its own. verify refuses it
 * at its declaration, naming it, before pan.c fails to compile (or, of the same type as
 * pan.c's, silently shares pan's own variable).
 *
 * expect: refused 12
 */
#include "storport.pml"

byte gw;
bit done;            /* set by the callback, read by nobody */

inline HW_WORKITEM(tid, cb, w, cx) { done = 1 }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
