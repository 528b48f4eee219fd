/*
 * start_fails_leaks -- HwFindAdapter initialises the adapter's worker first and then may fail
 * (a later allocation or the hardware check: SP_RETURN_ERROR). Storport calls nothing after a
 * failed start, no removal and no remove handler (ENV-R12), so what the failing start does
 * not free itself is never freed: the worker leaks (WI-M7). start_fails_frees is the fix.
 *
 * expect: VIOLATED no_leak
 */
#include "storport.pml"

byte gw;
bit found;      /* HwFindAdapter returned SP_RETURN_FOUND */

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    if
    :: gw != NULL_HANDLE -> found = 1
    :: true -> found = 0                /* the hardware check fails: SP_RETURN_ERROR */
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
