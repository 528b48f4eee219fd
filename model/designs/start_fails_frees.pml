/*
 * start_fails_frees -- start_fails_leaks, fixed: a start that fails frees the worker it
 * initialised before it returns (ENV-R12), since nothing after a failed start would.
 *
 * expect: holds
 */
#include "storport.pml"

byte gw;
bit found;      /* HwFindAdapter returned SP_RETURN_FOUND */

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    if
    :: gw != NULL_HANDLE -> found = 1
    :: true -> found = 0;               /* the hardware check fails: SP_RETURN_ERROR */
        if
        :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
        :: else
        fi
    fi
}
#define HW_START_FAILED (!found)
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
