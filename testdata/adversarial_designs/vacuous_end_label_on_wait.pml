/*
 * The remove handler waits for an event nobody sets, and the wait carries an `end` label,
 * which tells pan that stopping there is a valid end state. No run reaches the adapter's
 * release: the invalid-end-state check is silenced, the end-of-life checks (no_leak) are
 * never made. terminates must still fail, and nothing may "hold" over runs that never end.
 *
 * expect: VIOLATED terminates rest vacuous
 */
#include "storport.pml"

byte gw;
bit never_set;

proctype Dpc() {
    byte st;
    if
    :: gw != NULL_HANDLE -> StorPortQueueWorkItem(CTX_DPC, DISPATCH_LEVEL, 1, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc() }
inline HW_REMOVE() {
    skip;
end_wait:
    never_set;
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
