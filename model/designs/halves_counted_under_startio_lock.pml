/*
 * halves_counted_under_startio_lock -- HwStartIo hands its request to two routines at once: it
 * initialises a worker and queues it, and issues a DPC; each does its half of the work and
 * counts it in `runs` holding the StartIo lock, and the one that counts the second half
 * completes the request (one request: config MAXSRB=1). The callback frees its own worker
 * first (one-shot), so nothing is left for a remove handler but the DPC's drain. On Windows the
 * lock excludes; on NeptuneOS (ENV-H4, `stork verify --host neptune`) the callback and the DPC
 * are coroutines of the driver's main thread, one at a time until one of them waits, and the
 * lock does nothing: it holds there too. Its C twin in the audit:
 * c-harness/check/scenarios/miniport_main_thread.c.
 *
 * Variants (variants.txt), each a defect switch:
 *   DEFECT_NO_LOCK=1 (halves_counted_without_lock): both count without the lock. On Windows
 *     the DPC and the callback both read 0, both write 1, and the request is never completed
 *     (requests_complete, ENV-Q6); under --host neptune, where they never overlap, it holds.
 *   DEFECT_STALL_IN_LOCK=1 (halves_counted_stall_in_lock): the callback waits for the HBA
 *     (StorPortStallExecution) between reading the count and writing it, holding the lock. On
 *     Windows a busy wait the lock covers: it holds; under --host neptune a wait on the main
 *     thread, in which the DPC counts its half (the lock excludes nothing), which the
 *     callback's write then loses: requests_complete (ENV-Q6) there only.
 *   DEFECT_DPC_SPINS=1 (halves_counted_dpc_spins): the DPC spins until the callback has
 *     counted, and then counts the second half. On Windows the callback runs on a system
 *     thread meanwhile: it holds; under --host neptune the spinning DPC keeps the main thread,
 *     the callback it waits for never starts, and the request is never completed
 *     (requests_complete, ENV-Q6, and terminates, WI-M9) there only.
 *   COUNT_LOCK=InterruptLock with DEFECT_STALL_IN_LOCK=1 (halves_counted_stall_in_interrupt_lock):
 *     the same stall under the interrupt lock. On Windows it excludes: it holds; this design
 *     has no HW_INTERRUPT, so under --host neptune no interrupt is connected and the lock
 *     takes nothing (ENV-H4): the DPC counts during the stall, the count is lost
 *     (requests_complete) there only; a mutex would have kept the DPC waiting on the main
 *     thread the stalled callback needs back (terminates).
 *   DEFECT_COUNT_IN_SYNC=1 (halves_counted_synchronized): each counts its half inside
 *     StorPortSynchronizeAccess (the interrupt lock) instead of under the StartIo lock, and the
 *     one that read 1 completes the request. On Windows the interrupt lock excludes: it holds;
 *     NeptuneOS leaves the call unimplemented (ENV-H4): no routine runs, no half is counted,
 *     and the request is never completed (requests_complete, ENV-Q6) there only.
 *
 * config: MAXSRB=1
 * expect: holds
 * expect on neptune: holds
 */
#include "storport.pml"

#ifndef DEFECT_NO_LOCK
#define DEFECT_NO_LOCK 0
#endif
#ifndef DEFECT_STALL_IN_LOCK
#define DEFECT_STALL_IN_LOCK 0
#endif
#ifndef DEFECT_DPC_SPINS
#define DEFECT_DPC_SPINS 0
#endif
#ifndef DEFECT_COUNT_IN_SYNC
#define DEFECT_COUNT_IN_SYNC 0
#endif
#ifndef COUNT_LOCK
#define COUNT_LOCK StartIoLock          /* the lock the halves are counted under */
#endif
#define CB_HALF 1

byte gw;            /* the request's worker */
byte pending;       /* the request whose halves are done, 0 for none */
byte runs;          /* halves done of it, under the StartIo lock */
byte r_cb, r_dpc;   /* the count each of the two read */
bit issued;         /* StorPortIssueDpc's answer */
bit dpc_inside;     /* the DPC runs: the remove handler drains it */

/* One half done, r the count it read: the second completes the request. */
inline counted(ctx, r) {
    runs = r + 1;
    if
    :: r + 1 == 2 -> StorPortRequestComplete(ctx, pending); pending = 0
    :: else
    fi
}

/* The routines StorPortSynchronizeAccess runs (DEFECT_COUNT_IN_SYNC): each half counted,
   with the count it read, which its caller then tests (runs is 0 or 1 before). */
inline cb_counts() { r_cb = runs; runs = r_cb + 1 }
inline dpc_counts() { r_dpc = runs; runs = r_dpc + 1 }
#define COUNTED_IN_SYNC(ctx, r) \
    if \
    :: r == 1 -> StorPortRequestComplete(ctx, pending); pending = 0 \
    :: else \
    fi

#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
        pending = srb; runs = 0;        /* under the StartIo lock Storport holds around HwStartIo */
        StorPortInitializeWorker(CTX_STARTIO, DISPATCH_LEVEL, gw, st);
        if
        :: st == S_SUCCESS ->
            StorPortQueueWorkItem(CTX_STARTIO, DISPATCH_LEVEL, CB_HALF, gw, 0, st);
            if
            :: st != S_SUCCESS -> StorPortFreeWorker(CTX_STARTIO, DISPATCH_LEVEL, gw, st); runs = 1
            :: else
            fi
        :: else -> runs = 1             /* no callback: the DPC alone completes it */
        fi;
        StorPortIssueDpc(CTX_STARTIO, 1, issued)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) {
    StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st);    /* one-shot: its own, first */
#if DEFECT_COUNT_IN_SYNC
    StorPortSynchronizeAccess(CTX_SYS + tid, cb_counts);
    COUNTED_IN_SYNC(CTX_SYS + tid, r_cb)
#else
#if !DEFECT_NO_LOCK
    StorPortAcquireSpinLock(CTX_SYS + tid, COUNT_LOCK);
#endif
    r_cb = runs;
#if DEFECT_STALL_IN_LOCK
    StorPortStallExecution(CTX_SYS + tid);                      /* the HBA settles */
#endif
    counted(CTX_SYS + tid, r_cb)
#if !DEFECT_NO_LOCK
    ; StorPortReleaseSpinLock(CTX_SYS + tid, COUNT_LOCK)
#endif
#endif
}

#define HW_DPC dpc
inline dpc(d) {
    dpc_inside = 1;
#if DEFECT_DPC_SPINS
    (runs >= 1);                        /* a spin: the callback's half first */
#endif
#if DEFECT_COUNT_IN_SYNC
    StorPortSynchronizeAccess(CTX_DPC, dpc_counts);
    COUNTED_IN_SYNC(CTX_DPC, r_dpc)
#else
#if !DEFECT_NO_LOCK
    StorPortAcquireSpinLock(CTX_DPC, COUNT_LOCK);
#endif
    r_dpc = runs;
    counted(CTX_DPC, r_dpc)
#if !DEFECT_NO_LOCK
    ; StorPortReleaseSpinLock(CTX_DPC, COUNT_LOCK)
#endif
#endif
}
#define HW_DPC_EXIT(d) dpc_inside = 0

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { skip }
/* The request is completed when it comes, so both halves have been counted: only the DPC may
   still be returning. */
inline HW_REMOVE() { (!dpc_inside) }

#include "lifecycle.pml"
