/*
 * stop_restart_checks_running -- one adapter worker for the adapter's whole life, kicked by a
 * DPC and re-queued from its own callback until removal (as persistent_stop_flag_drain), whose
 * callback touches the HBA. ScsiStopAdapter comes not only at removal but also for a PnP
 * resource rebalance or a power-down, and the callback runs on while the adapter is stopped
 * (ENV-R9); so the callback touches the HBA only while a `running` flag is set, which
 * ScsiStopAdapter clears and ScsiRestartAdapter sets again, under the same lock (ENV-R10).
 *
 * Variant (variants.txt): DEFECT_STOP_MEANS_REMOVAL=1 takes every ScsiStopAdapter for a
 * removal, as a miniport tested only by unplugging does: its callback stops touching the HBA
 * once the first removal notification came. Every removal is safe; a stop that is not one is
 * not, and hba_running (ENV-R10) breaks when the callback runs across it.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_STOP_MEANS_REMOVAL
#define DEFECT_STOP_MEANS_REMOVAL 0
#endif
#define CB_ADAPTER_WORK 1

byte gw;        /* the adapter's worker (NULL if initialization failed) */
bit stop;       /* set by the remove handler: no more queueing */
bit pending;    /* a queue of ours succeeded and its callback has not started */
bit inside;     /* the callback runs */
bit running;    /* the HBA is started: set at find-adapter and restart, cleared at stop */
bit removing;   /* DEFECT_STOP_MEANS_REMOVAL: the first removal notification came */

/* A DPC that has work for the worker (DISPATCH). atomic = the miniport's spinlock. */
proctype Kick() {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE && !stop && !pending ->
            StorPortQueueWorkItem(CTX_DPC, DISPATCH_LEVEL, CB_ADAPTER_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

/* The callback: work on the HBA if it runs, then re-queue itself unless stopping (a BUSY
   means a DPC's run is pending: the flag stays set). */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    atomic {
        if
#if DEFECT_STOP_MEANS_REMOVAL
        :: !removing -> USE_HBA(CTX_SYS + tid)
#else
        :: running -> USE_HBA(CTX_SYS + tid)
#endif
        :: else
        fi
    };
    atomic {
        if
        :: !stop ->
            StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, CB_ADAPTER_WORK, w, 0, st);
            if
            :: st == S_SUCCESS -> pending = 1
            :: else
            fi
        :: else
        fi
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    running = 1
}
inline HW_START() { run Kick() }

/* ScsiStopAdapter and ScsiRestartAdapter (DIRQL, no work-item call: ENV-E15). */
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { atomic { running = 0 } }
#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() { atomic { running = 1 } }
#if DEFECT_STOP_MEANS_REMOVAL
#define HW_REMOVAL_NOTICE removal_notice
inline removal_notice() { atomic { removing = 1 } }
#endif

/* The remove handler (after ScsiStopAdapter): stop queueing, drain, free. */
inline HW_REMOVE() {
    atomic { stop = 1 };
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
