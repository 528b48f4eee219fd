/*
 * The callback frees its own worker (one-shot), and the remove handler, written for a
 * persistent worker, frees it again and retries while the free does not return SUCCESS. The
 * second free returns UNSUCCESSFUL for ever: the retry loop never ends (a livelock, beside
 * the double free).
 *
 * expect: VIOLATED terminates no_double_free
 */
#include "storport.pml"

byte gw;
bit inside, pending;

proctype Dpc() {
    byte st;
    atomic {
        if
        :: gw != NULL_HANDLE ->
            StorPortQueueWorkItem(CTX_DPC, DISPATCH_LEVEL, 1, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st)
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc() }
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE ->
        do
        :: StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st);
           if
           :: st == S_SUCCESS -> break
           :: else
           fi
        od
    :: else
    fi
}

#include "lifecycle.pml"
