/*
 * The Promela twin of c-harness/check/scenarios/miniport_dpc_or_timeout.c, by role, for
 * test_two_languages.py (entry points and locks, ENV-E, ENV-L): HwStartIo, under the StartIo
 * lock, posts the SRB under the interrupt lock it takes and asks for HwStorTimer; HwStorTimer,
 * under the StartIo lock, takes a posted SRB back under the interrupt lock and issues the
 * reset DPC (initialised in HwPassiveInitializeRoutine, which HwInitialize enables) with it; the
 * DPC hands the reset to a one-shot worker, and completes the SRB itself if it cannot; the
 * callback takes the StartIo lock, frees its worker there (a DISPATCH_LEVEL call, ENV-L3,
 * whatever IRQL it names) and completes the SRB. The adapter SRBs stop new posts, fail a posted
 * SRB and cancel the timeout.
 *
 * TWIN_WRONG=1, a deliberately wrong twin: the callback frees its worker without the StartIo
 * lock, so at PASSIVE_LEVEL (the test must see it).
 * SYNCHRONIZE_ACCESS=1, the twin of the variant miniport_dpc_or_timeout_synchronized: the
 * routines run inside StorPortSynchronizeAccess, which runs none under --host neptune (ENV-H4).
 */
#include "storport.pml"

#ifndef SYNCHRONIZE_ACCESS
#define SYNCHRONIZE_ACCESS 0
#endif
#if SYNCHRONIZE_ACCESS
#define SYNC(ctx, routine) StorPortSynchronizeAccess(ctx, routine)
#else
#define SYNC(ctx, routine) \
    StorPortAcquireSpinLock(ctx, InterruptLock); routine(); StorPortReleaseSpinLock(ctx, InterruptLock)
#endif

#define CB_RESET 1

byte posted;        /* on the HBA (interrupt lock) */
byte taken;         /* what HwStorTimer took back (a local of its, in C) */
byte taken_srb;     /* what an adapter SRB took back (another: with concurrent channels the
                       two no longer both hold the StartIo lock, ENV-E8) */
byte reset_srb;     /* the reset DPC's argument: the SRB HwStorTimer took back */
bit stopping;       /* an adapter SRB came (StartIo lock) */
byte dw;            /* the reset DPC's one-shot worker */
bit passive_on;        /* HwInitialize's StorPortEnablePassiveInitialization */

inline post() { posted = srb }                      /* HwStartIo's srb */
inline take_posted() { taken = posted; posted = 0 }
inline take_posted_srb() { taken_srb = posted; posted = 0 }

#define HW_INITIALIZE initialize
inline initialize() { StorPortEnablePassiveInitialization(CTX_INITIALIZE, passive_on) }
#define HW_PASSIVE_INITIALIZE passive_initialize
inline passive_initialize() { StorPortInitializeDpc(CTX_PASSIVEINIT, 1) }

#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 && stopping -> StorPortRequestComplete(CTX_STARTIO, srb)
    :: srb != 0 && !stopping ->
        SYNC(CTX_STARTIO, post);
        StorPortRequestTimerCall(CTX_STARTIO, 1)
    :: else
    fi
}

#define HW_STOR_TIMER stor_timer
inline stor_timer() {
    SYNC(CTX_STORTIMER, take_posted);
    if
    :: taken != 0 -> reset_srb = taken; taken = 0; StorPortIssueDpc(CTX_STORTIMER, 1, st)
    :: else
    fi
}

#define HW_DPC reset_dpc
inline reset_dpc(d) {
    StorPortInitializeWorker(DPC_CTX(d), DISPATCH_LEVEL, dw, st);
    if
    :: st == S_SUCCESS ->
        StorPortQueueWorkItem(DPC_CTX(d), DISPATCH_LEVEL, CB_RESET, dw, reset_srb, st);
        if
        :: st != S_SUCCESS ->
            StorPortFreeWorker(DPC_CTX(d), DISPATCH_LEVEL, dw, st);
            StorPortRequestComplete(DPC_CTX(d), reset_srb)
        :: else
        fi
    :: else -> StorPortRequestComplete(DPC_CTX(d), reset_srb)
    fi;
    dw = 0
}

inline HW_WORKITEM(tid, cb, w, cx) {
#if TWIN_WRONG
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);
#else
    StorPortAcquireSpinLock(CTX_SYS + tid, StartIoLock);
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);
    StorPortReleaseSpinLock(CTX_SYS + tid, StartIoLock);
#endif
    StorPortRequestComplete(CTX_SYS + tid, cx)
}

/* The adapter SRBs, through HwStartIo (the StartIo lock). */
#define HW_REMOVE_SRB adapter_srb
#define HW_SURPRISE_SRB adapter_srb
inline adapter_srb() {
    stopping = 1;
    SYNC(CTX_STARTIO, take_posted_srb);
    if
    :: taken_srb != 0 -> StorPortRequestComplete(CTX_STARTIO, taken_srb); taken_srb = 0
    :: else
    fi;
    StorPortRequestTimerCall(CTX_STARTIO, 0)
}

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { skip }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
