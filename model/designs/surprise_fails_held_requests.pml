/*
 * surprise_fails_held_requests -- a physical miniport whose HBA holds the request HwStartIo
 * gave it. In an orderly removal the HBA completes it (its DPC); after a surprise removal the
 * hardware is gone and never will, so the miniport fails it itself when it learns of the
 * removal (ENV-Q6). It may learn twice: ScsiAdapterSurpriseRemoval and the StorSurpriseRemoval
 * SRB come in either order, or either alone (ENV-R3). Both handlers call one routine that
 * takes the held request under the lock before completing it, so either order completes it
 * once. The adapter's worker is initialised in HwFindAdapter and freed at the end.
 *
 * Variants (variants.txt): DEFECT_FAIL_TWICE=1 completes without taking the request, so when
 * both notifications come it is completed twice (ENV-Q1); DEFECT_CONTROL_ONLY=1 fails held
 * requests only from ScsiAdapterSurpriseRemoval, so a surprise removal announced by the SRB
 * alone strands it (ENV-Q6).
 *
 * expect: holds
 */
#include "storport.pml"

#define HW_OWN_STARTIO 1    /* its StartIo processes take SRBs (lifecycle.pml) */

#ifndef DEFECT_FAIL_TWICE
#define DEFECT_FAIL_TWICE 0
#endif
#ifndef DEFECT_CONTROL_ONLY
#define DEFECT_CONTROL_ONLY 0
#endif

byte gw;        /* the adapter's worker (NULL if initialization failed) */
byte held;      /* the SRB the HBA holds, 0 for none */
bit gone;       /* a surprise removal took the hardware away */

/* HwStartIo (DISPATCH): gives the SRB to the HBA, or fails it if the hardware is gone.
   atomic = the StartIo lock. */
proctype StartIo() {
    byte srb;
    SRB_HANDED(CTX_STARTIO, srb);
    atomic {
        if
        :: gone -> StorPortRequestComplete(CTX_STARTIO, srb)
        :: else -> held = srb
        fi
    }
}

/* The HBA's completion DPC: completes what the HBA holds, while the hardware is there. */
proctype CompletionDpc() {
    atomic {
        (held != 0 || gone);
        if
        :: held != 0 && !gone -> StorPortRequestComplete(CTX_DPC, held); held = 0
        :: else
        fi
    }
}

/* Fail what the HBA held: take it under the lock, then complete it. */
inline fail_held(ctx) {
    atomic {
        gone = 1;
        if
        :: held != 0 ->
            StorPortRequestComplete(ctx, held);
#if !DEFECT_FAIL_TWICE
            held = 0
#else
            skip                    /* the request stays "held": a second notice completes it again */
#endif
        :: else
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run StartIo(); run CompletionDpc() }

#define HW_SURPRISE_CONTROL surprise_control
inline surprise_control() { fail_held(CTX_CONTROL) }
#define HW_SURPRISE_SRB surprise_srb
inline surprise_srb() {
#if DEFECT_CONTROL_ONLY
    atomic { gone = 1 }             /* and the held request is left to the control */
#else
    fail_held(CTX_STARTIO)
#endif
}

inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
