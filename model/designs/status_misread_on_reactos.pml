/*
 * status_misread_on_reactos -- a miniport that takes any InitializeWorker status but
 * INSUFFICIENT_RESOURCES for a success, which Windows never contradicts at PASSIVE_LEVEL
 * (SUCCESS and INSUFFICIENT_RESOURCES are all it returns there: WI-I1, WI-I4). It says what it
 * relies on with an assert: a worker it believes it has is a handle. On ReactOS every call
 * returns NOT_IMPLEMENTED (ENV-H6: `stork verify --host reactos`), the worker is not there,
 * and the assert breaks where the remove handler would free it.
 *
 * expect: holds
 * expect on reactos: VIOLATED design_assertion
 */
#include "storport.pml"

byte gw;            /* the adapter's worker */
bit have;           /* the miniport believes it has one */

inline HW_WORKITEM(tid, cb, w, cx) { skip }

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    have = (st != S_INSUFFICIENT_RESOURCES)
}
inline HW_START() { skip }

inline HW_REMOVE() {
    if
    :: have ->
        assert(gw != NULL_HANDLE);
        StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
