/*
 * deferred_requests_completed -- HwStartIo takes an SRB that needs PASSIVE_LEVEL work, pauses
 * the adapter, and hands the SRB to the adapter's worker, whose callback completes it and
 * resumes the adapter. When the queue fails (BUSY: a run is already pending; or removal has
 * begun), StartIo takes the SRB back, completes it itself (with an error status) and resumes
 * the pause it made, on that path too (ENV-Q1, ENV-Q8). Its variant deferred_requests_stranded
 * (DEFECT_STRAND, in variants.txt) returns as if the work were on its way: the SRB is never
 * completed (ENV-Q1, ENV-Q6: removal waits for it for ever) and the pause never resumed
 * (ENV-Q8), though the callback itself is correct.
 *
 * expect: holds
 */
#include "storport.pml"

#define HW_OWN_STARTIO 1    /* its StartIo processes take SRBs (lifecycle.pml) */

#define CB_DEFERRED 1

byte gw;        /* the adapter's worker (NULL if initialization failed) */
byte parked;    /* the SRB the callback is to complete (0: none) */
bit pending, inside;

/* HwStartIo (DISPATCH); atomic = the StartIo lock. */
proctype StartIo() {
    byte st, srb;
    SRB_HANDED(CTX_STARTIO, srb);
    atomic {
        if
        :: srb != 0 && gw != NULL_HANDLE && parked == 0 ->
            StorPortPause(CTX_STARTIO, DISPATCH_LEVEL);
            parked = srb;
            StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_DEFERRED, gw, 0, st);
#ifdef DEFECT_STRAND
            pending = (st == S_SUCCESS)          /* on failure: nothing; the SRB is stranded */
#else
            if
            :: st == S_SUCCESS -> pending = 1
            :: else ->                           /* the work will not run: undo, complete */
                parked = 0;
                StorPortRequestComplete(CTX_STARTIO, srb);
                StorPortResume(CTX_STARTIO, DISPATCH_LEVEL)
            fi
#endif
        :: srb != 0 && !(gw != NULL_HANDLE && parked == 0) -> StorPortRequestComplete(CTX_STARTIO, srb)
        :: else
        fi
    }
}

/* The callback (PASSIVE): completes the parked SRB and resumes the adapter. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic {
        pending = 0; inside = 1;
        if
        :: parked != 0 ->
            StorPortRequestComplete(CTX_SYS + tid, parked); parked = 0;
            StorPortResume(CTX_SYS + tid, PASSIVE_LEVEL)
        :: else
        fi
    }
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run StartIo(); run StartIo() }
inline HW_REMOVE() {
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
