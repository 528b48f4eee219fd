/*
 * free_while_callback_runs -- the remove handler frees the persistent worker as soon as it is
 * not queued, without waiting for a callback that is running; that callback then re-queues
 * its worker (now freed). Free from another thread while the callback runs (WI-M6) is the
 * defect; the re-queue of the freed worker is its consequence (WI-M3).
 *
 * expect: VIOLATED no_use_after_free no_free_while_running
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
bit again;      /* the callback re-queues itself once */

proctype Dpc(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE -> StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) {
    if
    :: !again -> again = 1; StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, CB_WORK, w, 0, st)
    :: else
    fi
}

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC) }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE ->
        st = S_BUSY;
        do                              /* retry while BUSY (queued); running is not checked */
        :: st == S_BUSY -> st = 0; StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
        :: else -> break
        od
    :: else
    fi
}

#include "lifecycle.pml"
