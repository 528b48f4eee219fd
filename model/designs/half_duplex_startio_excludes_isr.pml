/*
 * half_duplex_startio_excludes_isr -- a physical miniport ported from SCSI port that keeps
 * Storport's default, half-duplex (HW_HALF_DUPLEX, ENV-L4): Storport holds the interrupt lock
 * as well as the StartIo lock around HwStartIo (and HwStorTimer), so HwStartIo runs at DIRQL
 * and no ISR run overlaps it. HwStartIo programs the HBA's one command slot in two steps (the
 * request, then the valid bit) with no lock of its own, and completes a request it has no slot
 * for at once (as SRB_STATUS_BUSY, ENV-Q4). The ISR (a shared line: it may run when nothing
 * happened) takes a valid command, marks its request done and issues the DPC; the DPC kicks the
 * adapter's worker at DISPATCH_LEVEL, whose callback completes the done requests at PASSIVE
 * (with no worker, or its queue refused, the DPC completes them: removal waits for them, ENV-Q6).
 * HwStartIo makes no work-item call: at DIRQL it would be refused. The remove handler stops the
 * DPC and waits for it, drains the worker, completes what is left and frees the worker.
 *
 * Variants (variants.txt):
 *   DEFECT_FULL_DUPLEX=1  the same code choosing full duplex: the ISR runs between the two
 *     steps and finds a half-programmed command (design_assertion)
 *   DEFECT_QUEUE_IN_STARTIO=1  HwStartIo kicks the worker itself, naming DISPATCH_LEVEL; under
 *     the interrupt lock half-duplex holds the call is made at DIRQL (irql, WI-M1 via ENV-L3)
 *
 * expect: holds
 */
#include "storport.pml"
#if MAXSRB > 2
#error "MAXSRB is 1 or 2 for this design: the callback completes requests 1 and 2 by name"
#endif

#ifndef DEFECT_FULL_DUPLEX
#define DEFECT_FULL_DUPLEX 0
#endif
#ifndef DEFECT_QUEUE_IN_STARTIO
#define DEFECT_QUEUE_IN_STARTIO 0
#endif
#if !DEFECT_FULL_DUPLEX
#define HW_HALF_DUPLEX 1    /* SynchronizationModel left at StorSynchronizeHalfDuplex */
#endif
#define CB_COMPLETE 1

byte gw;                    /* the adapter's worker (NULL if initialization failed) */
byte cmd_srb;               /* the HBA's command slot: the request programmed */
bit cmd_valid;              /* and its valid bit, written second */
bit done[MAXSRB + 1];       /* requests the HBA finished (the ISR) */
bit stop;                   /* the remove handler began: no more issues (interrupt lock) */
byte issued;                /* DPC issues whose run has not ended */
bit pending;                /* a queue of ours succeeded and its callback has not started */
bit inside;                 /* the callback runs */

inline complete_done(ctx) {
    atomic {
        if
        :: done[1] -> done[1] = 0; StorPortRequestComplete(ctx, 1)
        :: else
        fi;
        if
        :: done[2] -> done[2] = 0; StorPortRequestComplete(ctx, 2)
        :: else
        fi
    }
}

/* The worker completes the done requests; with none, or its queue refused, they are completed
   here: Storport waits for every outstanding request before the remove handler (ENV-Q6). */
inline kick_worker(ctx) {
    atomic {
        if
        :: gw != NULL_HANDLE && !pending ->
            StorPortQueueWorkItem(ctx, DISPATCH_LEVEL, CB_COMPLETE, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else -> st = (gw == NULL_HANDLE -> S_UNSUCCESSFUL : S_SUCCESS)
        fi;
        if
        :: st != S_SUCCESS -> complete_done(ctx)
        :: else
        fi
    }
}

/* HwStartIo (half-duplex: DIRQL, the StartIo and the interrupt lock held by Storport). */
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 && cmd_srb == 0 && !cmd_valid ->
        cmd_srb = srb;                  /* two steps, safe only while the ISR is excluded */
        cmd_valid = 1
#if DEFECT_QUEUE_IN_STARTIO
        ; kick_worker(CTX_STARTIO)
#endif
    :: srb != 0 && !(cmd_srb == 0 && !cmd_valid) -> StorPortRequestComplete(CTX_STARTIO, srb)
    :: srb == 0
    fi
}

/* HwInterrupt (DIRQL, the interrupt lock). */
#define HW_INTERRUPT isr
inline isr() {
    atomic {
        assert(cmd_valid || cmd_srb == 0);     /* never a half-programmed command */
        if
        :: cmd_valid ->
            done[cmd_srb] = 1; cmd_srb = 0; cmd_valid = 0;
            if
            :: !stop -> StorPortIssueDpc(CTX_ISR, 1, st); issued = issued + st
            :: else
            fi
        :: else
        fi
    }
}

/* The DPC (DISPATCH): kick the worker that completes the done requests. */
#define HW_DPC completion_dpc
inline completion_dpc(d) { kick_worker(DPC_CTX(d)) }
#define HW_DPC_EXIT(d) issued--

/* The callback (PASSIVE): complete what the HBA finished. */
inline HW_WORKITEM(tid, cb, w, cx) {
    atomic { pending = 0; inside = 1 };
    complete_done(CTX_SYS + tid)
}
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* Remove handler (the ISR is disconnected by now, and every request completed: ENV-Q6): stop
   and wait for the DPC, drain the worker, complete what is left (none), free. */
inline HW_REMOVE() {
    atomic { stop = 1; StorPortCancelDpc(CTX_REMOVE, 1, st); issued = issued - st };
    (issued == 0);
    (!pending && !inside);
    complete_done(CTX_REMOVE);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
