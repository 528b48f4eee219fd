/*
 * dpc_takes_locks_in_order -- a physical miniport whose HwStartIo, ISR and DPC share the HBA's
 * doorbell state through Storport's locks (ENV-L1..L3). HwStartIo runs under the StartIo lock
 * Storport holds, posts its request to the HBA inside StorPortSynchronizeAccess (the interrupt
 * lock: StartIo, then interrupt) and completes it. The ISR, under the interrupt lock, turns a
 * doorbell into an event and issues the DPC. The DPC takes the StartIo lock, then reads and
 * clears the events under the interrupt lock (StorPortSynchronizeAccess), releases both, and
 * kicks the adapter's worker at DISPATCH_LEVEL. The remove handler stops the DPC, waits for it,
 * drains and frees the worker.
 *
 * Variants (variants.txt):
 *   DEFECT_LOCK_ORDER=1  the DPC takes the interrupt lock first, then the StartIo lock: against
 *     the order of ENV-L2 (storport_calls), and a deadlock with a HwStartIo that holds the
 *     StartIo lock and waits for the interrupt lock (terminates)
 *   DEFECT_STARTIO_RELOCK=1  HwStartIo takes the StartIo lock Storport already holds around it
 *     (storport_calls, ENV-L2): it waits for itself (terminates)
 *   DEFECT_QUEUE_UNDER_INTERRUPT_LOCK=1  the DPC kicks the worker inside its synchronised
 *     routine, a call its code names DISPATCH_LEVEL but made at DIRQL (ENV-L3: irql, WI-M1)
 * ACQUIRE_INTERRUPT_LOCK=1 (no variant: tests/test_environment_model.py) HwStartIo rings the
 *   doorbell under the interrupt lock it takes itself, not inside StorPortSynchronizeAccess,
 *   which runs no routine under --host neptune (ENV-H4): there the doorbell never rings and no
 *   DPC runs without it.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_LOCK_ORDER
#define DEFECT_LOCK_ORDER 0
#endif
#ifndef DEFECT_STARTIO_RELOCK
#define DEFECT_STARTIO_RELOCK 0
#endif
#ifndef DEFECT_QUEUE_UNDER_INTERRUPT_LOCK
#define DEFECT_QUEUE_UNDER_INTERRUPT_LOCK 0
#endif
#ifndef ACQUIRE_INTERRUPT_LOCK
#define ACQUIRE_INTERRUPT_LOCK 0
#endif
#define CB_WORK 1

byte gw;            /* the adapter's worker (NULL if initialization failed) */
bit doorbell;       /* HwStartIo rang the HBA; the ISR sees it (interrupt lock) */
bit events;         /* the ISR's events for the DPC (interrupt lock) */
bit kick;           /* the DPC took events: the worker is to be kicked */
bit stop;           /* set by the remove handler: no more issues or queues */
byte issued;        /* DPC issues whose run has not ended */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

/* HwStartIo (DISPATCH, the StartIo lock held by Storport). */
inline ring_doorbell() { doorbell = 1 }
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 ->
#if DEFECT_STARTIO_RELOCK
        StorPortAcquireSpinLock(CTX_STARTIO, StartIoLock);
#endif
#if ACQUIRE_INTERRUPT_LOCK
        StorPortAcquireSpinLock(CTX_STARTIO, InterruptLock); ring_doorbell();
        StorPortReleaseSpinLock(CTX_STARTIO, InterruptLock);
#else
        StorPortSynchronizeAccess(CTX_STARTIO, ring_doorbell);
#endif
#if DEFECT_STARTIO_RELOCK
        StorPortReleaseSpinLock(CTX_STARTIO, StartIoLock);
#endif
        StorPortRequestComplete(CTX_STARTIO, srb)
    :: else
    fi
}

/* HwInterrupt (DIRQL, the interrupt lock held by Storport). */
#define HW_INTERRUPT isr
inline isr() {
    atomic {
        if
        :: doorbell && !stop ->
            doorbell = 0; events = 1;
            StorPortIssueDpc(CTX_ISR, 1, st);
            issued = issued + st
        :: else
        fi
    }
}

/* The DPC (DISPATCH): StartIo lock, then the interrupt lock; then kick the worker. */
inline take_events() {
    kick = events; events = 0
#if DEFECT_QUEUE_UNDER_INTERRUPT_LOCK
    ; kick_worker(d)
#endif
}
inline kick_worker(d) {
    atomic {
        if
        :: kick && gw != NULL_HANDLE && !pending && !stop ->
            StorPortQueueWorkItem(DPC_CTX(d), DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi;
        kick = 0
    }
}
#define HW_DPC completion_dpc
inline completion_dpc(d) {
#if DEFECT_LOCK_ORDER
    StorPortAcquireSpinLock(DPC_CTX(d), InterruptLock);
    StorPortAcquireSpinLock(DPC_CTX(d), StartIoLock);
    take_events();
    StorPortReleaseSpinLock(DPC_CTX(d), StartIoLock);
    StorPortReleaseSpinLock(DPC_CTX(d), InterruptLock);
#else
    StorPortAcquireSpinLock(DPC_CTX(d), StartIoLock);
    StorPortSynchronizeAccess(DPC_CTX(d), take_events);
    StorPortReleaseSpinLock(DPC_CTX(d), StartIoLock);
#endif
    kick_worker(d)
}
#define HW_DPC_EXIT(d) issued--

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }

/* Remove handler: no more issues; cancel and wait for the DPC; drain and free the worker. */
inline HW_REMOVE() {
    atomic { stop = 1; StorPortCancelDpc(CTX_REMOVE, 1, st); issued = issued - st };
    (issued == 0);
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
