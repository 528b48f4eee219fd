/*
 * start_fails_frees -- HwFindAdapter initialises the adapter's worker first and then may fail
 * (a later allocation or the hardware check: SP_RETURN_ERROR). Storport calls nothing after a
 * failed start, no removal and no remove handler (ENV-R12), so a start that fails frees the
 * worker it initialised before it returns. Its variant start_fails_leaks (DEFECT_NO_FREE, in
 * variants.txt) does not: the worker leaks (WI-M7).
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
#ifdef DEFECT_NO_FREE
    :: true -> found = 0                /* the hardware check fails: SP_RETURN_ERROR */
#else
    :: true -> found = 0;               /* the hardware check fails: SP_RETURN_ERROR */
        if
        :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
        :: else
        fi
#endif
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
