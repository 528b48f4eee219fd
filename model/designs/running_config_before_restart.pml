/*
 * running_config_before_restart -- a physical miniport restarted after a power stop
 * (ENV-R9, R11): ScsiStopAdapter (DIRQL) disables the HBA's interrupts; ScsiSetRunningConfig
 * (PASSIVE_LEVEL, the interrupt not yet connected: ENV-E16) reprograms the interrupt routing the
 * ISR reads without a lock, in two steps, and queues the adapter's worker to reload the rest of
 * the configuration at PASSIVE_LEVEL; ScsiRestartAdapter (DIRQL) enables the interrupts again.
 * The ISR asserts it never sees the routing half reprogrammed: true because no ISR runs during
 * ScsiSetRunningConfig.
 *
 * Variants (variants.txt):
 *   DEFECT_REPROGRAM_IN_RESTART=1  the routing is reprogrammed in ScsiRestartAdapter, where the
 *     ISR may run meanwhile (ENV-E15: no exclusion): it sees it half done (design_assertion)
 *   DEFECT_QUEUE_IN_RESTART=1  the reload is queued from ScsiRestartAdapter, at DIRQL (irql, WI-M1)
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_REPROGRAM_IN_RESTART
#define DEFECT_REPROGRAM_IN_RESTART 0
#endif
#ifndef DEFECT_QUEUE_IN_RESTART
#define DEFECT_QUEUE_IN_RESTART 0
#endif
#define CB_RELOAD 1

byte gw;            /* the adapter's worker (NULL if initialization failed) */
bit irq_on;         /* the HBA's interrupts are enabled */
bit reprogramming;  /* the interrupt routing is being rewritten */
bit stop;           /* set by the remove handler: no more queueing */
bit pending;        /* a queue of ours succeeded and its callback has not started */
bit inside;         /* the callback runs */

/* HwInterrupt (DIRQL): reads the routing. */
#define HW_INTERRUPT isr
inline isr() {
    assert(!reprogramming)
}

inline reprogram() {
    reprogramming = 1;
    reprogramming = 0
}
inline queue_reload(ctx, lvl) {
    atomic {
        if
        :: gw != NULL_HANDLE && !pending && !stop ->
            StorPortQueueWorkItem(ctx, lvl, CB_RELOAD, gw, 0, st);
            pending = (st == S_SUCCESS)
        :: else
        fi
    }
}

#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { irq_on = 0 }

#define HW_SET_RUNNING_CONFIG set_running_config
inline set_running_config() {
#if !DEFECT_REPROGRAM_IN_RESTART
    reprogram();
#endif
#if !DEFECT_QUEUE_IN_RESTART
    queue_reload(CTX_CONTROL, PASSIVE_LEVEL)
#else
    skip
#endif
}

#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() {
#if DEFECT_REPROGRAM_IN_RESTART
    reprogram();
#endif
#if DEFECT_QUEUE_IN_RESTART
    queue_reload(CTX_CONTROL, DIRQL);
#endif
    irq_on = 1
}

inline HW_WORKITEM(tid, cb, w, cx) { atomic { pending = 0; inside = 1 } }
#define HW_WORKITEM_EXIT(tid, cb, w, cx) inside = 0

inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st); irq_on = 1 }
inline HW_START() { skip }

/* Remove handler: no more queueing; drain; free. */
inline HW_REMOVE() {
    atomic { stop = 1 };
    (!pending && !inside);
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
