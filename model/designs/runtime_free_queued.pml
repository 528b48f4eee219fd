/*
 * runtime_free_queued -- a correct miniport on a faulty runtime (FAULT_FREE_QUEUED): the
 * runtime accepts the free of a queued worker and drops its callback, the bug check 0xE4
 * P1=2 case turned into silent success. The remove handler frees the worker and, correctly,
 * retries while Storport answers BUSY; the faulty runtime never does. With no system worker
 * thread free to run callbacks (NTHREADS=0: all busy elsewhere for the adapter's life) a
 * queued worker stays queued, so the free certainly meets a queued, not-started worker.
 * Shows that no_free_while_queued (WI-F2) and status_conforms are not vacuous.
 *
 * config: NTHREADS=0
 *
 * expect: VIOLATED no_free_while_queued status_conforms
 */
#define FAULT_FREE_QUEUED 1
#include "../storport.pml"

#define CB_WORK 1

byte gw;
byte pending;
bit inside;

proctype Dpc(byte me) {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE ->
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            if
            :: st == S_SUCCESS -> pending++
            :: else
            fi
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending--; inside = 1 }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC) }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE ->
        st = S_BUSY;
        do
        :: st == S_BUSY -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
        :: else -> break
        od
    :: else
    fi
}

#include "../lifecycle.pml"
