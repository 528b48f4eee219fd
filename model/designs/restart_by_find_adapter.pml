/*
 * restart_by_find_adapter -- a miniport that handles ScsiStopAdapter but did not mark
 * ScsiRestartAdapter, so Storport ends a stop by calling HwFindAdapter again (ENV-E2,
 * ENV-R11). Its HwFindAdapter initialises the adapter's worker only when it has none, so a
 * second run keeps the first worker (ENV-E3); the remove handler frees it.
 *
 * With WORKER_IN_PASSIVE=1 the worker is initialised, with the same guard, in the
 * HwPassiveInitializeRoutine that HwInitialize enables, as storahci's start does: the restart
 * runs HwFindAdapter, HwInitialize and that routine again (ENV-E5).
 *
 * Variants (variants.txt): DEFECT_REINIT=1 initialises a worker on every run: the second run
 * overwrites the live handle and the first worker leaks (WI-M7); with WORKER_IN_PASSIVE=1 too,
 * the passive routine's second run does.  REFIND_FAILS=1: the second HwFindAdapter (at
 * DISPATCH_LEVEL, ENV-R11) does not find the adapter, and the restart fails (HW_RESTART_FAILED):
 * the device is removed with no remove handler (ENV-R12), so the worker the first run made
 * leaks (no_leak) unless that failing run frees it (FREE_ON_REFIND_FAILURE=1: holds).
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_REINIT
#define DEFECT_REINIT 0
#endif
#ifndef WORKER_IN_PASSIVE
#define WORKER_IN_PASSIVE 0
#endif

byte gw;            /* the adapter's worker (NULL if initialization failed) */

inline HW_WORKITEM(tid, cb, w, cx) { skip }

#if DEFECT_REINIT
#define GET_WORKER(ctx) StorPortInitializeWorker(ctx, PASSIVE_LEVEL, gw, st)
#else
#define GET_WORKER(ctx) \
    if \
    :: gw == NULL_HANDLE -> StorPortInitializeWorker(ctx, PASSIVE_LEVEL, gw, st) \
    :: else \
    fi
#endif

#ifndef REFIND_FAILS
#define REFIND_FAILS 0
#endif
#ifndef FREE_ON_REFIND_FAILURE
#define FREE_ON_REFIND_FAILURE 0
#endif
#if REFIND_FAILS
byte finds;         /* HwFindAdapter's runs: the second does not find the adapter */
#define HW_RESTART_FAILED (finds > 1)
inline HW_FIND_ADAPTER() {
    finds++;
    if
    :: finds == 1 -> GET_WORKER(CTX_FINDADAPTER)
#if FREE_ON_REFIND_FAILURE
    :: else ->                          /* nothing later will free it */
        if
        :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_FINDADAPTER, DISPATCH_LEVEL, gw, st)
        :: else
        fi
#else
    :: else                             /* SP_RETURN_NOT_FOUND, the worker kept */
#endif
    fi
}
#elif WORKER_IN_PASSIVE
inline HW_FIND_ADAPTER() { skip }
#define HW_INITIALIZE initialize
inline initialize() { StorPortEnablePassiveInitialization(CTX_INITIALIZE, st) }
#define HW_PASSIVE_INITIALIZE passive_initialize
inline passive_initialize() { GET_WORKER(CTX_PASSIVEINIT) }
#else
inline HW_FIND_ADAPTER() { GET_WORKER(CTX_FINDADAPTER) }
#endif
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
