/*
 * restart_by_find_adapter -- a miniport that handles ScsiStopAdapter but did not mark
 * ScsiRestartAdapter, so Storport ends a stop by calling HwFindAdapter again (ENV-E2,
 * ENV-R11). Its HwFindAdapter initialises the adapter's worker only when it has none, so a
 * second run keeps the first worker (ENV-E3); the remove handler frees it.
 *
 * Variant (variants.txt): DEFECT_REINIT=1 initialises a worker on every run: the second run
 * overwrites the live handle and the first worker leaks (WI-M7).
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_REINIT
#define DEFECT_REINIT 0
#endif

byte gw;            /* the adapter's worker (NULL if initialization failed) */

inline HW_WORKITEM(tid, cb, w, cx) { skip }

inline HW_FIND_ADAPTER() {
#if DEFECT_REINIT
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
#else
    if
    :: gw == NULL_HANDLE -> StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
    :: else
    fi
#endif
}
inline HW_START() { skip }

/* ScsiStopAdapter (DIRQL): halts the HBA; nothing of the worker's. */
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { skip }

inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
