/*
 * passive_init_publishes_dpc -- a physical miniport started as storahci starts (ENV-E4, E5):
 * HwInitialize, at DIRQL under the interrupt lock, enables the HBA's interrupts and asks for
 * passive initialisation; HwPassiveInitializeRoutine, at PASSIVE_LEVEL, initialises the DPC
 * (StorPortInitializeDpc, ENV-E12) and the adapter's two workers (an I/O worker the DPC kicks,
 * and a reset worker), and fails the start (FALSE) when either cannot be had, freeing what it
 * got (ENV-R12). The ISR runs from HwInitialize's return on, so also during the passive
 * routine: it issues the DPC only once the passive routine has published it (dpc_on). A
 * removal may begin while the passive routine runs (ENV-R13); the remove handler stops the
 * DPC, waits for it, drains and frees both workers.
 *
 * Variants (variants.txt):
 *   DEFECT_WORKER_IN_INITIALIZE=1  the I/O worker is initialised in HwInitialize, as code written
 *     when one PASSIVE find-adapter context stood for both routines: a DIRQL call (irql, WI-M1)
 *   DEFECT_DPC_PUBLISHED_FIRST=1  the passive routine publishes the DPC before it initialises it:
 *     an ISR in between issues a DPC not yet initialised (storport_calls, ENV-E12)
 *   DEFECT_FAIL_KEEPS_WORKER=1  the passive routine that fails keeps the worker it got: nothing
 *     frees it after a failed start (no_leak, ENV-R12)
 *   DEFECT_ENABLE_BEFORE_SETUP=1  HwInitialize also sets up the HBA's ring, which the ISR
 *     reads once the interrupts are on, but enables them first. On Windows it holds the
 *     interrupt lock Storport takes around it, and the ISR runs only from its return on: it
 *     holds; NeptuneOS connects the interrupt before HwInitialize and runs it without the
 *     lock (ENV-H4, `verify --host neptune`): the ISR between the two finds no ring
 *     (design_assertion) there only.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_WORKER_IN_INITIALIZE
#define DEFECT_WORKER_IN_INITIALIZE 0
#endif
#ifndef DEFECT_DPC_PUBLISHED_FIRST
#define DEFECT_DPC_PUBLISHED_FIRST 0
#endif
#ifndef DEFECT_FAIL_KEEPS_WORKER
#define DEFECT_FAIL_KEEPS_WORKER 0
#endif
#ifndef DEFECT_ENABLE_BEFORE_SETUP
#define DEFECT_ENABLE_BEFORE_SETUP 0
#endif
#define CB_WORK 1

byte gw;            /* the I/O worker (NULL until initialised) */
byte gr;            /* the reset worker */
bit irq_on;         /* the HBA's interrupts are enabled */
bit dpc_on;         /* the passive routine published the DPC: the ISR may issue it */
bit failed;         /* the passive routine returns FALSE */
bit stop;           /* set by the remove handler: no more issues or queues */
byte issued;        /* DPC issues whose run has not ended */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

inline HW_FIND_ADAPTER() { skip }

/* HwInitialize (DIRQL, the interrupt lock held by Storport). */
#define HW_INITIALIZE initialize
#if DEFECT_ENABLE_BEFORE_SETUP
bit ring;           /* the HBA's ring, which the ISR reads once the interrupts are on */
#endif
inline initialize() {
    irq_on = 1;
#if DEFECT_ENABLE_BEFORE_SETUP
    ring = 1;
#endif
    StorPortEnablePassiveInitialization(CTX_INITIALIZE, st);
#if DEFECT_WORKER_IN_INITIALIZE
    StorPortInitializeWorker(CTX_INITIALIZE, DIRQL, gw, st)
#endif
}

/* HwPassiveInitializeRoutine (PASSIVE, no lock; the ISR may run meanwhile). */
#define HW_PASSIVE_INITIALIZE passive_initialize
#define HW_PASSIVE_INIT_FAILED (failed)
inline passive_initialize() {
#if !DEFECT_DPC_PUBLISHED_FIRST
    StorPortInitializeDpc(CTX_PASSIVEINIT, 1);
#endif
#if !DEFECT_WORKER_IN_INITIALIZE
    StorPortInitializeWorker(CTX_PASSIVEINIT, PASSIVE_LEVEL, gw, st);
#endif
    if
    :: gw != NULL_HANDLE ->
        StorPortInitializeWorker(CTX_PASSIVEINIT, PASSIVE_LEVEL, gr, st);
        if
        :: gr == NULL_HANDLE ->
#if !DEFECT_FAIL_KEEPS_WORKER
            StorPortFreeWorker(CTX_PASSIVEINIT, PASSIVE_LEVEL, gw, st);
#endif
            failed = 1
        :: else -> dpc_on = 1
        fi
    :: else -> failed = 1
    fi;
#if DEFECT_DPC_PUBLISHED_FIRST
    StorPortInitializeDpc(CTX_PASSIVEINIT, 1)
#else
    skip
#endif
}

/* HwInterrupt (DIRQL, the interrupt lock held by Storport): defer to the DPC. */
#define HW_INTERRUPT isr
inline isr() {
#if DEFECT_ENABLE_BEFORE_SETUP
    assert(!irq_on || ring);
#endif
    atomic {
        if
        :: irq_on && dpc_on && !stop ->
            StorPortIssueDpc(CTX_ISR, 1, st);
            issued = issued + st
        :: else
        fi
    }
}

/* The DPC (DISPATCH): kick the I/O worker, end its issue. */
#define HW_DPC completion_dpc
inline completion_dpc(d) {
    atomic {
        if
        :: gw != NULL_HANDLE && !pending && !stop ->
            StorPortQueueWorkItem(DPC_CTX(d), DISPATCH_LEVEL, CB_WORK, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}
#define HW_DPC_EXIT(d) issued = (issued > 0 -> issued - 1 : 0)

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_START() { skip }

/* Remove handler: no more issues; cancel and wait for the DPC; drain; free both workers. */
inline HW_REMOVE() {
    atomic { stop = 1; StorPortCancelDpc(CTX_REMOVE, 1, st); issued = issued - st };
    (issued == 0);
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi;
    if
    :: gr != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gr, st)
    :: else
    fi
}

#include "lifecycle.pml"
