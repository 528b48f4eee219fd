/*
 * preempt_signal_before_return -- the model twin of
 * c-harness/check/scenarios/preempt_signal_before_return.c: a DPC sets `inside` and queues the
 * adapter's worker; the callback clears `inside` ("done") and then counts a completion; the
 * remove handler waits until `inside` is clear and frees the worker, which may come between the
 * callback's two statements: while it runs, but after its last use of the worker.  Under WI-M6's
 * position (spec/contract.md) that is as good as the callback's own free, and
 * `no_free_while_running` asserts only at a callback's use of its worker after such a free:
 * holds.  (No HW_WORKITEM_EXIT: the model needs no declaration of the instructions after the
 * last use.)  The C audit finds it clean too, with its scheduling points at shared accesses.
 *
 * DEFECT_FREE_AFTER_SIGNAL (its variant preempt_free_after_signal, variants.txt): after the
 * signal the callback frees its worker too: the remove handler may free it first, and the
 * callback then passes its freed worker to StorPortFreeWorker (no_free_while_running, WI-M6,
 * and no_double_free), or the callback frees first and the remove handler frees it a second
 * time (no_double_free).
 *
 * expect: holds
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
bit inside;
byte completions;

proctype Dpc(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE ->             /* else the initialisation failed */
        inside = 1;
        StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
        if
        :: st != S_SUCCESS -> inside = 0
        :: else
        fi
    :: else
    fi
}

/* Each statement its own step: the remove handler may free between any two of them. */
inline HW_WORKITEM(tid, cb, w, cx) {
    inside = 0;                         /* "done" */
#if DEFECT_FREE_AFTER_SIGNAL
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);
#endif
    completions++
}

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC) }
inline HW_REMOVE() {
    (inside == 0);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
