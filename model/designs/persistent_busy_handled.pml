/*
 * persistent_busy_handled -- a persistent adapter worker kicked by two DPCs that may fire at
 * once. A DPC that gets BUSY from StorPortQueueWorkItem does nothing more: the pending run
 * will do its work too (WI-Q2). The remove handler drains (a pending count and an inside flag
 * kept under the spinlock, the callback clearing "inside" as its last instruction) and frees.
 * "pending" must count, not flag: a DPC may re-queue after Storport dequeued the worker but
 * before the callback's first instruction, and a flag cleared there would hide that second
 * run from the drain (stork verify shows the free racing the second run and a leak).
 *
 * expect: holds
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
byte pending;   /* successful queues whose callback has not started (0..2) */
bit inside;     /* the callback runs */

proctype Kick(byte me) {
    byte st;
    if
    :: gw != NULL_HANDLE ->
        atomic {
            StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            if
            :: st == S_SUCCESS -> pending++
            :: st == S_BUSY -> skip                 /* already queued: that run does it */
            :: else -> skip                         /* removal began: nothing to do */
            fi
        }
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending--; inside = 1 }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
}
inline HW_START() { run Kick(CTX_DPC); run Kick(CTX_DPC2) }
inline HW_REMOVE() {
    (pending == 0 && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
