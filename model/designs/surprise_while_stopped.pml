/*
 * surprise_while_stopped -- a physical miniport whose ScsiAdapterSurpriseRemoval handler quiets
 * the HBA (masks its interrupts) so that a vanished device raises nothing more. A surprise
 * removal may come at any step (ENV-R13), also while the adapter is stopped for a rebalance
 * or a power-down, between ScsiStopAdapter and a ScsiRestartAdapter that then never comes;
 * the HBA is not running then (ENV-R10), so the handler touches it only while a `running`
 * flag is set, which ScsiStopAdapter clears and ScsiRestartAdapter sets again. The remove
 * handler frees the adapter's worker.
 *
 * Variant (variants.txt): DEFECT_SURPRISE_ASSUMES_RUNNING=1 quiets the HBA whatever its state:
 * fine at every removal of a running adapter, a touch of a stopped HBA when the removal comes
 * during the stop (hba_running, ENV-R10).
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_SURPRISE_ASSUMES_RUNNING
#define DEFECT_SURPRISE_ASSUMES_RUNNING 0
#endif

byte gw;        /* the adapter's worker (NULL if initialization failed) */
bit running;    /* the HBA is started: set at find-adapter and restart, cleared at stop */

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    running = 1
}
inline HW_START() { skip }
inline HW_WORKITEM(tid, cb, w, cx) { skip }

/* ScsiStopAdapter and ScsiRestartAdapter (DIRQL, no work-item call: ENV-E15). */
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { atomic { running = 0 } }
#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() { atomic { running = 1 } }

/* HwAdapterControl(ScsiAdapterSurpriseRemoval): quiet the HBA if it runs. */
#define HW_SURPRISE_CONTROL surprise_control
inline surprise_control() {
    atomic {
        if
#if DEFECT_SURPRISE_ASSUMES_RUNNING
        :: true -> USE_HBA(CTX_CONTROL)
#else
        :: running -> USE_HBA(CTX_CONTROL)
        :: else
#endif
        fi
    }
}

/* The remove handler: free the worker. */
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
